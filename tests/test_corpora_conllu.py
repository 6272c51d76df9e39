"""CoNLL-U reader: what is skipped, what is read, and errors that name file and line."""

from pathlib import Path

import pytest

from corpora import CorpusError, format_conllu, read_conllu
from corpora.conllu import parse_conllu

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "corpora_sample.conllu"

LINE = "1\tDogs\tdog\tNOUN\tNNS\t_\t2\tnsubj\t_\t_"
LINE2 = "2\tbark\tbark\tVERB\tVBP\t_\t0\troot\t_\t_"


def write(tmp_path: Path, content: str | bytes, name: str = "data.conllu") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def test_reads_words_and_upos_skipping_comments_multiword_tokens_and_empty_nodes():
    sentences = read_conllu(SAMPLE)
    assert [s.words for s in sentences] == [
        ("I", "do", "not", "like", "it", "."),
        ("We", "ca", "n't", "go", "."),  # the parts of "can't" (2-3), not the surface token; not "went" (4.1)
        ("Hi",),
    ]
    assert sentences[1].tags == ("PRON", "AUX", "PART", "VERB", "PUNCT")


def test_reads_xpos_column():
    sentences = read_conllu(SAMPLE, tagset="xpos")
    assert sentences[0].tags == ("PRP", "VBP", "RB", "VB", "PRP", ".")


def test_unknown_tagset_is_an_error_naming_the_choices():
    with pytest.raises(CorpusError, match="upos, xpos"):
        read_conllu(SAMPLE, tagset="ptb")


def test_wrong_number_of_fields_names_file_and_line(tmp_path):
    path = write(tmp_path, f"# c\n{LINE}\n2\tbark\tbark\tVERB\n\n")
    with pytest.raises(CorpusError) as error:
        read_conllu(path)
    assert str(error.value).startswith(f"{path}:3: cannot parse CoNLL-U line")
    assert "found 4" in str(error.value)


def test_non_numeric_id_names_file_and_line(tmp_path):
    path = write(tmp_path, f"{LINE}\nx\tbark\tbark\tVERB\tVBP\t_\t0\troot\t_\t_\n")
    with pytest.raises(CorpusError, match=rf"^{path}:2: CoNLL-U ID 'x' is not a number"):
        read_conllu(path)


def test_missing_tag_names_line_and_suggests_the_other_tagset(tmp_path):
    path = write(tmp_path, f"{LINE}\n2\tbark\tbark\tVERB\t_\t_\t0\troot\t_\t_\n")
    with pytest.raises(CorpusError, match=rf"^{path}:2: no XPOS tag \(column 5\) for 'bark'.*--tagset upos"):
        read_conllu(path, tagset="xpos")


def test_a_further_tagset_may_be_left_out_of_a_whole_sentence_but_not_of_some_words(tmp_path):
    untagged = "1\tHi\thi\tINTJ\t_\t_\t0\troot\t_\t_\n2\tyou\tyou\tPRON\t_\t_\t1\tvocative\t_\t_\n"
    path = write(tmp_path, f"{LINE}\n{LINE2}\n\n{untagged}\n")
    tagged, left_out = read_conllu(path, tagset="upos,xpos", untagged_ok=("xpos",))
    assert tagged.more_tags == (("NNS", "VBP"),)
    assert left_out.tags == ("INTJ", "PRON") and left_out.more_tags == ((),)
    with pytest.raises(CorpusError, match="no XPOS tag"):
        read_conllu(path, tagset="upos,xpos")
    with pytest.raises(CorpusError, match="no UPOS tag"):  # never the first tagset: it is what training needs
        read_conllu(write(tmp_path, "1\tHi\thi\t_\tUH\t_\t0\troot\t_\t_\n"), tagset="upos,xpos",
                    untagged_ok=("upos", "xpos"))
    mixed = write(tmp_path, f"{LINE}\n2\tbark\tbark\tVERB\t_\t_\t0\troot\t_\t_\n\n", "mixed.conllu")
    with pytest.raises(CorpusError, match=rf"^{mixed}:3: .*XPOS tags for only some of its words"):
        read_conllu(mixed, tagset="upos,xpos", untagged_ok=("xpos",))


def test_byte_order_mark_is_dropped(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + f"{LINE}\n{LINE2}\n".encode())
    assert read_conllu(path)[0].words == ("Dogs", "bark")


def test_windows_line_ends(tmp_path):
    path = write(tmp_path, f"# c\r\n{LINE}\r\n{LINE2}\r\n\r\n{LINE}\r\n")
    sentences = read_conllu(path)
    assert [s.words for s in sentences] == [("Dogs", "bark"), ("Dogs",)]
    assert sentences[0].tags == ("NOUN", "VERB")  # no stray "\r" on the last field


def test_spaces_instead_of_tabs_and_mixed_separators_are_read(tmp_path):
    spaced = LINE.replace("\t", "  ")
    mixed = "2 bark\tbark VERB\tVBP _\t0 root _\t_"
    path = write(tmp_path, f"{spaced}\n{mixed}\n")
    sentence = read_conllu(path)[0]
    assert sentence.words == ("Dogs", "bark") and sentence.tags == ("NOUN", "VERB")


def test_form_with_a_space_is_kept_when_the_line_is_tab_separated(tmp_path):
    path = write(tmp_path, "1\tNew York\tNew York\tPROPN\tNNP\t_\t0\troot\t_\t_\n")
    assert read_conllu(path)[0].words == ("New York",)


