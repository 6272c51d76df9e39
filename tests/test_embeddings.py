"""Skip-gram training (pairs, model, pipeline, CLI) and pretrained vectors in `postag train`."""

import json

import numpy as np
import pytest
import tensorflow as tf
from typer.testing import CliRunner

from cli import app
from corpora.vectors import iter_vectors, read_header
from pipelines.errors import PipelineError
from pipelines.pretraining.embeddings import corpus_ids, train_embeddings
from tagger.training.skipgram import PairGenerator, SkipGramConfig, train_skipgram

runner = CliRunner()
SMALL = ["--set", "hidden_dim=8", "--set", "char_filters=8", "--set", "depth=1", "--set", "min_count=1",
         "--set", "dropout=0", "--set", "word_dropout=0", "--set", "patience=0", "--batch-size", "8", "--arch", "fcn"]


# ---- pairs ----------------------------------------------------------------------------------------------

def test_pairs_stay_inside_sentences_and_windows():
    token_ids = np.arange(30, dtype=np.int32) % 10
    sentence_ids = np.repeat([0, 1, 2], 10)
    config = SkipGramConfig(window=2, subsample=0, chunk_tokens=7)
    generator = PairGenerator(token_ids, sentence_ids, np.full(10, 3), config)
    assert generator.chunk_bounds() == [(0, 10), (10, 20), (20, 30)]  # chunks end at sentence boundaries
    targets, contexts = [], []
    for start, end in generator.chunk_bounds():
        pair_targets, pair_contexts = generator.pairs(start, end, tf.constant([1, start], tf.int64))
        targets += pair_targets.numpy().tolist()
        contexts += pair_contexts.numpy().tolist()
    # Word ids are positions within the sentence, so a pair's distance is visible: never over 2, never 0.
    assert targets and all(0 < abs(t - c) <= 2 for t, c in zip(targets, contexts))
    # Every adjacent pair appears in both directions: the drawn window is at least 1.
    assert sum(1 for t, c in zip(targets, contexts) if abs(t - c) == 1) == 3 * 9 * 2


