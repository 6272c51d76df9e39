"""pipelines.corpus_stats: the numbers behind `postag corpora stats|info|list`, on hand-made corpora."""

from pathlib import Path

import pytest

from corpora import Corpus, Sentence
from pipelines.corpus_stats import compute_stats, corpus_info, corpus_stats, list_corpora
from pipelines.errors import PipelineError

FIXTURES = Path(__file__).parent / "fixtures"


def s(text: str) -> Sentence:
    pairs = [token.rsplit("/", 1) for token in text.split()]
    return Sentence(tuple(w for w, _ in pairs), tuple(t for _, t in pairs))


CORPUS = Corpus(
    name="toy", tagset="custom",
    train=[s("the/D can/N can/V run/V"), s("we/P can/V"), s("run/N ./.")],
    dev=[s("the/D dog/N can/V run/V")],
    test=[s("a/D cat/N ./.")],
)


def test_split_counts_lengths_and_oov():
    stats = compute_stats(CORPUS)
    train, dev, test = stats.splits
    assert (train.sentences, train.tokens, train.vocabulary, train.tags) == (3, 8, 5, 5)
    assert (train.length_min, train.length_max, train.length_median, train.length_mean) == (2, 4, 2.0, 2.67)
    assert train.oov_rate is None
    assert (dev.oov_tokens, dev.oov_rate, dev.oov_types, dev.oov_type_rate) == (1, 0.25, 1, 0.25)  # "dog"
    assert (test.oov_tokens, test.oov_rate) == (2, 0.6667)  # "a", "cat"
    assert stats.vocabulary == 8 and stats.empty_splits == []  # + dog, a, cat


def test_unseen_words_are_those_whose_lowercased_form_training_lacks():
    corpus = Corpus(name="toy", tagset="custom", train=[s("The/D cat/N")], test=[s("the/D CAT/N Cats/N")])
    test = compute_stats(corpus).splits[1]
    assert (test.oov_tokens, test.oov_types) == (1, 1)  # only "Cats": "the" and "CAT" were seen as "The", "cat"


def test_tag_distribution_and_histogram():
    stats = compute_stats(CORPUS)
    assert stats.tag_counts["train"] == {"V": 3, "N": 2, "D": 1, "P": 1, ".": 1}
    assert list(stats.tag_counts["train"])[:2] == ["V", "N"]  # most frequent first
    assert dict(stats.length_histogram["train"])["1-5"] == 3


def test_ambiguous_words_are_counted_in_train():
    stats = compute_stats(CORPUS, top=1)
    assert stats.ambiguous_types == 2  # can (N, V), run (V, N)
    assert stats.ambiguous_type_rate == pytest.approx(2 / 5, abs=1e-4)
    assert stats.ambiguous_token_rate == pytest.approx(5 / 8, abs=1e-4)
    assert len(stats.ambiguous_words) == 1
    top = stats.ambiguous_words[0]
    assert (top.word, top.count, top.tags) == ("can", 3, [("V", 2), ("N", 1)])


def test_missing_splits_are_reported_and_oov_needs_train():
    stats = compute_stats(Corpus(name="t", tagset="x", test=[s("a/D")]))
    assert [x.split for x in stats.splits] == ["test"]
    assert stats.empty_splits == ["train", "dev"]
    assert stats.splits[0].oov_rate is None and stats.ambiguous_types == 0


def test_empty_corpus_and_bad_top_are_user_errors():
    with pytest.raises(PipelineError, match="holds no sentences"):
        compute_stats(Corpus(name="t", tagset="x"))
    with pytest.raises(PipelineError, match="--top"):
        compute_stats(CORPUS, top=-1)


def test_corpus_stats_from_a_file_with_split():
    stats = corpus_stats(FIXTURES / "corpora_sample_columns.txt", split="50/50")
    assert [x.sentences for x in stats.splits] == [1, 1]


def test_list_and_info_see_what_is_present(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTAG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NLTK_DATA", str(tmp_path / "nltk"))
    entries = {entry.name: entry for entry in list_corpora()}
    assert not entries["ud:en_ewt"].present and entries["ud:en_ewt"].license == "CC BY-SA 4.0"
    folder = tmp_path / "ud_english_pud"
    folder.mkdir()
    (folder / "en_pud-ud-test.conllu").write_text("1\tIt\tit\tPRON\tPRP\t_\t0\troot\t_\t_\n")
    entry = {entry.name: entry for entry in list_corpora()}["ud:en_pud"]
    assert entry.present and entry.splits == ("test",) and entry.size_bytes > 0
    info = corpus_info("ud:en_pud")
    assert [(x.split, x.sentences, x.tokens) for x in info.splits] == [("train", 0, 0), ("dev", 0, 0), ("test", 1, 1)]
    assert info.tags == ["PRON"] and info.tagset == "upos"
    absent = corpus_info("ud:de_gsd")
    assert not absent.entry.present and absent.splits == []
    with pytest.raises(PipelineError, match="not a corpus name"):
        corpus_info(str(folder))
