"""`postag serve` in-process (Starlette's TestClient): answers, their shapes, the same output as `postag tag`,
limits, errors, the API key, metrics, and generated bodies. The server as a process: tests/test_serve_process.py."""

from __future__ import annotations

import io
import json
import sys

import pytest
from fuzzing import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from pipelines.serving.app import create_app, load_models
from pipelines.serving.requests import Limits, format_from_accept
from pipelines.serving.settings import ServeSettings, check_exposure, model_names
from pipelines.tagging.stream import TagOptions, tag_files

SETTINGS = ServeSettings(models=(("en_ewt", "en_ewt"),), limits=Limits(max_body_bytes=200_000, max_sentences=300,
                                                                      max_words=5_000))
TEXTS = [
    "Acme Inc. isn't here.\n\nCall me!",
    "  The old man the boats. Time flies like an arrow.\r\nFruit flies like a banana.\r\n\r\n\r\nOK?! ",
    "Dr. Smith paid $12.50 for 3 books on Jan. 5th — \"cheap,\" he said.\n\tNext line\u2028 and ünïcödé 🙂 words.",
    "no punctuation at all just words",
    "",
    "   \n\n  ",
]


@pytest.fixture(scope="module")
def models():
    return load_models(SETTINGS)


@pytest.fixture(scope="module")
def client(models):
    with TestClient(create_app(models, SETTINGS)) as client:
        yield client


def tag_as_cli(models, text: str, output_format: str, tagset: str | None = None, top_k: int = 1) -> str:
    """What `postag tag - --format F` writes for `text` on standard input."""
    written = []
    stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8")
    try:
        tag_files(models["en_ewt"].tagger, ["-"], written.append, TagOptions(output_format, tagset, top_k))
    finally:
        sys.stdin = stdin
    return "".join(written)


# ---- answers ------------------------------------------------------------------------------------------------

def test_a_text_is_answered_with_words_tags_and_spans_into_the_text_as_sent(client):
    text = "Acme Inc. isn't here.\n\nCall me!"
    answer = client.post("/v1/tag", json={"text": text})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    data = answer.json()
    assert data["model"] == "en_ewt"
    first = data["sentences"][0]["words"]
    assert first[0] == {"word": "Acme", "tag": "PROPN", "start": 0, "end": 4}
    assert [w["word"] for w in first[:4]] == ["Acme", "Inc.", "is", "n't"]
    assert (first[2]["start"], first[2]["end"]) == (first[3]["start"], first[3]["end"]) == (10, 15)
    assert [w["word"] for w in data["sentences"][1]["words"]] == ["Call", "me", "!"]
    for sentence in data["sentences"]:
        for word in sentence["words"]:
            assert set(word) == {"word", "tag", "start", "end"}
            if word["word"] != "n't" and word["word"] != "is":
                assert text[word["start"]:word["end"]] == word["word"]


def test_both_tagsets_and_top_tags(client):
    data = client.post("/v1/tag", json={"text": "Acme Inc. is here.", "tagset": "both", "top_k": 3}).json()
    word = data["sentences"][0]["words"][0]
    assert set(word) == {"word", "upos", "xpos", "start", "end", "top"}
    assert (word["upos"], word["xpos"]) == ("PROPN", "NNP")
    assert set(word["top"]) == {"upos", "xpos"} and len(word["top"]["upos"]) == 3
    assert word["top"]["upos"][0][0] == "PROPN" and 0 < word["top"]["upos"][0][1] <= 1
    single = client.post("/v1/tag", json={"text": "Acme Inc. is here.", "tagset": "xpos", "top_k": 2}).json()
    word = single["sentences"][0]["words"][0]
    assert word["tag"] == "NNP" and [tag for tag, _ in word["top"]][0] == "NNP" and len(word["top"]) == 2
    plain = client.post("/v1/tag", json={"text": "Acme is here.", "tagset": "both"}).json()
    assert set(plain["sentences"][0]["words"][0]) == {"word", "upos", "xpos", "start", "end"}


