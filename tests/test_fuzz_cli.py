"""Fuzzing the command line in-process (typer's CliRunner on `cli.app`): `corpora stats`, `tokenize`,
`vocab build` and `vocab show` on generated input.

Each run ends with exit 0 and the right output, or exit 2 and exactly one line on stderr naming the file (and
the line, where the input has a known fault): never a traceback, never a hang, never a changed input file.
"""

import json
from collections import Counter

import pytest
from fuzzing import (
    SMALL_LINE_CAP,
    arbitrary_bytes,
    broken_files,
    corpus_files,
    deadline,
    digest,
    fuzz_settings,
    max_rss,
    raw_texts,
    written,
)
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from corpora import textfile, tokenize

pytestmark = pytest.mark.fuzz
runner = CliRunner()


@pytest.fixture(autouse=True)
def small_line_cap(monkeypatch):
    monkeypatch.setattr(textfile, "MAX_LINE_BYTES", SMALL_LINE_CAP)


@pytest.fixture(autouse=True, scope="module")
def memory_bound():
    import tagger  # noqa: F401  (vocab build needs it: imported once, outside the examples' deadlines)

    before = max_rss()
    yield
    assert max_rss() - before < 256 << 20, "the command line's memory grew past 256 MB while fuzzing"


def invoke(args: list[str], stdin: bytes | None = None):
    with deadline():
        result = runner.invoke(app, args, input=stdin)
    assert "Traceback" not in result.output, result.output
    if result.exit_code == 0:
        assert result.exception is None
        return result
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    # One error line, the last: `vocab build` may have said which source it was reading before it.
    lines = result.stderr.splitlines()
    assert lines and lines[-1].startswith("error: "), result.stderr
    assert all(line.startswith("reading ") for line in lines[:-1]), result.stderr
    return result


def error_line(result) -> str:
    return result.stderr.splitlines()[-1].removeprefix("error: ")


@fuzz_settings(0.5)
@given(corpus_files())
def test_corpora_stats_counts_a_valid_corpus_exactly(corpus_file):
    path = written(corpus_file.data(), corpus_file.name)
    before = digest(path)
    result = invoke(["corpora", "stats", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    stats = json.loads(result.stdout)
    train = stats["splits"][0]
    assert (train["sentences"], train["tokens"]) == (len(corpus_file.sentences),
                                                     sum(len(s) for s in corpus_file.sentences))
    assert stats["tag_counts"]["train"] == dict(Counter(t for s in corpus_file.sentences for t in s.tags))
    assert digest(path) == before


@fuzz_settings(0.5)
@given(broken_files())
def test_corpora_stats_names_the_faulty_line(broken):
    path = written(broken.data, broken.name)
    before = digest(path)
    result = invoke(["corpora", "stats", str(path)])
    assert result.exit_code == 2
    assert error_line(result).startswith(f"{path}:{broken.line}: "), (broken.fault, result.stderr)
    assert digest(path) == before


@fuzz_settings(0.5)
@given(arbitrary_bytes, st.sampled_from(["auto", "conllu", "wordtag", "columns"]), st.sampled_from(["/", "_"]),
       st.booleans())
def test_corpora_stats_on_any_bytes_reads_or_names_the_file(data, file_format, separator, as_json):
    path = written(data)
    before = digest(path)
    result = invoke(["corpora", "stats", str(path), "--format", file_format, "--separator", separator]
                    + (["--json"] if as_json else []))
    if result.exit_code == 2:
        assert error_line(result).startswith(f"{path}:") or error_line(result).startswith(f"{path} "), result.stderr
    assert digest(path) == before


@fuzz_settings(0.5)
@given(raw_texts(), st.sampled_from(["file", "stdin"]), st.booleans())
def test_tokenize_prints_the_tokenizer_s_sentences_or_names_the_input(data, where, as_json):
    path = written(data)
    result = invoke(["tokenize", str(path) if where == "file" else "-", "--format", "json" if as_json else "text"],
                    stdin=data if where == "stdin" else None)
    if result.exit_code == 2:
        source = str(path) if where == "file" else "<stdin>"
        assert error_line(result).startswith(f"{source}:"), result.stderr
        assert b"\x00" in data or any(len(line) > SMALL_LINE_CAP for line in data.splitlines())
        return
    text = data.decode("utf-8-sig")
    if as_json:
        printed = json.loads(result.stdout)["sentences"]
        assert [[w["word"] for w in s["words"]] for s in printed] == [list(s.words) for s in tokenize(text)]
        assert all(text[w["start"]:w["end"]] == w["word"] for s in printed for w in s["words"])
    else:
        assert result.stdout == "".join(" ".join(s.words) + "\n" for s in tokenize(text))


@fuzz_settings(0.3)
@given(st.one_of(corpus_files().map(lambda f: (f.data(), f.name)), raw_texts().map(lambda d: (d, "notes.txt"))),
       st.integers(-3, 30))
def test_vocab_build_then_show(source, top):
    data, name = source
    path = written(data, name)
    output = path.parent / "vocab.json"
    before = digest(path)
    built = invoke(["vocab", "build", str(path), "--output", str(output), "--min-count", "1"])
    assert digest(path) == before
    if built.exit_code == 2:
        assert error_line(built).startswith((f"{path}:", f"no words in {path}")), built.stderr
        assert not output.exists()
        return
    shown = invoke(["vocab", "show", str(output), "--json", "--top", str(top)])
    if top < 0:
        assert shown.exit_code == 2 and "--top must be 0 or more" in shown.stderr
        return
    summary = json.loads(shown.stdout)
    assert summary["words"] == len(json.loads(output.read_text(encoding="utf-8"))["vocab"]["items"]) - 2
    assert len(summary["most_frequent"]) == min(top, summary["words"])


@fuzz_settings(0.5)
@given(arbitrary_bytes)
def test_vocab_show_on_any_bytes_names_the_file(data):
    path = written(data, "vocab.json")
    result = invoke(["vocab", "show", str(path)])
    assert result.exit_code == 2 and error_line(result).startswith(f"{path}: "), result.stderr
