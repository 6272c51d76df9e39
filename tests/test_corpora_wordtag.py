"""word/TAG reader and writer: separators, words that hold the separator, errors with file and line."""

from pathlib import Path

import pytest

from corpora import CorpusError, Sentence, format_word_tag, read_word_tag

FIXTURES = Path(__file__).parent / "fixtures"


def write(tmp_path: Path, content: str | bytes, name: str = "data.pos") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_reads_the_sample_with_words_that_hold_the_separator():
    sentences = read_word_tag(FIXTURES / "corpora_sample.pos")
    assert [s.words for s in sentences] == [
        ("The", "cat", "sat", "."),
        ("He", "paid", "1/2", "and/or", "more", "."),  # split at the last "/"
        ("Stop", "!"),
    ]
    assert sentences[1].tags == ("PRP", "VBD", "CD", "CC", "JJR", ".")


def test_custom_separator(tmp_path):
    path = write(tmp_path, "1/2_CD cups_NNS\n")
    assert read_word_tag(path, separator="_") == [Sentence(("1/2", "cups"), ("CD", "NNS"))]


def test_multi_character_separator(tmp_path):
    path = write(tmp_path, "a|b||X c||Y\n")
    assert read_word_tag(path, separator="||") == [Sentence(("a|b", "c"), ("X", "Y"))]


def test_token_without_separator_names_file_and_line(tmp_path):
    path = write(tmp_path, "The/DT cat/NN\n\nsat/VBD down\n")
    with pytest.raises(CorpusError, match=rf"^{path}:3: token 'down' is not word/TAG"):
        read_word_tag(path)


def test_token_with_empty_tag_or_word_is_an_error(tmp_path):
    for bad in ("cat/", "/NN"):
        path = write(tmp_path, f"The/DT {bad} x/X\n")
        with pytest.raises(CorpusError, match=rf"^{path}:1: token '{bad}'"):
            read_word_tag(path)


def test_blank_and_whitespace_lines_are_not_sentences(tmp_path):
    path = write(tmp_path, "\n  \t \nA/DT\n\n\nB/NN\n")
    assert [s.words for s in read_word_tag(path)] == [("A",), ("B",)]


def test_bom_windows_line_ends_and_tabs_between_tokens(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbfA/DT\tdog/NN\r\nB/NN\r\n")
    assert read_word_tag(path) == [Sentence(("A", "dog"), ("DT", "NN")), Sentence(("B",), ("NN",))]


def test_truncated_last_token_says_the_file_may_be_truncated(tmp_path):
    path = write(tmp_path, "A/DT dog/NN\nThe/DT ca")
    with pytest.raises(CorpusError, match=rf"^{path}:2: token 'ca' .*may be truncated"):
        read_word_tag(path)


def test_last_line_without_newline_is_read_when_complete(tmp_path):
    path = write(tmp_path, "A/DT dog/NN\nThe/DT cat/NN")
    assert len(read_word_tag(path)) == 2


def test_conllu_read_as_word_tag_suggests_conllu(tmp_path):
    path = write(tmp_path, "1\tDogs\tdog\tNOUN\tNNS\t_\t2\tnsubj\t_\t_\n")
    with pytest.raises(CorpusError, match=rf"^{path}:1: .*--format conllu"):
        read_word_tag(path)


def test_bad_separator_is_refused(tmp_path):
    path = write(tmp_path, "A/DT\n")
    for separator in ("", " "):
        with pytest.raises(CorpusError, match="separator"):
            read_word_tag(path, separator=separator)


def test_format_word_tag_refuses_what_would_not_read_back():
    with pytest.raises(ValueError, match="whitespace"):
        format_word_tag([Sentence(("New York",), ("NNP",))])
    with pytest.raises(ValueError, match="separator"):
        format_word_tag([Sentence(("a",), ("X/Y",))])
    with pytest.raises(ValueError, match="separator"):
        format_word_tag([Sentence(("a",), ("|X",))], separator="||")  # "a|||X" would read as ("a|", "X")


def test_format_word_tag_round_trips_the_sample(tmp_path):
    sentences = read_word_tag(FIXTURES / "corpora_sample.pos")
    assert read_word_tag(write(tmp_path, format_word_tag(sentences))) == sentences
