"""Every architecture: shapes, padding, what each one can see, and train -> save -> load -> same tags."""

import numpy as np
import pytest

from tagger import Tagger, TaggerConfig, Vocabularies
from tagger.encoding import AFFIX_KINDS
from tagger.training import ARCHITECTURES, KerasTagger, VocabSizes, build_model

SMALL = dict(word_dim=16, char_dim=8, char_filters=8, hidden_dim=16, depth=1, dropout=0.0, word_dropout=0.0)
SIZES = VocabSizes(words=30, chars=20, tags=6)


def logits(model, words, chars, affixes=None):
    """Logits for word ids [B, T] and character ids [B, T, C], one spelling row per position."""
    words, chars = np.asarray(words, "int32"), np.asarray(chars, "int32")
    if affixes is None:
        affixes = words[..., None] % 7 + (words[..., None] > 0) * np.arange(1, len(AFFIX_KINDS) + 1)
    spellings = np.concatenate([np.zeros((1, chars.shape[-1]), "int32"), chars.reshape(-1, chars.shape[-1])])
    spelling_index = (np.arange(words.size).reshape(words.shape) + 1) * (words > 0)
    return np.asarray(model({"words": words, "spellings": spellings, "spelling_index": spelling_index.astype("int32"),
                             "affixes": affixes.astype("int32")}))


def random_inputs(rng, batch, length, width=4):
    words = rng.integers(2, SIZES.words, (batch, length))
    chars = rng.integers(2, SIZES.chars, (batch, length, width))
    return words, chars


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_output_shape_is_batch_by_length_by_tags(arch):
    model = build_model(TaggerConfig(architecture=arch, **SMALL), SIZES)
    words, chars = random_inputs(np.random.default_rng(0), 3, 7)
    assert logits(model, words, chars).shape == (3, 7, SIZES.tags)


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_padding_does_not_change_real_positions(arch):
    model = build_model(TaggerConfig(architecture=arch, **SMALL), SIZES)
    words, chars = random_inputs(np.random.default_rng(1), 1, 5)
    padded_words = np.concatenate([words, np.zeros((1, 4), int)], axis=1)
    padded_chars = np.concatenate([chars, np.zeros((1, 4, 4), int)], axis=1)
    np.testing.assert_allclose(logits(model, words, chars), logits(model, padded_words, padded_chars)[:, :5],
                               rtol=1e-5, atol=1e-5)


def change_one_word(words, chars, position):
    words, chars = words.copy(), chars.copy()
    words[0, position] = 2 if words[0, position] != 2 else 3
    chars[0, position] = (chars[0, position] % (SIZES.chars - 2)) + 2
    return words, chars


def positions_affected(model, position, length=9):
    words, chars = random_inputs(np.random.default_rng(2), 1, length)
    before = logits(model, words, chars)
    after = logits(model, *change_one_word(words, chars, position))
    return {i for i in range(length) if not np.allclose(before[0, i], after[0, i], atol=1e-6)}


def test_fcn_sees_one_word_at_a_time():
    model = build_model(TaggerConfig(architecture="fcn", **SMALL), SIZES)
    assert positions_affected(model, 4) == {4}


def test_window_sees_exactly_k_neighbours_each_side():
    model = build_model(TaggerConfig(architecture="window", window=2, **SMALL), SIZES)
    assert positions_affected(model, 4) == {2, 3, 4, 5, 6}


@pytest.mark.parametrize("cell,bidirectional,expected", [
    ("lstm", True, set(range(9))), ("gru", True, set(range(9))), ("lstm", False, {4, 5, 6, 7, 8})])
def test_rnn_sees_the_sentence_in_its_reading_directions(cell, bidirectional, expected):
    config = TaggerConfig(architecture="rnn", cell=cell, bidirectional=bidirectional, **SMALL)
    assert positions_affected(build_model(config, SIZES), 4) == expected


@pytest.mark.parametrize("bidirectional", [True, False])
def test_lstm_inference_path_gives_the_keras_layers_outputs(bidirectional):
    config = TaggerConfig(architecture="rnn", bidirectional=bidirectional, **{**SMALL, "depth": 2})
    model = build_model(config, SIZES)
    features = np.random.default_rng(4).normal(size=(3, 7, model.encoder.output_dim)).astype("float32")
    lengths = np.array([7, 4, 1])
    mask = np.arange(7)[None, :] < lengths[:, None]
    fast = np.asarray(model.body.projected_lstm(features, mask))
    keras_layers = np.asarray(model.body.keras_layers(features, mask, training=False))
    assert fast.shape == keras_layers.shape == (3, 7, 2 * 16 if bidirectional else 16)
    np.testing.assert_allclose(fast[mask], keras_layers[mask], rtol=1e-5, atol=1e-5)
    assert np.abs(keras_layers[mask]).max() > 0.01  # a real comparison, not of two zero tensors


