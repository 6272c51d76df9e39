"""Fuzzing model directories and `postag tag`: damaged or hostile model files, any raw text.

A model directory with any file damaged (bytes flipped, cut, replaced by other JSON), with its checksums
rewritten to match or not, loads and tags, or gives one ModelError: never another exception, a hang or a
huge allocation. `postag tag` on any bytes exits 0 with output that rebuilds the text (CoNLL-U) or exits 2
with one line naming the file: never a traceback.
"""

import json
import shutil

import pytest
from fuzzing import arbitrary_bytes, deadline, fuzz_settings, max_rss, raw_texts, written
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from corpora import text_of_conllu
from tagger import ModelError, Tagger, TaggerConfig, Vocabularies
from tagger.modeldir import write_checksums

pytestmark = pytest.mark.fuzz
runner = CliRunner()
FILES = ("config.json", "vocab.json", "model.onnx", "metrics.json", "SHA256SUMS")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from tagger.training import KerasTagger

    words = [["The", "dog", "barks", "."], ["A", "cat", "sleeps", "!"]]
    tags = [["DET", "NOUN", "VERB", "PUNCT"], ["DET", "NOUN", "VERB", "PUNCT"]]
    config = TaggerConfig(word_dim=8, char_dim=4, char_filters=4, hidden_dim=8, depth=1, affix_buckets=50,
                          affix_dim=4, min_count=1)
    directory = tmp_path_factory.mktemp("fuzz-models") / "tiny"
    KerasTagger(config, Vocabularies.build(words, tags, min_count=1), metadata={"tagset": "upos"}).save(directory)
    before = max_rss()
    yield directory
    assert max_rss() - before < 512 << 20, "loading damaged models grew the process by more than 512 MB"


json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), st.floats(allow_nan=False),
                                     st.text(max_size=20)),
                           lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                   st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                           max_leaves=12)


@st.composite
def damages(draw):
    name = draw(st.sampled_from(FILES))
    kind = draw(st.sampled_from(["flip", "cut", "json-value", "replace"]))
    return name, kind, draw(st.integers(0, 10**7)), draw(json_values), draw(st.binary(max_size=200)), \
        draw(st.booleans())


def damage(directory, name, kind, position, value, data, rehash):
    path = directory / name
    content = bytearray(path.read_bytes())
    if kind == "flip" and content:
        content[position % len(content)] ^= 1 << (position % 8)
    elif kind == "cut":
        content = content[: position % (len(content) + 1)]
    elif kind == "json-value" and name.endswith(".json"):
        document = json.loads(content)
        if isinstance(document, dict) and document:
            key = sorted(document)[position % len(document)]
            if isinstance(document[key], dict) and document[key]:
                inner = sorted(document[key])[position % len(document[key])]
                document[key][inner] = value
            else:
                document[key] = value
        content = bytearray(json.dumps(document).encode())
    else:
        content = bytearray(data)
    path.write_bytes(bytes(content))
    if rehash and name != "SHA256SUMS":
        write_checksums(directory)


@fuzz_settings(weight=0.5)
@given(damage_done=damages())
def test_a_damaged_model_loads_or_gives_one_model_error(model_dir, tmp_path_factory, damage_done):
    copy = tmp_path_factory.mktemp("damaged") / "model"
    shutil.copytree(model_dir, copy)
    damage(copy, *damage_done)
    with deadline():
        try:
            tagger = Tagger.load(copy)
        except ModelError as error:
            assert "\n" not in str(error) and len(str(error)) < 1000
            return
        tags = tagger.tag_sents([["The", "dog"], [], ["x"] * 50])
    assert [len(t) for t in tags] == [2, 0, 50]


@fuzz_settings(weight=0.5)
@given(data=st.one_of(raw_texts(), arbitrary_bytes))
def test_tag_gives_output_that_rebuilds_the_text_or_one_error_line(model_dir, data):
    path = written(data, "notes.txt")
    with deadline():
        result = runner.invoke(app, ["tag", str(path), "--model", str(model_dir), "--format", "conllu"])
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and "notes.txt" in lines[0], result.stderr
        return
    assert result.exit_code == 0, (result.exit_code, result.output, result.exception)
    text = data.decode("utf-8").removeprefix("\ufeff")
    if text.strip():
        # CoNLL-U lines end at LF only: a token may hold characters that str.splitlines() would break at.
        assert text_of_conllu(result.stdout.split("\n")) == text
    else:
        assert result.stdout == ""
