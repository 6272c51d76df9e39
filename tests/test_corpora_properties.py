"""Property tests: random corpora written in each format read back identical (and are detected right)."""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpora import (
    Sentence,
    detect_format,
    format_columns,
    format_conllu,
    format_word_tag,
    load_files,
    read_columns,
    read_conllu,
    read_corpus_file,
    read_word_tag,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Words may hold anything the format can carry: punctuation, "/", "#", "_", accents, CJK, emoji.
# U+FEFF first in a file is its byte-order mark, which every reader drops (the README says so).
visible = st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="\ufeff")
word = st.text(visible, min_size=1, max_size=8).filter(lambda w: not any(c.isspace() for c in w))
tag = st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ$.,:-"), min_size=1, max_size=5)


def sentences_of(words, tags=tag, max_sentences=6):
    sentence = st.integers(1, 10).flatmap(
        lambda n: st.tuples(st.lists(words, min_size=n, max_size=n), st.lists(tags, min_size=n, max_size=n))
    ).map(lambda pair: Sentence(tuple(pair[0]), tuple(pair[1])))
    return st.lists(sentence, min_size=1, max_size=max_sentences)


_FOLDER = tempfile.TemporaryDirectory(prefix="corpora_properties_")  # removed when the module is collected


def written(text: str, name: str) -> Path:
    """The text in a file of its own (one folder per example, so a directory listing never mixes examples)."""
    folder = Path(tempfile.mkdtemp(dir=_FOLDER.name))
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# CoNLL-U fields are tab-separated: a FORM may even hold spaces, but not "_"-only tags.
conllu_word = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=8).filter(
    lambda w: w.strip() == w and "\t" not in w and w.strip())
conllu_tag = tag.filter(lambda t: t != "_")


@SETTINGS
@given(sentences_of(conllu_word, conllu_tag), st.sampled_from(["upos", "xpos"]))
def test_conllu_round_trip(sentences, column):
    path = written(format_conllu(sentences, tag_column=column), "random.conllu")
    assert read_conllu(path, tagset=column) == sentences
    assert detect_format(path) == "conllu"


@SETTINGS
@given(sentences_of(word), st.sampled_from(["/", "_", "|", "//", "#"]))
def test_word_tag_round_trip_with_any_separator(sentences, separator):
    sentences = [s for s in sentences if all((separator + t).rfind(separator) == 0 for t in s.tags)]
    path = written(format_word_tag(sentences, separator), "random.pos")
    assert read_word_tag(path, separator) == sentences
    if sentences:
        assert detect_format(path, separator) == "wordtag"
        assert read_corpus_file(path, separator=separator) == sentences


@SETTINGS
@given(sentences_of(word.filter(lambda w: w != "-DOCSTART-")), st.sampled_from(["\t", " ", " \t "]))
def test_columns_round_trip_with_any_whitespace(sentences, delimiter):
    path = written(format_columns(sentences, delimiter), "random.txt")
    assert read_columns(path) == sentences
    assert read_corpus_file(path, format="columns") == sentences


@SETTINGS
@given(sentences_of(st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1, max_size=8)))
def test_columns_without_slashes_are_detected(sentences):
    path = written(format_columns(sentences), "random.txt")
    assert detect_format(path) == "columns"


@SETTINGS
@given(sentences_of(word, max_sentences=30), st.sampled_from(["80/10/10", "90/10", "70/15/15"]))
def test_split_pieces_put_back_together_give_the_file(sentences, spec):
    path = written(format_word_tag(sentences), "all.pos")
    try:
        corpus = load_files(path, split=spec)
    except ValueError as error:  # too few sentences for the split: the only allowed failure
        assert "too few" in str(error)
        return
    assert corpus.train + corpus.dev + corpus.test == sentences
    assert corpus.train and corpus.dev