def test_trailing_whitespace_is_ignored(tmp_path):
    path = write(tmp_path, f"{LINE}\t\n{LINE2}   \n")
    assert read_conllu(path)[0].tags == ("NOUN", "VERB")


def test_comment_only_sentence_is_skipped(tmp_path):
    path = write(tmp_path, f"# sent_id = 1\n# text =\n\n\n\n# sent_id = 2\n{LINE}\n\n")
    assert [s.words for s in read_conllu(path)] == [("Dogs",)]


def test_last_sentence_without_final_newline_is_kept(tmp_path):
    path = write(tmp_path, f"{LINE}\n\n{LINE}\n{LINE2}")
    assert [len(s) for s in read_conllu(path)] == [1, 2]


def test_truncated_last_line_is_an_error_that_says_so(tmp_path):
    path = write(tmp_path, f"{LINE}\n{LINE2[:12]}")
    with pytest.raises(CorpusError, match=rf"^{path}:2: .*may be truncated"):
        read_conllu(path)


def test_word_tag_file_read_as_conllu_suggests_the_right_format(tmp_path):
    path = write(tmp_path, "The/DT dog/NN ./.\n")
    with pytest.raises(CorpusError, match=rf"^{path}:1: .*--format wordtag"):
        read_conllu(path)


def test_invalid_utf8_names_the_line(tmp_path):
    path = write(tmp_path, f"{LINE}\n".encode() + b"2\tb\xffark\tbark\tVERB\tVBP\t_\t0\troot\t_\t_\n")
    with pytest.raises(CorpusError, match=rf"^{path}:2: not valid UTF-8"):
        read_conllu(path)


def test_missing_file_and_directory_errors(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        read_conllu(tmp_path / "absent.conllu")
    with pytest.raises(CorpusError, match="is a directory"):
        read_conllu(tmp_path)


def test_parse_from_lines_names_the_given_source():
    with pytest.raises(CorpusError, match=r"^<memory>:7: "):
        list(parse_conllu([(7, "1\tbad")], "<memory>"))


def test_format_conllu_round_trips_the_sample(tmp_path):
    sentences = read_conllu(SAMPLE)
    path = write(tmp_path, format_conllu(sentences))
    assert read_conllu(path) == sentences


def test_format_conllu_marks_touching_spans_space_after_no():
    from corpora import tokenize

    text = format_conllu(tokenize("Hi, you."))
    lines = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    assert [fields[9] for fields in lines] == ["SpaceAfter=No", "_", "SpaceAfter=No", "_"]


def test_format_conllu_writes_multiword_tokens_under_a_range_line():
    from corpora import Sentence

    source = "I don't know."
    sentence = Sentence(("I", "do", "n't", "know", "."), ("PRON", "AUX", "PART", "VERB", "PUNCT"),
                        ((0, 1), (2, 7), (2, 7), (8, 12), (12, 13)))
    rows = [line.split("\t") for line in format_conllu([sentence], source=source).splitlines()]
    assert rows[1] == ["# text = I don't know."]
    assert [r[0] for r in rows[2:-1]] == ["1", "2-3", "2", "3", "4", "5"]
    assert rows[3][1] == "don't"
    assert [r[3] for r in rows[2:-1]] == ["PRON", "_", "AUX", "PART", "VERB", "PUNCT"]
    assert [r[9] for r in rows[2:-1]] == ["_", "_", "_", "_", "SpaceAfter=No", "_"]


def test_format_conllu_puts_space_after_no_on_the_range_line():
    from corpora import Sentence

    sentence = Sentence(("vo", "de", "!"), spans=((0, 3), (0, 3), (3, 4)))
    rows = [line.split("\t") for line in format_conllu([sentence], source="vom!").splitlines()]
    assert [(r[0], r[1], r[9]) for r in rows[2:-1]] == [("1-2", "vom", "SpaceAfter=No"), ("1", "vo", "_"),
                                                        ("2", "de", "_"), ("3", "!", "_")]


def test_format_conllu_needs_the_source_for_multiword_tokens():
    from corpora import Sentence

    with pytest.raises(ValueError, match="give the source text"):
        format_conllu([Sentence(("do", "n't"), spans=((0, 5), (0, 5)))])


def test_format_conllu_round_trips_raw_text_with_markers(tmp_path):
    from corpora import read_ud_text

    gold = read_ud_text(FIXTURES / "ud_text.conllu")
    written = format_conllu(gold.sentences, source=gold.text, paragraph_starts=gold.paragraph_starts,
                            document_starts=gold.document_starts)
    again = read_ud_text(write(tmp_path, written))
    assert again.text == gold.text
    assert again.sentences == gold.sentences
    assert (again.paragraph_starts, again.document_starts) == (gold.paragraph_starts, gold.document_starts)
    assert [s.words for s in read_conllu(tmp_path / "data.conllu")] == [s.words for s in gold.sentences]


def test_format_conllu_glues_sentences_whose_spans_touch_in_the_source():
    from corpora import Sentence

    sentences = [Sentence(("Hi",), spans=((0, 2),)), Sentence(("!",), spans=((2, 3),)),
                 Sentence(("Yo",), spans=((4, 6),))]

    def misc(text):
        return [line.split("\t")[9] for line in text.splitlines() if line and not line.startswith("#")]

    assert misc(format_conllu(sentences, source="Hi! Yo")) == ["SpaceAfter=No", "_", "_"]
    # Without one source text, the spans of two sentences may point into different texts.
    assert misc(format_conllu(sentences)) == ["_", "_", "_"]
