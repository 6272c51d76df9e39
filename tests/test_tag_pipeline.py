"""Tagging files as a stream: every format, offsets into the text as the user has it, the same output however
the input is cut, bounded memory, atomic outputs."""

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpora import CorpusError, text_of_conllu
from pipelines.errors import PipelineError
from pipelines.tagging.stream import TagOptions, iter_blocks, read_chunks, tag_files, tag_to_output


class UpperTagger:
    """A stand-in tagger: CAP or low by the word's first letter (XPOS head: C / l); counts its calls."""

    tagsets = ("upos", "xpos")
    tokenizer = None

    def __init__(self):
        self.calls = 0

    def tag_sents(self, sentences, tagset=None):
        self.calls += 1
        cap, low = ("C", "l") if tagset == "xpos" else ("CAP", "low")
        return [[cap if w[:1].isupper() else low for w in s] for s in sentences]

    def tag_sents_scored(self, sentences, top_k=1, tagset=None):
        return [[[(t, 0.75), ("OTHER", 0.25)][:top_k] for t in tags] for tags in self.tag_sents(sentences, tagset)]


def run(tmp_path, text, name="in.txt", encoding="utf-8", **options):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    out = []
    settings_ = {k: options.pop(k) for k in ("pretokenized", "workers", "block_chars") if k in options}
    summary = tag_files(UpperTagger(), [str(path)], out.append, TagOptions(**options), **settings_)
    return "".join(out), summary


def test_text_and_tsv(tmp_path):
    text, summary = run(tmp_path, "Hi there. A dog.\n")
    assert text == "Hi/CAP there/low ./low\nA/CAP dog/low ./low\n"
    assert summary.sentences == 2 and summary.tokens == 6
    assert run(tmp_path, "Hi there.", output_format="tsv")[0] == "Hi\tCAP\nthere\tlow\n.\tlow\n\n"
    assert run(tmp_path, "Hi.", output_format="tsv", tagset="xpos")[0] == "Hi\tC\n.\tl\n\n"
    assert run(tmp_path, "Hi.", output_format="tsv", top_k=2)[0] == "Hi\tCAP\t0.7500\tOTHER\t0.2500\n.\tlow\t0.7500" \
                                                                   "\tOTHER\t0.2500\n\n"


def test_json_has_offsets_probabilities_and_top_k(tmp_path):
    text, _ = run(tmp_path, "Hi there.", output_format="json", top_k=2)
    record = json.loads(text)
    assert record["tokens"] == ["Hi", "there", "."] and record["tags"] == ["CAP", "low", "low"]
    assert record["probs"] == [0.75] * 3 and record["offsets"] == [[0, 2], [3, 8], [8, 9]]
    assert record["top_k"][0] == [["CAP", 0.75], ["OTHER", 0.25]] and record["text"] == "Hi there."


@pytest.mark.parametrize("prefix, line_end", [("", "\n"), ("\ufeff", "\n"), ("", "\r\n"), ("\ufeff", "\r\n"),
                                              ("", "\r")])
def test_offsets_index_the_text_as_the_user_has_it(tmp_path, prefix, line_end):
    raw = prefix + line_end.join(["First line here.", "", "Second  paragraph, über all.", "Third."]) + line_end
    output, _ = run(tmp_path, raw, output_format="json")
    text = (tmp_path / "in.txt").read_bytes().decode("utf-8-sig")  # what open(..., "utf-8-sig", newline="") gives
    for record in map(json.loads, output.splitlines()):
        for token, (start, end) in zip(record["tokens"], record["offsets"]):
            assert text[start:end] == token