def test_chunks_stack_padded_batches_and_spread_the_tokens_done():
    config = SkipGramConfig(window=2, subsample=0, batch_size=16)
    generator = PairGenerator(np.arange(30, dtype=np.int32) % 10, np.repeat([0, 1, 2], 10), np.full(10, 3), config)
    epoch, targets, contexts, negatives, weights, done = [x.numpy() for x in next(iter(generator.dataset()))]
    pairs = int(weights.sum())
    assert targets.shape == contexts.shape == weights.shape == (len(done), 16) and negatives.shape[-1] == 5
    assert len(done) == -(-pairs // 16) and done[-1] == 30 and (np.diff(done) > 0).all()
    assert weights.ravel()[pairs:].sum() == 0 and weights.ravel()[:pairs].all()  # padding only at the end
    assert epoch == 0


def test_negatives_follow_the_smoothed_unigram_distribution_and_frequent_words_are_subsampled():
    counts = np.array([8000, 1000, 1000, 10], dtype=np.int64)
    config = SkipGramConfig(negatives=5, subsample=1e-2)
    generator = PairGenerator(np.zeros(4, np.int32), np.zeros(4, np.int64), counts, config)
    drawn = np.bincount(generator.negatives([40_000, 5], tf.constant([1, 2], tf.int64)).numpy().ravel(),
                        minlength=4) / 200_000
    expected = counts ** 0.75 / (counts ** 0.75).sum()
    np.testing.assert_allclose(drawn, expected, atol=0.01)
    keep = generator.keep_probability
    assert keep[0] < keep[1] < 1.0 and keep[3] == 1.0


def test_corpus_ids_sort_by_frequency_drop_rare_words_and_lowercase():
    data = corpus_ids([("The", "cat", "sat"), ("the", "dog"), ("the", "cat")], min_count=2, lowercase=True)
    assert data.words == ["the", "cat"] and data.counts.tolist() == [3, 2]
    assert data.token_ids.tolist() == [0, 1, 0, 0, 1] and data.sentence_ids.tolist() == [0, 0, 1, 2, 2]
    assert data.corpus_tokens == 7 and data.sentences == 3


# ---- training -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    """A few hundred words in which animals and foods occur in different contexts."""
    rng = np.random.default_rng(0)
    animals, foods = ["cat", "dog", "horse", "cow"], ["bread", "cheese", "apple", "soup"]
    lines = []
    for _ in range(60):
        if rng.random() < 0.5:
            lines.append(f"The {rng.choice(animals)} runs in the green field.")
        else:
            lines.append(f"This {rng.choice(foods)} tastes very good.")
    path = tmp_path_factory.mktemp("text") / "text.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_skipgram_loss_goes_down():
    rng = np.random.default_rng(0)
    token_ids = rng.integers(0, 20, 400).astype(np.int32) // 2 * 2  # even ids only
    token_ids[1::2] = token_ids[::2] + 1  # each even word is always followed by its odd partner
    sentence_ids = np.arange(400) // 10
    config = SkipGramConfig(dim=8, window=1, epochs=30, batch_size=64, learning_rate=0.1, subsample=0)
    result = train_skipgram(token_ids, sentence_ids, np.bincount(token_ids, minlength=20), config)
    assert result.vectors.shape == (20, 8)
    assert result.epoch_losses[-1] < 0.75 * result.epoch_losses[0]
    assert result.tokens == 400 * 30 and result.words_per_second > 0


def test_embeddings_train_writes_a_word2vec_file(text_file, tmp_path):
    output = tmp_path / "vectors.txt"
    events = []
    result = train_embeddings([str(text_file)], output, dim=12, window=2, epochs=2, min_count=2, batch_size=256,
                              progress=events.append)
    header = read_header(output)
    lines = list(iter_vectors(output))
    assert header.count == len(lines) == result.vocabulary and header.dim == 12
    words = [line.word for line in lines]
    assert words[0] in ("the", ".") and "The" not in words and "cheese" in words  # lowercased, frequent first
    assert result.training_tokens == result.corpus_tokens  # every word occurs at least twice
    assert result.corpus_tokens == sum(len(line.split()) + 1 for line in text_file.read_text().splitlines())
    assert [e.stage for e in events][0] == "read" and events[-1].tokens_done == events[-1].tokens_total
    assert result.epoch_losses[-1] < result.losses[0]


def test_empty_text_is_an_error_and_nothing_is_written(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    output = tmp_path / "vectors.txt"
    with pytest.raises(PipelineError, match="no words in .*empty.txt: nothing to train on, nothing written"):
        train_embeddings([str(empty)], output)
    result = runner.invoke(app, ["embeddings", "train", str(empty), "--output", str(output)])
    assert result.exit_code == 2 and "nothing written" in result.stderr
    assert list(tmp_path.iterdir()) == [empty]


def test_too_rare_words_and_bad_sources_are_errors(text_file, tmp_path):
    with pytest.raises(PipelineError, match="no word occurs 1000 times"):
        train_embeddings([str(text_file)], tmp_path / "v.txt", min_count=1000)
    with pytest.raises(PipelineError, match="no such file"):
        train_embeddings([str(tmp_path / "missing.txt")], tmp_path / "v.txt")
    with pytest.raises(PipelineError, match="unknown split 'everything'"):
        train_embeddings(["nltk:brown:everything"], tmp_path / "v.txt")


def test_cli_train_then_similar(text_file, tmp_path):
    output = tmp_path / "v.txt"
    result = runner.invoke(app, ["embeddings", "train", str(text_file), "--output", str(output), "--dim", "8",
                                 "--epochs", "1", "--min-count", "1", "--batch-size", "512"])
    assert result.exit_code == 0, result.output
    assert "words/s" in result.stdout and output.is_file()
    result = runner.invoke(app, ["embeddings", "similar", str(output), "Cheese", "-k", "3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["found_as"] == "cheese" and len(data["neighbours"]) == 3
    result = runner.invoke(app, ["embeddings", "similar", str(output), "zebra"])
    assert result.exit_code == 2 and "'zebra' is not in" in result.stderr


# ---- train --embeddings ---------------------------------------------------------------------------------

@pytest.fixture
def tiny_vectors(tmp_path):
    """16-dimensional vectors for a few of tiny.conllu's words, in several cases, plus words it lacks."""
    rng = np.random.default_rng(3)
    words = ["the", "The", "cat", "Dog", "mat", "books", "zebra", "giraffe", "Paris", "Cat"]
    vectors = {word: rng.normal(size=16).round(4) for word in words}
    path = tmp_path / "tiny.vec"
    path.write_text(f"{len(words)} 16\n" + "".join(f"{w} {' '.join(map(str, vectors[w]))} \n" for w in words),
                    encoding="utf-8")
    return path, vectors


def trained(tmp_path, tiny_conllu, *options, epochs="1"):
    output = tmp_path / "model"
    result = runner.invoke(app, ["train", "--train", str(tiny_conllu), "--epochs", epochs, "--output", str(output),
                                 *SMALL, *options])
    return result, output


def embedding_rows(model_dir):
    from tagger.training import KerasTagger

    tagger = KerasTagger.load(model_dir)
    return tagger, np.asarray(tagger.model.encoder.word_embedding.embeddings)


def test_train_with_embeddings_starts_from_the_files_vectors(tmp_path, tiny_conllu, tiny_vectors):
    path, vectors = tiny_vectors
    result, output = trained(tmp_path, tiny_conllu, "--embeddings", str(path), "--freeze-embeddings")
    assert result.exit_code == 0, result.output
    assert "have a vector" in result.stderr and "16 dimensions" in result.stderr  # coverage is reported
    tagger, rows = embedding_rows(output)
    assert tagger.config.word_dim == 16 and tagger.config.freeze_embeddings
    index = tagger.vocabs.words.index
    # Frozen, so after training the rows are still the file's: exact form first, then the lowercased one.
    np.testing.assert_allclose(rows[index["the"]], vectors["the"], rtol=1e-5)
    np.testing.assert_allclose(rows[index["cat"]], vectors["cat"], rtol=1e-5)
    np.testing.assert_allclose(rows[index["dog"]], vectors["Dog"], rtol=1e-5)
    np.testing.assert_allclose(rows[0], 0)  # padding
    missing = rows[index["sat"]]
    assert np.abs(missing).sum() > 0 and not any(np.allclose(missing, v) for v in vectors.values())
    report = json.loads((output / "config.json").read_text())["embeddings"]
    covered = {"the", "cat", "dog", "mat", "books"} | ({"paris"} if "paris" in index else set())
    assert report["covered"] == len(covered) and report["dim"] == 16 and report["frozen"]
    assert report["exact"] + report["lowercased"] == report["covered"] and report["lowercased"] >= 1
    assert report["coverage"] == pytest.approx(len(covered) / (len(index) - 2), abs=1e-4)


def test_extend_vocab_gives_unseen_words_their_vectors_without_calling_them_seen(tmp_path, tiny_conllu,
                                                                                  tiny_vectors):
    path, vectors = tiny_vectors
    result, output = trained(tmp_path, tiny_conllu, "--embeddings", str(path), "--extend-vocab", "2",
                             "--freeze-embeddings")
    assert result.exit_code == 0, result.output
    tagger, rows = embedding_rows(output)
    assert tagger.vocabs.words.items[-2:] == ["zebra", "giraffe"]
    np.testing.assert_allclose(rows[tagger.vocabs.words.index["zebra"]], vectors["zebra"], rtol=1e-5)
    assert not tagger.vocabs.seen_in_training("zebra")  # unseen-word accuracy still means unseen in training
    assert tagger.encoder.inputs([["Zebra"]])["words"][0, 0] == tagger.vocabs.words.index["zebra"]


def test_vectors_dimension_must_match_an_explicit_word_dim(tmp_path, tiny_conllu, tiny_vectors):
    path, _ = tiny_vectors
    result, output = trained(tmp_path, tiny_conllu, "--embeddings", str(path), "--set", "word_dim=20")
    assert result.exit_code == 2
    assert f"{path}:1: the vectors have 16 dimensions but word_dim is 20" in result.stderr
    assert not output.exists()


def test_bad_vectors_file_and_options_without_embeddings_are_one_line_errors(tmp_path, tiny_conllu):
    bad = tmp_path / "bad.vec"
    bad.write_text("the 1 2\ncat 1 2 3\n", encoding="utf-8")
    result, _ = trained(tmp_path, tiny_conllu, "--embeddings", str(bad))
    assert result.exit_code == 2 and f"{bad}:2: 3 values for 'cat'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result, _ = trained(tmp_path, tiny_conllu, "--freeze-embeddings")
    assert result.exit_code == 2 and "--embeddings FILE" in result.stderr
