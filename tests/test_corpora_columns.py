"""Column files (CoNLL-2000 / CoNLL-X style): columns, delimiters, errors with file and line."""

from pathlib import Path

import pytest

from corpora import CorpusError, Sentence, format_columns, read_columns

FIXTURES = Path(__file__).parent / "fixtures"


def write(tmp_path: Path, content: str | bytes, name: str = "data.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_conll2000_sample_word_and_pos_columns_skipping_docstart():
    sentences = read_columns(FIXTURES / "corpora_sample_columns.txt")
    assert sentences == [
        Sentence(("Confidence", "in", "the", "pound", "."), ("NN", "IN", "DT", "NN", ".")),
        Sentence(("He", "reckons", "#", "1.8", "."), ("PRP", "VBZ", "#", "CD", ".")),  # "#" is a word here
    ]


def test_choose_the_tag_column():
    sentences = read_columns(FIXTURES / "corpora_sample_columns.txt", tag_column=3)
    assert sentences[0].tags == ("B-NP", "B-PP", "B-NP", "I-NP", "O")


def test_choose_the_word_column(tmp_path):
    path = write(tmp_path, "1\tNN\tdogs\n2\tVBP\tbark\n")
    assert read_columns(path, word_column=3, tag_column=2) == [Sentence(("dogs", "bark"), ("NN", "VBP"))]


def test_tag_column_that_does_not_exist_names_file_line_and_the_columns_there():
    path = FIXTURES / "corpora_sample_columns.txt"
    expected = rf"^{path}:3: no tag column 5: the line has 3 columns \(choose --tag-column from 1 to 3\)"
    with pytest.raises(CorpusError, match=expected):
        read_columns(path, tag_column=5)


def test_short_line_in_the_middle_names_its_line(tmp_path):
    path = write(tmp_path, "The DT\ndog\nbarks VBZ\n")
    with pytest.raises(CorpusError, match=rf"^{path}:2: no tag column 2: the line has 1 column$"):
        read_columns(path)


def test_same_word_and_tag_column_or_column_zero_is_refused(tmp_path):
    path = write(tmp_path, "The DT\n")
    with pytest.raises(CorpusError, match="must differ"):
        read_columns(path, word_column=2, tag_column=2)
    with pytest.raises(CorpusError, match="from 1"):
        read_columns(path, word_column=0, tag_column=1)


def test_mixed_tabs_and_spaces_read_as_columns(tmp_path):
    path = write(tmp_path, "The DT B-NP\ndog\tNN\tI-NP\nbarks \t VBZ  B-VP\n")
    assert read_columns(path) == [Sentence(("The", "dog", "barks"), ("DT", "NN", "VBZ"))]


def test_tab_separated_words_with_spaces(tmp_path):
    path = write(tmp_path, "New York\tNNP\nis\tVBZ\n")
    assert read_columns(path) == [Sentence(("New York", "is"), ("NNP", "VBZ"))]


def test_explicit_delimiters(tmp_path):
    path = write(tmp_path, "a b\tX\n")
    assert read_columns(path, delimiter="tab")[0].words == ("a b",)
    with pytest.raises(CorpusError, match="unknown column delimiter"):
        read_columns(path, delimiter="comma")


def test_several_blank_lines_make_no_empty_sentences(tmp_path):
    path = write(tmp_path, "\n\nA DT\n\n\n \n\nB NN\n\n")
    assert [s.words for s in read_columns(path)] == [("A",), ("B",)]


def test_bom_and_windows_line_ends(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbfA DT\r\ndog NN\r\n\r\nB NN\r\n")
    assert read_columns(path) == [Sentence(("A", "dog"), ("DT", "NN")), Sentence(("B",), ("NN",))]


def test_truncated_last_line_says_the_file_may_be_truncated(tmp_path):
    path = write(tmp_path, "A DT\ndog NN\nbar")
    with pytest.raises(CorpusError, match=rf"^{path}:3: no tag column 2.*may be truncated"):
        read_columns(path)


def test_complete_last_line_without_newline_is_read(tmp_path):
    path = write(tmp_path, "A DT\ndog NN")
    assert read_columns(path) == [Sentence(("A", "dog"), ("DT", "NN"))]


def test_format_columns_round_trips_the_sample(tmp_path):
    sentences = read_columns(FIXTURES / "corpora_sample_columns.txt")
    assert read_columns(write(tmp_path, format_columns(sentences))) == sentences
    assert read_columns(write(tmp_path, format_columns(sentences, delimiter=" "))) == sentences


def test_format_columns_refuses_what_would_not_read_back():
    with pytest.raises(ValueError, match="whitespace"):
        format_columns([Sentence(("New York",), ("NNP",))])
    with pytest.raises(ValueError, match="DOCSTART"):
        format_columns([Sentence(("-DOCSTART-",), ("X",))])