def test_sentences_of_words_are_tagged_as_given(client):
    data = client.post("/v1/tag", json={"sentences": [["I", "saw", "her", "duck"], [], ["New York", "!"]]}).json()
    assert [[w["word"] for w in s["words"]] for s in data["sentences"]] == [["I", "saw", "her", "duck"], [],
                                                                           ["New York", "!"]]
    assert data["sentences"][0]["words"][0] == {"word": "I", "tag": "PRON"}


@pytest.mark.parametrize("text", TEXTS)
def test_conllu_and_tsv_answers_are_what_postag_tag_writes(client, models, text):
    conllu = client.post("/v1/tag", json={"text": text, "format": "conllu"})
    assert conllu.headers["content-type"].startswith("text/x-conllu")
    assert conllu.text == tag_as_cli(models, text, "conllu")
    for tagset, top_k in (("upos", 1), ("xpos", 1), ("upos", 3)):
        tsv = client.post("/v1/tag", json={"text": text, "format": "tsv", "tagset": tagset, "top_k": top_k})
        assert tsv.text == tag_as_cli(models, text, "tsv", tagset, top_k), (tagset, top_k)


@pytest.mark.parametrize("text", TEXTS)
def test_json_answers_have_the_tags_and_spans_of_postag_tag(client, models, text):
    expected = [json.loads(line) for line in tag_as_cli(models, text, "json", "upos", 3).split("\n") if line]
    scored = client.post("/v1/tag", json={"text": text, "top_k": 3}).json()["sentences"]
    assert [[w["word"] for w in s["words"]] for s in scored] == [record["tokens"] for record in expected]
    assert [[[w["start"], w["end"]] for w in s["words"]] for s in scored] == [r["offsets"] for r in expected]
    assert [[w["tag"] for w in s["words"]] for s in scored] == [record["tags"] for record in expected]
    assert [[w["top"] for w in s["words"]] for s in scored] == [record["top_k"] for record in expected]
    # Without probabilities, the best sequence: `postag tag`'s text, TSV and CoNLL-U tags.
    best = client.post("/v1/tag", json={"text": text}).json()["sentences"]
    tsv_tags = [line.split("\t")[1] for line in tag_as_cli(models, text, "tsv").split("\n") if line]
    assert [w["tag"] for s in best for w in s["words"]] == tsv_tags


@pytest.mark.parametrize("accept, expected", [
    (None, "json"), ("*/*", "json"), ("text/x-conllu", "conllu"), ("text/tab-separated-values", "tsv"),
    ("text/x-conllu;q=0.5, application/json", "json"), ("text/html, */*;q=0.8", "json"),
])
def test_the_format_follows_accept(accept, expected):
    assert format_from_accept(accept) == expected


def test_accept_picks_the_answer_and_the_format_field_wins(client):
    answer = client.post("/v1/tag", json={"text": "Hi there."}, headers={"Accept": "text/x-conllu"})
    assert answer.text.startswith("# newdoc id = -\n# sent_id = 1\n")
    answer = client.post("/v1/tag", json={"text": "Hi there.", "format": "json"}, headers={"Accept": "text/x-conllu"})
    assert answer.json()["model"] == "en_ewt"