def test_unknown_architecture_lists_the_choices():
    with pytest.raises(ValueError, match="fcn, window, rnn"):
        TaggerConfig(architecture="cnn")


def test_pretrained_word_vectors_initialise_the_embedding():
    config = TaggerConfig(architecture="fcn", **SMALL)
    vectors = np.random.default_rng(3).normal(size=(SIZES.words, config.word_dim)).astype("float32")
    model = build_model(config, SIZES, word_vectors=vectors)
    np.testing.assert_allclose(np.asarray(model.encoder.word_embedding.embeddings), vectors)
    with pytest.raises(ValueError, match="shape"):
        build_model(config, SIZES, word_vectors=vectors[:, :3])


TWO_SENTENCES = [
    (["the", "dog", "runs", "fast"], ["DET", "NOUN", "VERB", "ADV"]),
    (["a", "cat", "sleeps"], ["DET", "NOUN", "VERB"]),
]


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_overfits_two_sentences_then_save_and_load_gives_the_same_tags(arch, tmp_path):
    from corpora import Corpus, Sentence
    from pipelines.training.tagger import train

    sentences = [Sentence(tuple(w), tuple(t)) for w, t in TWO_SENTENCES]
    corpus = Corpus("two", "upos", train=sentences, dev=sentences)
    config = TaggerConfig(architecture=arch, min_count=1, epochs=60, patience=0, lr_decay=1.0, batch_size=2,
                          learning_rate=0.01, **SMALL)
    result = train(corpus, config, output=tmp_path / "model")
    assert result.history[-1].train_loss < 0.05
    assert result.dev.accuracy == 1.0
    loaded = KerasTagger.load(tmp_path / "model")
    words = [w for w, _ in TWO_SENTENCES]
    assert loaded.tag_sents(words) == [t for _, t in TWO_SENTENCES]
    assert loaded.tag_sents(words) == result.tagger.tag_sents(words)
    assert Tagger.load(tmp_path / "model").tag_sents(words) == [t for _, t in TWO_SENTENCES]  # the runtime
    probe = [["the", "unseen", "word"]]
    np.testing.assert_array_equal(np.asarray(loaded.model(loaded.encoder.inputs(probe))),
                                  np.asarray(result.tagger.model(result.tagger.encoder.inputs(probe))))


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_shared_spellings_give_the_same_logits_as_one_spelling_per_token(arch):
    vocabs = Vocabularies.build([["the", "dog", "saw", "the", "cat", "."]], [["X"] * 6], min_count=1)
    tagger = KerasTagger(TaggerConfig(architecture=arch, **SMALL), vocabs)
    sentences = [["the", "dog", "saw", "the", "cat", "."], ["the", "cat", "."], ["Unseen", "the"]]
    inputs = tagger.encoder.inputs(sentences)
    assert len(inputs["spellings"]) == 1 + 6  # the padding row, then the, dog, saw, cat, ".", Unseen
    words = inputs["words"]
    chars = inputs["spellings"][inputs["spelling_index"]]  # [B, T, C]: each token's own copy
    expected = logits(tagger.model, words, chars, inputs["affixes"])
    np.testing.assert_allclose(np.asarray(tagger.model(inputs)), expected, rtol=1e-5, atol=1e-5)


def test_tag_sents_batches_and_keeps_order():
    vocabs = Vocabularies.build([["a", "b"]], [["X", "Y"]], min_count=1)
    tagger = KerasTagger(TaggerConfig(architecture="fcn", **SMALL), vocabs)
    sentences = [["a"] * n for n in (5, 1, 9, 0, 3)]
    tagger.batch_sentences = 2
    tagged = tagger.tag_sents(sentences)
    assert [len(t) for t in tagged] == [5, 1, 9, 0, 3]
    assert all(tag in ("X", "Y") for tags in tagged for tag in tags)
    assert tagger.tag(sentences[2]) == tagged[2]  # batched with others or alone, the same tags
