"""Tagger architectures: one shared input encoder, a body chosen by name from a plain-dict registry.

Every model maps {"words": [B, T], "spellings": [S, C], "spelling_index": [B, T], "affixes": [B, T, A]} (see
tagger.encoding.SentenceEncoder; with a character language model also "lm_chars" [B, L], "lm_forward" and
"lm_backward" [B, T]) to logits [B, T, number of tags]. Padding is id 0 in every input; the bodies keep
padded positions from leaking into real ones. With `crf` each head's logits are the emission scores of a
linear-chain CRF (tagger.training.crf), decoded with Viterbi.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from tagger.config import ARCHITECTURE_NAMES, TaggerConfig
from tagger.encoding import AFFIX_KINDS
from tagger.vocab import PAD_ID, UNK_ID, Vocabularies

from .charlm import CharLanguageModel
from .crf import CRF
from .layers import DenseStack, dense, lecun_normal, lstm_outputs
from .loss import mean_over_tokens, summed_distilled_loss, summed_smoothed_sequence_loss

AFFIX_COUNT = len(AFFIX_KINDS)


@dataclass(frozen=True)
class VocabSizes:
    words: int
    chars: int
    tags: int
    more_tags: tuple[int, ...] = ()  # further output heads (UPOS and XPOS together)
    lm_chars: int = 0  # the character language model's characters (0: no LM)
    # Word ids below this came from the training data, the rest from pretrained vectors (0: all from training).
    # Derived from the vocabulary, so not part of to_json.
    learned_words: int = 0

    @classmethod
    def of(cls, vocabs: Vocabularies) -> VocabSizes:
        items, counts = vocabs.words.items, vocabs.words.counts
        learned = len(items)
        while learned > 2 and items[learned - 1] not in counts:  # words added from vectors come last
            learned -= 1
        return cls(len(vocabs.words), len(vocabs.chars), len(vocabs.tags), tuple(len(v) for v in vocabs.more_tags),
                   len(vocabs.lm_chars) if vocabs.lm_chars is not None else 0,
                   learned if learned < len(items) else 0)

    @property
    def heads(self) -> tuple[int, ...]:
        return (self.tags, *self.more_tags)

    def to_json(self) -> dict:
        data = {"words": self.words, "chars": self.chars, "tags": self.tags}
        if self.more_tags:
            data["more_tags"] = list(self.more_tags)
        if self.lm_chars:
            data["lm_chars"] = self.lm_chars
        return data


@keras.saving.register_keras_serializable(package="postag")
class WordCharEncoder(layers.Layer):
    """Word embedding (+ pretrained vectors kept beside it) + character CNN (max-pooled over the word's
    characters) and/or character BiLSTM (its final states) + affix embeddings: all functions of the spelling.

    The character and affix parts give every word, seen or not, a representation built from its
    spelling, so unknown words are not all the same vector.
    """

    def __init__(self, word_vocabulary_size: int, char_vocabulary_size: int, word_dim: int, char_dim: int,
                 char_filters: int, char_kernel: int, word_dropout: float = 0.0, dropout: float = 0.0,
                 freeze_embeddings: bool = False, seed: int | None = None, affix_buckets: int = 0,
                 affix_dim: int = 0, char_encoder: str = "cnn", char_lstm_dim: int = 0, vectors_dim: int = 0,
                 learned_words: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.word_vocabulary_size = word_vocabulary_size
        self.char_vocabulary_size = char_vocabulary_size
        self.word_dim = word_dim
        self.char_dim = char_dim
        self.char_filters = char_filters
        self.char_kernel = char_kernel
        self.word_dropout = word_dropout
        self.dropout = dropout
        self.freeze_embeddings = freeze_embeddings
        self.seed = seed
        self.affix_buckets = affix_buckets
        self.affix_dim = affix_dim if affix_buckets else 0
        self.char_encoder = char_encoder
        self.char_lstm_dim = char_lstm_dim
        self.vectors_dim = vectors_dim
        self.learned_words = learned_words
        # Pretrained vectors kept fixed beside the learned word embedding (keep_vectors).
        self.kept_vectors = (layers.Embedding(word_vocabulary_size, vectors_dim, trainable=False, name="kept_vectors")
                             if vectors_dim else None)
        self.affix_embedding = (layers.Embedding(affix_buckets + 1, affix_dim, name="affix_embedding")
                                if affix_buckets else None)
        self.word_embedding = layers.Embedding(word_vocabulary_size, word_dim, name="word_embedding",
                                               trainable=not freeze_embeddings)
        self.char_embedding = layers.Embedding(char_vocabulary_size, char_dim, name="char_embedding")
        self.char_conv = (layers.Conv1D(char_filters, char_kernel, padding="same", activation="relu",
                                        kernel_initializer=lecun_normal(seed), name="char_conv")
                          if "cnn" in char_encoder.split("+") else None)
        self.char_lstm = (layers.Bidirectional(layers.LSTM(char_lstm_dim, seed=seed, name="char_lstm_cell"),
                                               name="char_lstm")
                          if "lstm" in char_encoder.split("+") else None)
        self.output_dropout = layers.Dropout(dropout, seed=seed)
        self.seed_generator = keras.random.SeedGenerator(seed)

    @property
    def output_dim(self) -> int:
        return (self.word_dim + self.vectors_dim + (self.char_filters if self.char_conv is not None else 0)
                + (2 * self.char_lstm_dim if self.char_lstm is not None else 0) + AFFIX_COUNT * self.affix_dim)

    def build(self, input_shape=None):
        self.word_embedding.build((None, None))
        self.char_embedding.build((None, None))
        if self.kept_vectors is not None:
            self.kept_vectors.build((None, None))
        if self.char_conv is not None:
            self.char_conv.build((None, None, self.char_dim))
        if self.char_lstm is not None:
            self.char_lstm.build((None, None, self.char_dim))
        if self.affix_embedding is not None:
            self.affix_embedding.build((None, None))
        self.built = True

    def call(self, words, spellings, spelling_index, affixes, training=None):
        # The kept vectors see every word: dropping words to <unk> teaches the learned table about unknown
        # words, while a word's pretrained vector stays available (and is all that words from the file have).
        kept = self.kept_vectors(words) if self.kept_vectors is not None else None
        if training and self.word_dropout > 0:
            drop = keras.random.uniform(ops.shape(words), seed=self.seed_generator) < self.word_dropout
            words = ops.where(ops.logical_and(drop, words > UNK_ID), ops.full_like(words, UNK_ID), words)
        if kept is not None and self.learned_words:
            # Words the file added never occur in training: in the learned table they are <unk>, as training
            # words are when dropped, and their own vector comes from the kept table.
            words = ops.where(words >= self.learned_words, ops.full_like(words, UNK_ID), words)
        word_vectors = self.word_embedding(words)  # [B, T, W]
        if kept is not None:
            word_vectors = ops.concatenate([word_vectors, kept], axis=-1)
        char_embedded = self.char_embedding(spellings)  # [S, C, char_dim]
        char_present = ops.not_equal(spellings, PAD_ID)
        spelling_parts = []
        if self.char_conv is not None:
            char_vectors = self.char_conv(char_embedded)  # [S, C, F], ReLU so >= 0
            char_mask = ops.cast(ops.expand_dims(char_present, -1), char_vectors.dtype)
            # Zero at padded characters cannot win the max over non-negative ReLU outputs; the all-padding row
            # 0 (where padded positions point) comes out as zeros.
            spelling_parts.append(ops.max(char_vectors * char_mask, axis=1))  # [S, F]
        if self.char_lstm is not None:
            # The forward LSTM's state after the last character, the backward one's after the first.
            spelling_parts.append(self.char_lstm(char_embedded, mask=char_present, training=training))  # [S, 2H]
        spelling_vectors = ops.concatenate(spelling_parts, axis=-1) if len(spelling_parts) > 1 else spelling_parts[0]
        char_repr = ops.take(spelling_vectors, spelling_index, axis=0)  # [B, T, F]
        shape = ops.shape(words)
        parts = [word_vectors, char_repr]
        if self.affix_embedding is not None:
            affix_vectors = self.affix_embedding(affixes)  # [B, T, kinds, affix_dim]
            parts.append(ops.reshape(affix_vectors, (shape[0], shape[1], AFFIX_COUNT * self.affix_dim)))
        features = ops.concatenate(parts, axis=-1)
        return self.output_dropout(features, training=training)

    def get_config(self):
        return {**super().get_config(), "word_vocabulary_size": self.word_vocabulary_size,
                "char_vocabulary_size": self.char_vocabulary_size, "word_dim": self.word_dim,
                "char_dim": self.char_dim, "char_filters": self.char_filters, "char_kernel": self.char_kernel,
                "word_dropout": self.word_dropout, "dropout": self.dropout,
                "freeze_embeddings": self.freeze_embeddings, "seed": self.seed,
                "affix_buckets": self.affix_buckets, "affix_dim": self.affix_dim, "char_encoder": self.char_encoder,
                "char_lstm_dim": self.char_lstm_dim, "vectors_dim": self.vectors_dim,
                "learned_words": self.learned_words}


@keras.saving.register_keras_serializable(package="postag")
class WindowConcat(layers.Layer):
    """Each position's features concatenated with those of its ±`window` neighbours in the sentence.

    Positions outside the sentence (before the start, after the end, or padding) contribute zeros.
    """

    def __init__(self, window: int, **kwargs):
        super().__init__(**kwargs)
        self.window = window

    def call(self, features, mask):
        features = features * ops.expand_dims(ops.cast(mask, features.dtype), -1)
        if self.window == 0:
            return features
        length = ops.shape(features)[1]
        padded = ops.pad(features, [[0, 0], [self.window, self.window], [0, 0]])
        shifted = [padded[:, offset : offset + length, :] for offset in range(2 * self.window + 1)]
        return ops.concatenate(shifted, axis=-1)

    def get_config(self):
        return {**super().get_config(), "window": self.window}


class SequenceTagger(keras.Model):
    """Input encoder -> architecture body -> a dense layer to tag logits per output head (-> a CRF per head).

    With one head the model returns logits [B, T, tags]; with several (UPOS and XPOS trained together: one
    encoder and body, two losses) a tuple of them, the first head first. `head_losses` are the losses to
    compile with, per head: softmax cross-entropy, or the CRF's sequence likelihood. Decoding (argmax, or
    Viterbi with the CRF's transitions) is tagger.api's, in numpy, for the Keras model and the runtime alike.
    """

    def __init__(self, config: TaggerConfig, sizes: VocabSizes, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.sizes = sizes
        self.encoder = WordCharEncoder(
            sizes.words, sizes.chars, config.word_dim, config.char_dim, config.char_filters, config.char_kernel,
            word_dropout=config.word_dropout, dropout=config.dropout, freeze_embeddings=config.freeze_embeddings,
            seed=config.seed, affix_buckets=config.affix_buckets, affix_dim=config.affix_dim,
            char_encoder=config.char_encoder, char_lstm_dim=config.char_lstm_dim,
            vectors_dim=config.vectors_dim if config.keep_vectors else 0, learned_words=sizes.learned_words,
            name="encoder")
        self.input_projection = (dense(config.input_projection, name="input_projection", seed=config.seed)
                                 if config.input_projection else None)
        # The character LM reads whole sentences: its features depend on the context, not on the spelling
        # alone, so they join after the encoder (and its projection), which tagging runs once per spelling.
        self.char_lm = None
        if config.uses_char_lm:
            if not sizes.lm_chars:
                raise ValueError("a character LM needs its character vocabulary (Vocabularies.lm_chars)")
            # Pretrained and frozen (tagger.training.charlm): the tagger learns to read its states, not to
            # change them. Set after construction, so that it reaches the LM's own layers.
            self.char_lm = CharLanguageModel(sizes.lm_chars, config.char_lm_char_dim, config.char_lm_dim,
                                             name="char_lm")
            self.char_lm.trainable = False
            self.char_lm.build()
            self.char_lm_dropout = layers.Dropout(config.dropout, seed=config.seed)
        self.body = ARCHITECTURES[config.architecture](config)
        self.output_layer = dense(sizes.tags, name="tag_logits", seed=config.seed)
        self.more_output_layers = [dense(size, name=f"tag_logits_{i}", seed=config.seed + i)
                                   for i, size in enumerate(sizes.more_tags, start=1)]
        self.crfs = [CRF(size, name="crf" if i == 0 else f"crf_{i}") for i, size in enumerate(sizes.heads)
                     ] if config.crf else []
        for crf in self.crfs:
            crf.build()

    def call(self, inputs, training=None):
        words = inputs["words"]
        mask = ops.not_equal(words, PAD_ID)
        features = self.encoder(words, inputs["spellings"], inputs["spelling_index"], inputs["affixes"],
                                training=training)
        if self.input_projection is not None:
            features = self.input_projection(features)
        if self.char_lm is not None:
            states = self.char_lm.word_features(inputs["lm_chars"], inputs["lm_forward"], inputs["lm_backward"])
            features = ops.concatenate([features, self.char_lm_dropout(states, training=training)], axis=-1)
        hidden = self.body(features, mask, training=training)
        if not self.more_output_layers:
            return self.output_layer(hidden)
        return (self.output_layer(hidden), *(layer(hidden) for layer in self.more_output_layers))

    @property
    def output_layers(self) -> list:
        return [self.output_layer, *self.more_output_layers]

    def head_losses(self) -> list:
        """One (tag_ids, logits) loss per head, for Keras' compile: each head's summed loss per real token."""
        return [mean_over_tokens(loss) for loss in self.head_summed_losses()]

    def head_summed_losses(self) -> list:
        """Each head's loss as (tag_ids, logits) -> (sum over real tokens, real tokens): the masked sequence
        loss (label-smoothed or not), or its CRF's sequence likelihood. A replica's step divides the sums by
        the global batch's tokens (tagger.training.distributed)."""
        if self.crfs:
            losses = [crf.summed_negative_log_likelihood for crf in self.crfs]
        else:
            losses = [summed_smoothed_sequence_loss(self.config.label_smoothing) for _ in self.output_layers]
        if self.config.distill:  # the first head also learns the teachers' probabilities
            losses[0] = summed_distilled_loss(losses[0], self.config.distill_weight)
        return losses

    def get_config(self):  # rebuilt from TaggerConfig in code, never deserialized from Keras config
        return {"config": self.config.to_json(), "sizes": self.sizes.to_json()}