# ---- errors and limits --------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, status, words", [
    (b"{not json", 400, "not JSON"),
    (b"\xff\xfe{}", 400, "not UTF-8"),
    (b"[1, 2]", 400, "JSON object"),
    (b"[" * 100_000, 400, "JSON"),
    (b'{"text": "x", "top_k": 1' + b"0" * 5000 + b"}", 400, "JSON"),
    ({"text": "x", "colour": "red"}, 422, "unknown field 'colour'"),
    ({"text": 5}, 422, "text must be a string"),
    ({"text": "x", "sentences": [["x"]]}, 422, "not both"),
    ({}, 422, "not neither"),
    ({"text": "x", "model": "de_gsd"}, 404, "no model 'de_gsd'"),
    ({"text": "x", "model": "/etc/passwd"}, 404, "no model"),
    ({"text": "x", "tagset": "ptb"}, 422, "tagset 'ptb'"),
    ({"text": "x", "top_k": 0}, 422, "top_k must be from 1"),
    ({"text": "x", "top_k": True}, 422, "whole number"),
    ({"text": "x", "top_k": 2.5}, 422, "whole number"),
    ({"text": "x", "format": "xml"}, 422, "format must be one of"),
    ({"text": "x", "format": "conllu", "top_k": 2}, 422, "CoNLL-U"),
    ({"text": "x", "format": "tsv", "tagset": "both"}, 422, "one tagset"),
    ({"sentences": "I saw her"}, 422, "list of lists"),
    ({"sentences": [["I", 3]]}, 422, "sentence 0, word 1"),
    ({"sentences": [["I", " "]]}, 422, "all-whitespace"),
    ({"sentences": [["a\tb"]]}, 422, "tab or a line break"),
    ({"sentences": [["w"]] * 301}, 413, "at most 300"),
    ({"sentences": [["w"] * 2_000] * 3}, 413, "5,000 words"),
    ({"text": "word " * 6_000}, 413, "5,000"),
    ({"text": "Hi.\n\n" * 400}, 413, "400 sentences"),
    ({"text": "x" * 250_000}, 413, "bytes"),
])
def test_bad_bodies_are_refused_with_a_status_and_a_message(client, body, status, words):
    content = json.dumps(body).encode() if isinstance(body, dict) else body
    answer = client.post("/v1/tag", content=content)
    assert answer.status_code == status, answer.text[:300]
    data = answer.json()
    assert data["status"] == status and words in data["error"], data


def test_a_declared_length_past_the_cap_is_refused_before_the_body_is_read(client):
    answer = client.post("/v1/tag", content=b"{}", headers={"Content-Length": "999999999"})
    assert answer.status_code == 413 and "999,999,999 bytes" in answer.json()["error"]


def test_an_accept_that_allows_no_format_is_406(client):
    answer = client.post("/v1/tag", json={"text": "x"}, headers={"Accept": "image/png"})
    assert answer.status_code == 406 and "Accept" in answer.json()["error"]


def test_unknown_paths_and_methods_are_json_errors(client):
    assert client.get("/v2/tag").json()["status"] == 404
    answer = client.get("/v1/tag")
    assert answer.status_code == 405 and "GET is not allowed" in answer.json()["error"]


def test_a_request_past_the_time_limit_is_503(models):
    settings = ServeSettings(models=SETTINGS.models, limits=Limits(timeout_seconds=0.05))
    with TestClient(create_app(models, settings)) as client:
        answer = client.post("/v1/tag", json={"text": "Time flies like an arrow. " * 3000})
    assert answer.status_code == 503 and "limit of 0.05 s" in answer.json()["error"]


# ---- the API key, the models, health, metrics, the page ------------------------------------------------------

def test_an_api_key_is_asked_for_tagging_only(models):
    key = "k" * 32
    settings = ServeSettings(models=SETTINGS.models, api_key=key)
    with TestClient(create_app(models, settings)) as client:
        refused = client.post("/v1/tag", json={"text": "Hi."})
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert client.post("/v1/tag", json={"text": "Hi."}, headers={"Authorization": "Bearer wrong"}).status_code \
            == 401
        assert client.post("/v1/tag", json={"text": "Hi."}, headers={"Authorization": f"Bearer {key}"}).status_code \
            == 200
        assert client.post("/v1/tag", json={"text": "Hi."}, headers={"X-API-Key": key}).status_code == 200
        assert client.get("/healthz").status_code == 200
        assert client.get("/v1/models").json()["api_key_required"] is True


def test_another_host_than_the_loopback_needs_a_long_api_key():
    check_exposure("127.0.0.1", None)
    check_exposure("::1", None)
    check_exposure("localhost", None)
    with pytest.raises(ValueError, match="API key"):
        check_exposure("0.0.0.0", None)
    with pytest.raises(ValueError, match="shorter than 16"):
        check_exposure("0.0.0.0", "short")
    check_exposure("0.0.0.0", "x" * 32)