def test_conllu_ids_count_on_across_blocks_and_files(tmp_path):
    paragraphs = "\n\n".join(f"Sentence number {i} is here." for i in range(30))
    (tmp_path / "a.txt").write_text(paragraphs)
    (tmp_path / "b.txt").write_text("One more.\n")
    out = []
    tag_files(UpperTagger(), [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")], out.append,
              TagOptions(output_format="conllu"), block_chars=100)
    lines = "".join(out).splitlines()
    ids = [line for line in lines if line.startswith("# sent_id")]
    assert ids == [f"# sent_id = {i}" for i in range(1, 32)]
    assert [line for line in lines if line.startswith("# newdoc")] == [f"# newdoc id = {tmp_path / 'a.txt'}",
                                                                        f"# newdoc id = {tmp_path / 'b.txt'}"]
    word = next(line for line in lines if line.startswith("1\t"))
    assert word.split("\t")[3:5] == ["CAP", "C"]  # both heads in their columns


TEXTS = {
    "sentence a line": "".join(f"This is sentence {i}. It has words!\n" for i in range(400)),
    "paragraph a line": "".join(f"Para {i} starts. Then more text follows, and ends.\n" for i in range(300)),
    "blank-line paragraphs": "\n\n".join(f"Para {i}.\nIt goes on a second line. Done." for i in range(300)),
    "one huge line": " ".join(f"Word{i} and more." for i in range(6000)),
    "crlf and tabs": "\r\n".join(f"Tab\there {i}.\r\n" for i in range(300)),
}


@pytest.mark.parametrize("layout", sorted(TEXTS))
@pytest.mark.parametrize("output_format", ["conllu", "json"])
def test_the_output_is_the_same_however_the_input_is_cut(tmp_path, layout, output_format):
    whole, _ = run(tmp_path, TEXTS[layout], output_format=output_format, block_chars=10**9)
    small, _ = run(tmp_path, TEXTS[layout], output_format=output_format, block_chars=300)
    assert whole == small


def test_reading_in_small_chunks_gives_the_same_blocks(tmp_path, monkeypatch):
    path = tmp_path / "t.txt"
    path.write_text(TEXTS["blank-line paragraphs"] + "\u00fcber \u20ac", encoding="utf-8")
    whole = [(b.start, b.text, b.pieces) for b in iter_blocks([str(path)], block_chars=500)]
    monkeypatch.setattr("pipelines.tagging.stream.READ_BYTES", 7)  # splits multi-byte characters between reads
    chunked = [(b.start, b.text, b.pieces) for b in iter_blocks([str(path)], block_chars=500)]
    assert whole == chunked
    assert "".join(text for _, text, _ in whole) == path.read_text(encoding="utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(st.sampled_from(list("ab .,!?\n\r\t\u00e9\u4e2d\U0001F600") + ["\r\n", "  ", "Dr. X"]),
                     max_size=120).map("".join))
def test_conllu_output_rebuilds_the_text(tmp_path, text):
    output, _ = run(tmp_path, text, output_format="conllu", block_chars=40)
    if text.strip():
        assert text_of_conllu(output.split("\n")) == text
    else:
        assert output == ""


def test_pretokenized_lines(tmp_path):
    text, _ = run(tmp_path, "The  cat sat\r\n\r\nA dog .\rend", pretokenized=True, output_format="json")
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["tokens"] for r in records] == [["The", "cat", "sat"], ["A", "dog", "."], ["end"]]
    raw = (tmp_path / "in.txt").read_bytes().decode("utf-8")
    assert all(raw[a:b] == t for r in records for t, (a, b) in zip(r["tokens"], r["offsets"]))


def test_invalid_utf8_names_the_byte(tmp_path):
    with pytest.raises(CorpusError, match="not valid UTF-8 at byte 6"):
        run(tmp_path, b"Hello \xff world")


def test_bad_options_are_pipeline_errors(tmp_path):
    with pytest.raises(PipelineError, match="text, tsv, conllu, json"):
        run(tmp_path, "x", output_format="xml")
    with pytest.raises(PipelineError, match="--top-k"):
        run(tmp_path, "x", top_k=2)
    with pytest.raises(PipelineError, match="tags with upos, xpos"):
        run(tmp_path, "x", tagset="ptb")
    with pytest.raises(PipelineError, match="no trained tokenizer"):
        run(tmp_path, "x", tokenizer="model")
    with pytest.raises(CorpusError, match="no such file"):
        tag_files(UpperTagger(), [str(tmp_path / "missing.txt")], print)


def test_standard_input_streams(monkeypatch):
    class Stdin:
        buffer = io.BytesIO(b"One here.\n\nTwo here.\n")

    monkeypatch.setattr("sys.stdin", Stdin)
    assert [text for text, _ in read_chunks("-")] == ["One here.\n\nTwo here.\n"]


def test_output_is_written_atomically(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("A cat.\n")
    target = tmp_path / "out.txt"
    target.write_text("old\n")

    class Failing(UpperTagger):
        def tag_sents(self, sentences, tagset=None):
            raise OSError("disk full")

    with pytest.raises(OSError):
        tag_to_output(Failing(), [str(source)], target)
    assert target.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "out.txt"]
    tag_to_output(UpperTagger(), [str(source)], target)
    assert target.read_text() == "A/CAP cat/low ./low\n"
    with pytest.raises(PipelineError, match="does not exist"):
        tag_to_output(UpperTagger(), [str(source)], tmp_path / "no" / "out.txt")