class FCNBody(layers.Layer):
    """`fcn`: one word at a time; the dense layers never see a neighbour."""

    def __init__(self, config: TaggerConfig, **kwargs):
        super().__init__(**kwargs)
        self.stack = DenseStack(config.hidden_dim, config.depth, "relu", config.dropout, seed=config.seed,
                                name="dense_stack")

    def call(self, features, mask, training=None):
        return self.stack(features, training=training)


class WindowBody(layers.Layer):
    """`window`: the word and its ±k neighbours in the sentence, concatenated, through dense layers."""

    def __init__(self, config: TaggerConfig, **kwargs):
        super().__init__(**kwargs)
        self.concat = WindowConcat(config.window, name="window_concat")
        self.stack = DenseStack(config.hidden_dim, config.depth, "relu", config.dropout, seed=config.seed,
                                name="dense_stack")

    def call(self, features, mask, training=None):
        return self.stack(self.concat(features, mask), training=training)


class RNNBody(layers.Layer):
    """`rnn`: the whole sentence through stacked (Bi)LSTM or GRU layers, padding masked out.

    Training runs Keras' LSTM/GRU layers. Inference with an LSTM runs `projected_lstm` on the same weights:
    Keras' loop multiplies each step's input by the input kernel inside the loop, a small matrix product
    per step; projecting every step at once first is one large product, and EWT test tags about 15% faster on
    a CPU (same outputs, tested).
    """

    def __init__(self, config: TaggerConfig, **kwargs):
        super().__init__(**kwargs)
        self.cell = config.cell
        self.bidirectional = config.bidirectional
        cell = {"lstm": layers.LSTM, "gru": layers.GRU}[config.cell]
        self.recurrent = []
        for i in range(config.depth):
            rnn = cell(config.hidden_dim, return_sequences=True, name=f"{config.cell}_{i}",
                       seed=config.seed)
            if config.bidirectional:
                rnn = layers.Bidirectional(rnn, name=f"bi_{config.cell}_{i}")
            self.recurrent.append(rnn)
        self.dropouts = [layers.Dropout(config.dropout, seed=config.seed) for _ in range(config.depth)]

    def build(self, input_shape):
        shape = tuple(input_shape)
        for rnn in self.recurrent:  # built here, so weights exist whichever path runs first
            rnn.build(shape)
            shape = tuple(rnn.compute_output_shape(shape))
        self.built = True

    def call(self, features, mask, training=None):
        if training or self.cell != "lstm":
            return self.keras_layers(features, mask, training=training)
        return self.projected_lstm(features, mask)

    def keras_layers(self, features, mask, training=None):
        x = features
        for rnn, dropout in zip(self.recurrent, self.dropouts):
            x = dropout(rnn(x, mask=mask, training=training), training=training)
        return x

    def projected_lstm(self, features, mask):
        """The LSTM stack's inference outputs, for padding at the end of each sentence (as the encoder pads)."""
        lengths = tf.reduce_sum(tf.cast(mask, tf.int32), axis=1)
        x = features
        for rnn in self.recurrent:
            if not self.bidirectional:
                x = lstm_outputs(rnn.cell, x)
                continue
            # The backward LSTM reads each sentence reversed within its own length, so padding stays at the
            # end in both directions and never reaches a real position: no per-step masking is needed.
            backward = tf.reverse_sequence(x, lengths, seq_axis=1, batch_axis=0)
            backward = lstm_outputs(rnn.backward_layer.cell, backward)
            x = ops.concatenate([lstm_outputs(rnn.forward_layer.cell, x),
                                 tf.reverse_sequence(backward, lengths, seq_axis=1, batch_axis=0)], axis=-1)
        return x