def test_served_names(tmp_path):
    assert model_names([]) == (("en_ewt", "en_ewt"),)
    assert model_names(["en_ewt", f"mine={tmp_path}", str(tmp_path / "other")]) == (
        ("en_ewt", "en_ewt"), ("mine", str(tmp_path)), ("other", str(tmp_path / "other")))
    with pytest.raises(ValueError, match="two models named"):
        model_names(["en_ewt", "en_ewt=/x"])
    with pytest.raises(ValueError, match="served name"):
        model_names(["bad name=/x"])


def test_models_lists_tagsets_language_scores_and_licence(client):
    data = client.get("/v1/models").json()
    assert data["default"] == "en_ewt" and data["api_key_required"] is False
    assert data["limits"]["max_words"] == 5_000
    model, = data["models"]
    assert model["name"] == "en_ewt" and model["tagsets"] == ["upos", "xpos"]
    assert "PROPN" in model["tags"]["upos"] and "NNP" in model["tags"]["xpos"]
    assert model["language"] == "English" and model["license"] == "CC BY-SA 4.0" and model["corpus"] == "ud:en_ewt"
    assert 0.9 < model["scores"]["gold_tokens_accuracy"]["upos"]["test"]["accuracy"] < 1
    assert 0.9 < model["scores"]["gold_tokens_accuracy"]["xpos"]["test"]["accuracy"] < 1
    assert 0.9 < model["scores"]["raw_text_f1"]["test"]["upos"] < 1


def test_health_and_metrics(client):
    assert client.get("/healthz").json() == {"status": "ok", "models": ["en_ewt"]}
    client.post("/v1/tag", json={"text": "One two three."})
    client.post("/v1/tag", json={"text": 1})
    metrics = client.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    for line in ('postag_http_requests_total{path="/v1/tag",status="200"}',
                 'postag_http_requests_total{path="/v1/tag",status="422"}',
                 'postag_http_request_duration_seconds_bucket{le="0.25",path="/v1/tag"}',
                 'postag_tokens_tagged_total{model="en_ewt"}', "postag_batch_words_count", "postag_batch_parts_sum"):
        assert line in text, line


def test_the_page_is_self_contained(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy and "'sha256-" in policy
    html = page.text
    for outside in ("http://", "https://", 'src="//', "@import", "url("):
        assert outside not in html, outside


# ---- generated bodies ---------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
                           lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8),
                                                                                             children, max_size=4),
                           max_leaves=12)
FIELD_VALUES = {
    "text": st.text(max_size=300) | JSON_VALUES,
    "sentences": st.lists(st.lists(st.text(min_size=0, max_size=12), max_size=8), max_size=5) | JSON_VALUES,
    "model": st.sampled_from(["en_ewt", "other", ""]) | JSON_VALUES,
    "tagset": st.sampled_from(["upos", "xpos", "both", "UPOS", ""]) | JSON_VALUES,
    "top_k": st.integers(-3, 60) | JSON_VALUES,
    "format": st.sampled_from(["json", "conllu", "tsv", "xml"]) | JSON_VALUES,
}
BODIES = (st.fixed_dictionaries({}, optional=FIELD_VALUES).map(lambda body: json.dumps(body).encode())
          | st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=4).map(lambda body: json.dumps(body).encode())
          | st.binary(max_size=200)
          | JSON_VALUES.map(lambda value: json.dumps(value).encode()))


@pytest.mark.fuzz
@fuzz_settings()
@given(body=BODIES, accept=st.sampled_from([None, "*/*", "text/x-conllu", "image/png", "text/*;q=0.2"]))
def test_every_generated_body_gets_a_success_or_a_4xx_with_a_message(client, body, accept):
    answer = client.post("/v1/tag", content=body, headers={"Accept": accept} if accept else {})
    assert answer.status_code == 200 or 400 <= answer.status_code < 500, (answer.status_code, answer.text)
    if answer.status_code == 200:
        if answer.headers["content-type"] == "application/json":
            data = answer.json()
            assert set(data) == {"model", "sentences"}
            assert all(isinstance(sentence["words"], list) for sentence in data["sentences"])
        else:
            answer.content.decode("utf-8")
    else:
        data = answer.json()
        assert data["status"] == answer.status_code and isinstance(data["error"], str) and data["error"]
