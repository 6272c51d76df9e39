"""User files: format detection, directories of splits, deterministic --split, load_corpus by path."""

import shutil
from pathlib import Path

import pytest

from corpora import (
    CorpusError,
    CorpusNotFoundError,
    Sentence,
    detect_format,
    format_word_tag,
    load_corpus,
    load_files,
    parse_split,
    read_corpus_file,
    split_sentences,
)

FIXTURES = Path(__file__).parent / "fixtures"
CONLLU = FIXTURES / "corpora_sample.conllu"
WORDTAG = FIXTURES / "corpora_sample.pos"
COLUMNS = FIXTURES / "corpora_sample_columns.txt"


def write(tmp_path: Path, content: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def numbered(count: int) -> list[Sentence]:
    return [Sentence((f"w{i}",), ("X",)) for i in range(count)]


@pytest.mark.parametrize(("path", "expected"), [(CONLLU, "conllu"), (WORDTAG, "wordtag"), (COLUMNS, "columns")])
def test_detects_each_format(path, expected):
    assert detect_format(path) == expected


def test_detection_honours_a_custom_separator(tmp_path):
    path = write(tmp_path, "a_DT b_NN c_VB\nd_NN e_VB\n", "x.txt")
    assert detect_format(path, separator="_") == "wordtag"
    assert read_corpus_file(path, separator="_")[0].tags == ("DT", "NN", "VB")


def test_conllu_file_starting_with_a_multiword_token_is_conllu(tmp_path):
    path = write(tmp_path, "1-2\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n1\tdo\tdo\tAUX\tVBP\t_\t0\troot\t_\t_\n"
                 "2\tn't\tnot\tPART\tRB\t_\t1\tadvmod\t_\t_\n", "x.txt")
    assert detect_format(path) == "conllu"


def test_columns_detected_despite_a_stray_extra_field(tmp_path):
    lines = [f"w{i} NN" for i in range(20)] + ["odd NN extra", "-DOCSTART- -X- -X- O"]
    path = write(tmp_path, "\n".join(lines) + "\n", "cols.txt")
    assert detect_format(path) == "columns"
    assert len(read_corpus_file(path)[0]) == 21


def test_file_of_no_known_format_names_a_line_and_suggests_format(tmp_path):
    path = write(tmp_path, "This is prose.\nIt has lines of\nvarying length and no tags at all.\n", "prose.txt")
    with pytest.raises(CorpusError, match=rf"^{path}:\d+: cannot tell the file's format.*--format"):
        detect_format(path)


def test_empty_file_holds_no_sentences(tmp_path):
    path = write(tmp_path, "\n\n", "empty.txt")
    with pytest.raises(CorpusError, match="holds no sentences"):
        read_corpus_file(path)


def test_format_override_and_aliases(tmp_path):
    # Every token holds "/", so detection says wordtag; --format columns reads it as two columns.
    path = write(tmp_path, "a/b c/d\ne/f g/h\n", "x.txt")
    assert detect_format(path) == "wordtag"
    assert read_corpus_file(path, format="columns") == [Sentence(("a/b", "e/f"), ("c/d", "g/h"))]
    assert read_corpus_file(path, format="conll") == read_corpus_file(path, format="columns")
    with pytest.raises(CorpusError, match="unknown corpus format 'xml'"):
        read_corpus_file(path, format="xml")


def test_wrong_format_forced_is_a_clear_error():
    with pytest.raises(CorpusError, match=rf"^{CONLLU}:1: .*looks like CoNLL-U: try --format conllu"):
        read_corpus_file(CONLLU, format="wordtag")


def test_load_files_reads_three_files_of_different_formats():
    corpus = load_files(CONLLU, WORDTAG, COLUMNS)
    assert (len(corpus.train), len(corpus.dev), len(corpus.test)) == (3, 3, 2)
    assert corpus.name == "corpora_sample"
    assert corpus.tagset == "custom"  # the word/TAG and column tags are whatever the files hold


def test_tagset_label_follows_the_conllu_column():
    assert load_files(CONLLU).tagset == "upos"
    assert load_files(CONLLU, tagset="xpos").tagset == "xpos"
    assert load_files(CONLLU, tagset="xpos").train[0].tags[0] == "PRP"
    assert load_files(WORDTAG, tagset="ptb").tagset == "ptb"


def test_column_options_reach_the_reader():
    corpus = load_files(COLUMNS, tag_column=3)
    assert corpus.train[0].tags[0] == "B-NP"


def test_parse_split_proportions():
    assert parse_split("80/10/10") == pytest.approx((0.8, 0.1, 0.1))
    assert parse_split("9,1") == pytest.approx((0.9, 0.1))
    assert parse_split("0.8/0.2/0") == pytest.approx((0.8, 0.2, 0.0))
    for bad in ("80", "a/b", "0/50/50", "-1/1", "1/1/1/1"):
        with pytest.raises(CorpusError, match="bad split"):
            parse_split(bad)


def test_split_is_contiguous_in_file_order_and_deterministic():
    sentences = numbered(100)
    parts = split_sentences(sentences, "80/10/10")
    assert parts["train"] == sentences[:80] and parts["dev"] == sentences[80:90] and parts["test"] == sentences[90:]
    assert split_sentences(sentences, "80/10/10") == parts
    two = split_sentences(sentences, "90/10")
    assert len(two["train"]) == 90 and two["dev"] == sentences[90:] and two["test"] == []


def test_split_too_small_corpus_is_an_error():
    with pytest.raises(CorpusError, match="too few to split 80/10/10: the dev part would be empty"):
        split_sentences(numbered(4), "80/10/10", "x")


def test_load_files_split_cuts_dev_and_test_off_train(tmp_path):
    path = write(tmp_path, format_word_tag(numbered(20)), "all.pos")
    corpus = load_files(path, split="80/10/10")
    assert [len(corpus.train), len(corpus.dev), len(corpus.test)] == [16, 2, 2]
    assert corpus.test[-1].words == ("w19",)


def test_load_files_split_with_a_given_test_file(tmp_path):
    train = write(tmp_path, format_word_tag(numbered(10)), "train.pos")
    corpus = load_files(train, test=WORDTAG, split="90/10")
    assert [len(corpus.train), len(corpus.dev), len(corpus.test)] == [9, 1, 3]
    with pytest.raises(CorpusError, match="a test file is given"):
        load_files(train, test=WORDTAG, split="80/10/10")
    with pytest.raises(CorpusError, match="a dev file is already given"):
        load_files(train, dev=WORDTAG, split="90/10")


def make_split_directory(tmp_path: Path) -> Path:
    folder = tmp_path / "mytreebank"
    folder.mkdir()
    shutil.copy(CONLLU, folder / "xx-ud-train.conllu")
    shutil.copy(CONLLU, folder / "xx-ud-dev.conllu")
    shutil.copy(CONLLU, folder / "xx-ud-test.conllu")
    (folder / "xx-ud-train.txt").write_text("raw text beside the CoNLL-U, as UD ships it\n")
    (folder / "README.md").write_text("# about the test data\n")
    (folder / "xx-ud-test.conllu.sha256").write_text("0" * 64 + "\n")
    return folder


def test_directory_of_splits_prefers_conllu_and_ignores_readme_and_records(tmp_path):
    folder = make_split_directory(tmp_path)
    corpus = load_files(folder)
    assert corpus.name == "mytreebank"
    assert (len(corpus.train), len(corpus.dev), len(corpus.test)) == (3, 3, 3)


def test_directory_with_val_and_without_test(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    shutil.copy(WORDTAG, folder / "train.pos")
    shutil.copy(WORDTAG, folder / "validation.pos")
    corpus = load_corpus(folder)
    assert (len(corpus.train), len(corpus.dev), len(corpus.test)) == (3, 3, 0)


def test_directory_errors(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    shutil.copy(WORDTAG, folder / "dev.pos")
    with pytest.raises(CorpusNotFoundError, match="no file with 'train' in its name"):
        load_files(folder)
    shutil.copy(WORDTAG, folder / "train-a.pos")
    shutil.copy(WORDTAG, folder / "train-b.pos")
    with pytest.raises(CorpusError, match="several train files"):
        load_files(folder)
    with pytest.raises(CorpusError, match="do not also give --dev/--test"):
        load_files(folder, dev=WORDTAG)


def test_load_corpus_by_path_and_missing_paths(tmp_path):
    assert len(load_corpus(str(WORDTAG)).train) == 3
    with pytest.raises(CorpusNotFoundError, match="no such file or directory"):
        load_corpus(tmp_path / "absent.conllu")
    with pytest.raises(CorpusNotFoundError, match="named corpora start with ud: or nltk:"):
        load_corpus("en:ewt")
    with pytest.raises(CorpusNotFoundError, match="no such file"):
        load_files(WORDTAG, dev=tmp_path / "absent.pos")


def test_named_corpus_refuses_file_options():
    with pytest.raises(CorpusError, match="named corpus"):
        load_corpus("ud:en_ewt", split="90/10")
    with pytest.raises(CorpusError, match="named corpus"):
        load_corpus("nltk:brown", tag_column=2)