Builder = Callable[[TaggerConfig], layers.Layer]

ARCHITECTURES: dict[str, Builder] = {
    "fcn": FCNBody,
    "window": WindowBody,
    "rnn": RNNBody,
}
assert tuple(ARCHITECTURES) == ARCHITECTURE_NAMES


def build_model(config: TaggerConfig, sizes: VocabSizes, word_vectors: np.ndarray | None = None,
                char_lm_weights: list[np.ndarray] | None = None) -> SequenceTagger:
    """A built model (weights exist), optionally with the word embedding initialised from `word_vectors` and
    the character LM's weights from a pretrained one (tagger.training.charlm.CharLanguageModel's order)."""
    if config.architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {config.architecture!r}; "
                         f"choose from {', '.join(sorted(ARCHITECTURES))}")
    model = SequenceTagger(config, sizes, name=f"postag_{config.architecture}")
    dummy = {"words": np.ones((1, 2), dtype=np.int32), "spellings": np.ones((2, 3), dtype=np.int32),
             "spelling_index": np.ones((1, 2), dtype=np.int32),
             "affixes": np.ones((1, 2, AFFIX_COUNT), dtype=np.int32)}
    if config.uses_char_lm:
        dummy.update(lm_chars=np.ones((1, 5), dtype=np.int32), lm_forward=np.array([[2, 4]], dtype=np.int32),
                     lm_backward=np.array([[0, 2]], dtype=np.int32))
    model(dummy, training=False)
    if word_vectors is not None:
        table = model.encoder.kept_vectors if config.keep_vectors else model.encoder.word_embedding
        expected = (sizes.words, config.vectors_dim if config.keep_vectors else config.word_dim)
        if word_vectors.shape != expected:
            raise ValueError(f"word vectors have shape {word_vectors.shape}, the model needs {expected}")
        table.embeddings.assign(word_vectors.astype("float32"))
    if char_lm_weights is not None:
        if model.char_lm is None:
            raise ValueError("character LM weights given to a model without a character LM")
        model.char_lm.set_weights(char_lm_weights)
    return model
