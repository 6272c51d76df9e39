"""What a black-box probe of bad input found, one test each: silent misparses, unbounded reads, NUL bytes,
duplicate IDs, bad vectors headers, negative options, huge echoed strings, folders left by failed downloads."""

import resource
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from corpora import CorpusError, detect_format, read_conllu, read_corpus_file, read_raw_text, textfile
from corpora.download import download
from corpora.textfile import MAX_LINE_BYTES, iter_raw_lines, read_lines
from corpora.vectors import iter_vectors, read_header

runner = CliRunner()
CONLLU_LINE = "{}\t{}\t_\tNOUN\tNN\t_\t0\troot\t_\t_"


def write(tmp_path: Path, content: str | bytes, name: str = "data.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


# ---- 2. format detection: no silent misparse, the right line blamed ------------------------------------------

def test_word_tag_line_with_an_untagged_token_is_refused_not_read_as_columns(tmp_path):
    path = write(tmp_path, "The/DT dog/NN barks/VB Z\n", "wt.txt")
    with pytest.raises(CorpusError, match=rf"^{path}:1: cannot tell the file's format: .*word/TAG.*'Z'"):
        read_corpus_file(path)
    message = one_line_error(runner.invoke(app, ["corpora", "stats", str(path)]))
    assert f"{path}:1:" in message and "--format" in message


def test_nine_column_conllu_is_blamed_on_its_first_data_line_not_its_comment(tmp_path):
    nine = "\n".join(CONLLU_LINE.format(i, w).rsplit("\t", 1)[0] for i, w in ((1, "a"), (2, "b")))
    path = write(tmp_path, f"# sent_id = 1\n# text = a b\n{nine}\n\n", "nine.conllu")
    with pytest.raises(CorpusError, match=rf"^{path}:3: .*CoNLL-U.*9 tab-separated fields, not 10"):
        detect_format(path)


def test_word_tag_file_is_blamed_on_its_broken_line_not_the_good_one(tmp_path):
    path = write(tmp_path, "a/DT b/T AG c/NN\nThe/DT dog/NN\n")
    with pytest.raises(CorpusError, match=rf"^{path}:1: .*word/TAG tokens.*'AG' is not word/TAG"):
        detect_format(path)


def test_comments_only_file_holds_no_sentences(tmp_path):
    path = write(tmp_path, "# sent_id = 1\n# text = nothing here\n\n", "comments.conllu")
    with pytest.raises(CorpusError, match=rf"^{path}: the file holds no sentences"):
        read_corpus_file(path)


def test_word_tag_line_past_the_old_200_line_sample_of_a_column_file_is_refused(tmp_path):
    lines = [f"w{i} NN" if i % 10 else "" for i in range(1, 300)] + ["The/DT dog/NN barks/VBZ"]
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(CorpusError, match=rf"^{path}:300: .*word/TAG"):
        read_corpus_file(path)


def test_word_tag_line_past_the_detection_sample_is_refused_while_parsing(tmp_path):
    lines = [f"w{i} NN" for i in range(3000)] + ["The/DT dog/NN barks/VBZ"]
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(CorpusError, match=rf"^{path}:3001: a line of word/TAG tokens .*--format columns"):
        read_corpus_file(path)
    assert len(read_corpus_file(path, format="columns")[0]) == 3001  # the user can still insist


def test_word_tag_with_another_separator_says_which(tmp_path):
    path = write(tmp_path, "The_DT dog_NN\n")
    with pytest.raises(CorpusError, match="add --separator _"):
        read_corpus_file(path)
    assert read_corpus_file(path, separator="_")[0].tags == ("DT", "NN")


def test_detection_and_parsing_read_a_pipe_once(tmp_path):
    # Detection and parsing share one pass: a stream that cannot be re-read still reads whole.
    import os
    import threading

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    text = "".join(f"w{i}/NN x/DT\n" for i in range(2500))
    writer = threading.Thread(target=lambda: fifo.write_text(text, encoding="utf-8"))
    writer.start()
    sentences = read_corpus_file(fifo)
    writer.join(10)
    assert len(sentences) == 2500


# ---- 3. bounded memory: a line cap and chunked reads ---------------------------------------------------------

def test_a_line_past_the_cap_is_an_error_naming_file_line_and_byte_offset(tmp_path):
    path = write(tmp_path, b"a/DT\n" + b"x" * (MAX_LINE_BYTES + 1) + b"\n")
    with pytest.raises(CorpusError, match=rf"^{path}:2: line longer than 1,048,576 bytes \(it starts at byte 5\)"):
        list(read_lines(path))
    exactly = write(tmp_path, b"x" * MAX_LINE_BYTES + b"/NN\r\n", "cap.txt")
    with pytest.raises(CorpusError, match="line longer"):
        list(read_lines(exactly))
    fits = write(tmp_path, b"x" * (MAX_LINE_BYTES - 3) + b"/NN\r\n", "fits.txt")
    assert [len(line) for _, line in read_lines(fits)] == [MAX_LINE_BYTES]


@pytest.mark.parametrize("reader", ["corpus", "raw text", "vectors"])
def test_dev_zero_is_refused_at_once_with_bounded_memory(reader):
    read = {"corpus": read_corpus_file, "raw text": read_raw_text, "vectors": lambda p: list(iter_vectors(p))}[reader]
    before, started = max_rss_bytes(), time.monotonic()
    with pytest.raises(CorpusError, match=r"^/dev/zero:1: (line longer|NUL byte)"):
        read("/dev/zero")
    assert time.monotonic() - started < 10
    assert max_rss_bytes() - before < 64 << 20


def test_cli_on_input_without_line_ends_exits_2_naming_the_byte(tmp_path):
    path = write(tmp_path, b"word " * (MAX_LINE_BYTES // 4))
    message = one_line_error(runner.invoke(app, ["corpora", "stats", str(path)]))
    assert f"{path}:1: line longer" in message and "byte 0" in message


def test_tokenize_streams_raw_text_without_line_ends(tmp_path):
    # Raw text is cut into bounded pieces at whitespace (as `postag tag` cuts it): no line is too long.
    words = MAX_LINE_BYTES // 4
    for args, given in ((["tokenize", str(write(tmp_path, b"word " * words))], None),
                        (["tokenize", "-"], b"word " * words)):
        result = runner.invoke(app, args, input=given)
        assert result.exit_code == 0, result.output[-300:]
        assert result.stdout.split() == ["word"] * words


def test_vectors_file_without_line_ends_is_refused(tmp_path):
    path = write(tmp_path, b"2 3\n" + b"the 0.1 0.2 0.3 " * 100_000, "vectors.txt")
    with pytest.raises(CorpusError, match=rf"^{path}:2: line longer .* byte 4"):
        list(iter_vectors(path))


def test_chunked_lines_match_python_line_splitting_across_chunk_boundaries(monkeypatch):
    import io

    monkeypatch.setattr(textfile, "READ_CHUNK", 3)
    data = b"ab\r\ncd\re\n\r\n\rf\r\r\ng"
    got = [line for _, _, line in iter_raw_lines(io.BytesIO(data), "x")]
    assert got == data.splitlines(keepends=True)
    offsets = [offset for _, offset, _ in iter_raw_lines(io.BytesIO(data), "x")]
    assert offsets == [sum(len(line) for line in got[:i]) for i in range(len(got))]


# ---- 9. NUL bytes, duplicate IDs, vectors headers, negative --top, long names, failed downloads --------------

@pytest.mark.parametrize(("content", "name", "read"), [
    ("1\tdo\x00g\t_\tNOUN\tNN\t_\t0\troot\t_\t_\n", "x.conllu", read_conllu),
    ("a/DT do\x00g/NN\n", "x.pos", read_corpus_file),
    ("a DT\ndo\x00g NN\n", "x.txt", lambda p: read_corpus_file(p, format="columns")),
    ("Hello.\nA do\x00g.\n", "raw.txt", read_raw_text),
    ("2 2\na 1 2\ndo\x00g 3 4\n", "v.txt", lambda p: list(iter_vectors(p))),
])
def test_nul_byte_in_a_token_is_refused_naming_file_and_line(tmp_path, content, name, read):
    path = write(tmp_path, content, name)
    with pytest.raises(CorpusError, match=rf"^{path}:\d+: NUL byte at column \d+"):
        read(path)


def test_nul_byte_error_names_the_right_line_and_column(tmp_path):
    path = write(tmp_path, "a/DT\r\nb/NN c\x00/NN\n")
    with pytest.raises(CorpusError, match=rf"^{path}:2: NUL byte at column 7 \(byte 12\)"):
        read_corpus_file(path)


def test_duplicate_conllu_id_is_refused(tmp_path):
    lines = [CONLLU_LINE.format(1, "a"), CONLLU_LINE.format(2, "b"), CONLLU_LINE.format(1, "c")]
    path = write(tmp_path, "\n".join(lines) + "\n", "dup.conllu")
    with pytest.raises(CorpusError, match=rf"^{path}:3: CoNLL-U ID 1 occurs twice .*line 1.*blank line"):
        read_conllu(path)


@pytest.mark.parametrize("header", ["-3 5", "3 -5", "0 5", "+0 2"])
def test_vectors_header_must_be_two_positive_integers(tmp_path, header):
    path = write(tmp_path, f"{header}\nthe 1 2 3 4 5\n", "v.txt")
    with pytest.raises(CorpusError, match=rf"^{path}:1: the header .* expected positive integers"):
        read_header(path)
    with pytest.raises(CorpusError, match=rf"^{path}:1: the header"):
        list(iter_vectors(path))


def test_vectors_header_dimension_must_match_the_rows(tmp_path):
    path = write(tmp_path, "1 4\nthe 1 2 3\n", "v.txt")
    with pytest.raises(CorpusError, match=rf"^{path}:2: 3 values for 'the', but the header \(line 1\) gives 4"):
        list(iter_vectors(path))


def test_vocab_show_refuses_a_negative_top(tmp_path):
    message = one_line_error(runner.invoke(app, ["vocab", "show", str(tmp_path / "v.json"), "--top", "-5"]))
    assert "--top must be 0 or more, not -5" in message


def test_a_huge_corpus_name_is_shortened_in_the_error():
    name = "ud:" + "x" * 100_000
    message = one_line_error(runner.invoke(app, ["corpora", "stats", name]))
    assert "unknown UD treebank 'ud:xxx" in message and "x…x" in message
    assert len(message) < 500


def test_a_huge_path_is_one_short_line(tmp_path):
    message = one_line_error(runner.invoke(app, ["corpora", "stats", str(tmp_path / ("y" * 100_000))]))
    assert len(message) < 500


def test_error_messages_with_line_breaks_and_markup_stay_one_line(tmp_path):
    # A file name may hold line ends, and a token what Rich would take for markup: both are shown as they are.
    path = write(tmp_path, "a/DT [red]b c/NN\n", "x\ny\u2028z.pos")
    message = one_line_error(runner.invoke(app, ["corpora", "stats", str(path), "--format", "wordtag"]))
    assert "x\\ny\\u2028z.pos:1: token '[red]b' is not word/TAG" in message


def test_failed_download_removes_the_folders_it_made(tmp_path):
    target = tmp_path / "made" / "by" / "download" / "file.conllu"
    with pytest.raises(CorpusError, match="download of .* failed"):
        download("http://127.0.0.1:9/nothing", target, timeout=5)
    assert list(tmp_path.iterdir()) == []
