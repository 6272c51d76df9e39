"""Gold raw text from CoNLL-U: conllu_to_text.pl's layout, token spans, multiword tokens, both tag columns."""

from pathlib import Path

import pytest
from conftest import shared_data_dir

from corpora import CorpusError, read_ud_text, token_ranges
from corpora.textfile import read_lines
from corpora.ud_text import _sentence_blocks, parse_ud_text

FIXTURE = Path(__file__).parent / "fixtures" / "ud_text.conllu"

# What UD's conllu_to_text.pl prints for the fixture (checked against the script): a space after every
# token without SpaceAfter=No, a blank line before # newpar / # newdoc, lines broken after at most 80 characters.
FIXTURE_TEXT = (
    "Google's new tool isn't out. It ships soon. \n"
    "\n"
    "Wait (really)? \n"
    "\n"
    "We'll see. This sentence is long enough that the paragraph it closes runs past\n"
    "eighty characters. \n"
)


def lines(*rows: str):
    return list(enumerate(rows, start=1))


def word(index: int, form: str, misc: str = "_", upos: str = "X") -> str:
    return f"{index}\t{form}\t_\t{upos}\t_\t_\t_\t_\t_\t{misc}"


def test_text_is_laid_out_as_conllu_to_text():
    assert read_ud_text(FIXTURE).text == FIXTURE_TEXT


def test_every_token_has_its_span_and_multiword_tokens_share_one():
    document = read_ud_text(FIXTURE)
    first = document.sentences[0]
    assert first.words == ("Google", "'s", "new", "tool", "is", "n't", "out", ".")
    assert first.spans[0] == first.spans[1] == (0, 8)
    assert document.text[slice(*first.spans[4])] == "isn't"
    assert token_ranges(first) == [(0, 2), (2, 3), (3, 4), (4, 6), (6, 7), (7, 8)]
    for sentence in document.sentences:
        for start, stop in token_ranges(sentence):
            if stop - start == 1:
                assert document.text[slice(*sentence.spans[start])] == sentence.words[start]


def test_spans_survive_the_line_break():
    document = read_ud_text(FIXTURE)
    last = document.sentences[-1]
    assert [document.text[a:b] for a, b in last.spans[-3:]] == ["eighty", "characters", "."]


def test_upos_xpos_and_empty_nodes_skipped():
    document = read_ud_text(FIXTURE)
    assert document.sentences[1].words == ("It", "ships", "soon", ".")  # not the empty node 2.1
    assert document.sentences[1].tags == ("PRON", "VERB", "ADV", "PUNCT")
    assert document.xpos[1] == ("PRP", "VBZ", "RB", ".")
    assert document.xpos[3] == ("PRP", "MD", "VB", ".")


def test_paragraph_and_document_markers():
    document = read_ud_text(FIXTURE)
    assert document.paragraph_starts == (0, 2, 3)
    assert document.document_starts == (0, 3)
    assert document.sentence_lines[0] == 1


def test_no_wrapping_keeps_each_paragraph_on_one_line():
    text = read_ud_text(FIXTURE, line_width=None).text
    assert text.splitlines()[4] == (
        "We'll see. This sentence is long enough that the paragraph it closes runs past eighty characters. ")
    assert len(text) == len(FIXTURE_TEXT)  # breaking lines replaces a space: no offset moves


def test_sentences_follow_space_after_no_across_sentences():
    document = parse_ud_text(lines(word(1, "a", "SpaceAfter=No"), "", word(1, "b")), "<memory>")
    assert document.text == "ab \n"
    assert [s.spans for s in document.sentences] == [((0, 1),), ((1, 2),)]


def test_new_paragraph_inside_a_sentence():
    document = parse_ud_text(lines(word(1, "Items", "SpaceAfter=No"), word(2, ":"), word(3, "one", "NewPar=Yes"),
                                   "", word(1, "c")), "<memory>")
    assert document.text == "Items: \n\none c \n"
    assert document.sentences[0].spans == ((0, 5), (5, 6), (9, 12))


def test_tokens_win_over_a_disagreeing_text_comment(tmp_path):
    path = tmp_path / "x.conllu"
    path.write_text("# text = a  b!\n" + word(1, "a") + "\n" + word(2, "b") + "\n\n", encoding="utf-8")
    assert read_ud_text(path).text == "a b \n"
    # The `# text` comment says otherwise; the tokens are what the text is built from.
    blocks = _sentence_blocks(read_lines(path), str(path))
    assert [(b.line, b.text_comment, b.token_text()) for b in blocks] == [(1, "a  b!", "a b")]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ((word(1, "a"), "2\tb"), r"^<memory>:2: cannot parse CoNLL-U line: expected 10"),
        ((word(1, "a"), word(3, "b")), r"^<memory>:2: word ID 3, expected 2"),
        (("1-2\tab" + "\t_" * 8, word(1, "a"), ""), r"^<memory>:1: the multiword token's words \(up to 2\) are"),
        (("2-3\tab" + "\t_" * 8,), r"^<memory>:1: multiword token 2-3 should cover words 1 to"),
        ((word(1, " "),), r"^<memory>:1: empty FORM"),
        (("x\ta" + "\t_" * 8,), r"^<memory>:1: CoNLL-U ID 'x'"),
    ],
)
def test_errors_name_the_source_and_line(rows, message):
    with pytest.raises(CorpusError, match=message):
        parse_ud_text(lines(*rows), "<memory>")


def test_missing_file_is_a_corpus_error(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        read_ud_text(tmp_path / "absent.conllu")


def _gold_test_files() -> list[Path]:
    root = shared_data_dir()
    if root is None:
        return []
    return [path for path in (root / "ud_english_ewt" / "en_ewt-ud-test.conllu",
                              root / "ud_german_gsd" / "de_gsd-ud-test.conllu") if path.is_file()]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["en_ewt-ud-test.conllu", "de_gsd-ud-test.conllu"])
def test_real_text_holds_exactly_the_tokens(name):
    path = next((p for p in _gold_test_files() if p.name == name), None)
    if path is None:
        pytest.skip(f"{name} not found: set POSTAG_DATA_DIR to a folder holding ud_english_ewt/ and ud_german_gsd/")
    document = read_ud_text(path)
    surface = []
    for sentence in document.sentences:
        for start, _ in token_ranges(sentence):
            surface.append(document.text[slice(*sentence.spans[start])])
    # The token forms straight from the file: a range line's form stands for the words under it.
    token_forms, covered_to = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if not line.strip():
            covered_to = 0
        elif len(fields) == 10 and "-" in fields[0]:
            covered_to = int(fields[0].split("-")[1])
            token_forms.append(fields[1])
        elif len(fields) == 10 and fields[0].isdigit() and int(fields[0]) > covered_to:
            token_forms.append(fields[1])
    assert surface == token_forms
    assert "".join(document.text.split()) == "".join("".join(token_forms).split())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["en_ewt-ud-test.conllu", "de_gsd-ud-test.conllu"])
def test_real_text_round_trips_through_format_conllu(name, tmp_path):
    from corpora import format_conllu

    path = next((p for p in _gold_test_files() if p.name == name), None)
    if path is None:
        pytest.skip(f"{name} not found: set POSTAG_DATA_DIR to a folder holding ud_english_ewt/ and ud_german_gsd/")
    gold = read_ud_text(path)
    written = tmp_path / name
    written.write_text(format_conllu(gold.sentences, source=gold.text, paragraph_starts=gold.paragraph_starts,
                                     document_starts=gold.document_starts), encoding="utf-8")
    again = read_ud_text(written)
    assert again.text == gold.text  # sentence-final SpaceAfter=No included
    assert again.sentences == gold.sentences
