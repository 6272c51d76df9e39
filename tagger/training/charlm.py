"""A character language model pretrained on raw text, whose states become contextual word features.

Two LSTMs over characters (as Flair's contextual string embeddings): one reads the text forward and
predicts the next character, the other reads it backward and predicts the previous one. Trained on
running text they learn spelling, morphology and some syntax from text that no one tagged. A tagger then
reads, for each word of a sentence (its words joined by spaces, between two newlines), the forward LSTM's
state just after the word (it has read the sentence up to and including the word) and the backward LSTM's
state just before it (it has read the sentence from the end back to the word's first character): two
vectors that describe the word in its context, for words never seen in training too.

Input is integer ids only: a flat array of character ids (0 is padding, 1 unknown), no files or strings.
`CharLanguageModel` is the layer a tagger holds (frozen); `train_char_lm` pretrains one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from .layers import lstm_outputs


@keras.saving.register_keras_serializable(package="postag")
class CharLanguageModel(layers.Layer):
    """Forward and backward character LSTMs, each with its own character embedding and next-character layer."""

    def __init__(self, chars: int, char_dim: int, units: int, **kwargs):
        super().__init__(**kwargs)
        self.chars, self.char_dim, self.units = chars, char_dim, units
        self.forward_embedding = layers.Embedding(chars, char_dim, name="forward_embedding")
        self.forward_lstm = layers.LSTM(units, return_sequences=True, name="forward_lstm")
        self.forward_output = layers.Dense(chars, name="forward_output")
        self.backward_embedding = layers.Embedding(chars, char_dim, name="backward_embedding")
        self.backward_lstm = layers.LSTM(units, return_sequences=True, name="backward_lstm")
        self.backward_output = layers.Dense(chars, name="backward_output")

    def build(self, input_shape=None):
        for embedding, lstm, output in ((self.forward_embedding, self.forward_lstm, self.forward_output),
                                        (self.backward_embedding, self.backward_lstm, self.backward_output)):
            embedding.build((None, None))
            lstm.build((None, None, self.char_dim))
            output.build((None, None, self.units))
        self.built = True

    def call(self, forward_chars, backward_chars, training=None):
        """Next-character logits of each direction, for sequences [B, L] with no padding (pretraining)."""
        forward = self.forward_output(self.forward_lstm(self.forward_embedding(forward_chars), training=training))
        backward = self.backward_output(self.backward_lstm(self.backward_embedding(backward_chars),
                                                           training=training))
        return forward, backward

    def states(self, chars):
        """Hidden states of both LSTMs [B, L, H] at every character of `chars` [B, L] (padded at the end):
        the forward one after reading up to the position, the backward one after reading from the row's
        last real character back to the position."""
        lengths = ops.sum(ops.cast(ops.not_equal(chars, 0), "int32"), axis=1)
        forward = lstm_outputs(self.forward_lstm.cell, self.forward_embedding(chars))
        reversed_chars = tf.reverse_sequence(chars, lengths, seq_axis=1, batch_axis=0)
        backward = lstm_outputs(self.backward_lstm.cell, self.backward_embedding(reversed_chars))
        return forward, tf.reverse_sequence(backward, lengths, seq_axis=1, batch_axis=0)

    def word_features(self, chars, forward_index, backward_index):
        """[B, T, 2H]: the forward state at `forward_index` and the backward one at `backward_index`, both
        flat indices into the [B * L] positions of `chars` (tagger.encoding.SentenceEncoder computes them)."""
        forward, backward = self.states(chars)
        flat_forward = ops.reshape(forward, (-1, self.units))
        flat_backward = ops.reshape(backward, (-1, self.units))
        features = ops.concatenate([ops.take(flat_forward, forward_index, axis=0),
                                    ops.take(flat_backward, backward_index, axis=0)], axis=-1)
        return ops.stop_gradient(features)  # pretrained and frozen

    def get_config(self):
        return {**super().get_config(), "chars": self.chars, "char_dim": self.char_dim, "units": self.units}


# ---- pretraining ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CharLMConfig:
    units: int = 256  # per direction
    char_dim: int = 32
    sequence_length: int = 150  # characters per training example (truncated backpropagation)
    batch_size: int = 64
    epochs: int = 1
    learning_rate: float = 0.002
    clipnorm: float = 1.0
    max_seconds: float = 0.0  # stop after this long (0: no limit)
    dev_share: float = 0.01  # the text's last share, held out to measure bits per character
    seed: int = 1

    def __post_init__(self) -> None:
        for key in ("units", "char_dim", "sequence_length", "batch_size", "epochs"):
            if getattr(self, key) <= 0:
                raise ValueError(f"character LM {key} must be positive, not {getattr(self, key)!r}")
        if self.learning_rate <= 0 or self.max_seconds < 0 or not 0 <= self.dev_share < 0.5:
            raise ValueError("character LM learning_rate must be positive, max_seconds not negative, "
                             "dev_share in [0, 0.5)")

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class CharLMProgress:
    epoch: int
    epochs: int
    batch: int
    batches: int
    loss: float | None  # mean over both directions, nats per character, this epoch so far


@dataclass
class CharLMTraining:
    model: CharLanguageModel
    train_characters: int
    dev_characters: int
    epochs_done: float  # fractional when the time limit stopped an epoch
    seconds: float
    characters_per_second: float
    dev_bits_per_character: float | None  # mean of both directions
    stopped_because: str
    losses: list[float]


class _Trainer(keras.Model):
    def __init__(self, lm: CharLanguageModel, **kwargs):
        super().__init__(**kwargs)
        self.lm = lm

    def call(self, inputs, training=None):
        return self.lm(inputs["forward"], inputs["backward"], training=training)


def _examples(ids: np.ndarray, length: int, offset: int) -> np.ndarray:
    """Non-overlapping windows [N, length + 1] of the id stream, starting at `offset`, sharing one character
    between neighbours (the last input of one is the first target of the next)."""
    usable = (len(ids) - offset - 1) // length
    if usable <= 0:
        return np.zeros((0, length + 1), np.int32)
    starts = offset + np.arange(usable) * length
    return ids[starts[:, None] + np.arange(length + 1)[None, :]].astype(np.int32)


def _split(windows: np.ndarray):
    reverse = windows[:, ::-1]
    inputs = {"forward": windows[:, :-1], "backward": np.ascontiguousarray(reverse[:, :-1])}
    return inputs, (windows[:, 1:], np.ascontiguousarray(reverse[:, 1:]))


def train_char_lm(ids: np.ndarray, chars: int, config: CharLMConfig,
                  progress: Callable[[CharLMProgress], None] | None = None) -> CharLMTraining:
    """Pretrain both directions on the id stream `ids` (characters 0 .. chars-1; 0 never occurs)."""
    keras.utils.set_random_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    ids = np.asarray(ids, dtype=np.int32)
    dev_size = int(len(ids) * config.dev_share)
    train_ids, dev_ids = (ids[: len(ids) - dev_size], ids[len(ids) - dev_size:]) if dev_size else (ids, ids[:0])
    length = config.sequence_length
    if len(train_ids) < length + 2:
        raise ValueError(f"{len(train_ids)} characters are too few to train on windows of {length}")

    lm = CharLanguageModel(chars, config.char_dim, config.units, name="char_lm")
    trainer = _Trainer(lm, name="char_lm_trainer")
    probe = np.ones((1, 4), np.int32)
    trainer({"forward": probe, "backward": probe})

    def loss(targets, logits):
        return ops.mean(ops.sparse_categorical_crossentropy(targets, logits, from_logits=True))

    trainer.compile(optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=config.clipnorm),
                    loss=[loss, loss], jit_compile=True)
    batches = max(1, (len(train_ids) - 1) // length // config.batch_size)
    started = time.perf_counter()
    losses: list[float] = []
    stopped_because = "all epochs done"
    steps_done = 0
    for epoch in range(1, config.epochs + 1):
        # A new offset each epoch, so windows do not always cut the text at the same places.
        windows = _examples(train_ids, length, int(rng.integers(0, length)) if epoch > 1 else 0)
        windows = windows[rng.permutation(len(windows))]
        running, seen = 0.0, 0
        for batch in range(len(windows) // config.batch_size):
            inputs, targets = _split(windows[batch * config.batch_size:(batch + 1) * config.batch_size])
            logs = trainer.train_on_batch(inputs, targets, return_dict=True)
            value = float(logs["loss"]) / 2  # two directions
            if not math.isfinite(value):
                raise ArithmeticError(f"character LM loss {value} in epoch {epoch}, batch {batch + 1}")
            running, seen, steps_done = running + value, seen + 1, steps_done + 1
            if progress and (batch % 20 == 0):
                progress(CharLMProgress(epoch, config.epochs, batch + 1, batches, running / seen))
            if config.max_seconds and time.perf_counter() - started >= config.max_seconds:
                stopped_because = f"time limit of {config.max_seconds:g} s reached"
                break
        losses.append(running / max(seen, 1))
        if stopped_because != "all epochs done":
            break
    seconds = time.perf_counter() - started
    trained_characters = steps_done * config.batch_size * length
    dev_bits = _bits_per_character(trainer, dev_ids, length, config.batch_size) if dev_size > length + 1 else None
    return CharLMTraining(model=lm, train_characters=len(train_ids), dev_characters=len(dev_ids),
                          epochs_done=round(trained_characters / max(len(train_ids), 1), 3), seconds=seconds,
                          characters_per_second=trained_characters / max(seconds, 1e-9),
                          dev_bits_per_character=dev_bits, stopped_because=stopped_because, losses=losses)


def _bits_per_character(trainer: _Trainer, ids: np.ndarray, length: int, batch_size: int) -> float:
    windows = _examples(ids, length, 0)
    total, count = 0.0, 0
    for start in range(0, len(windows), batch_size):
        inputs, targets = _split(windows[start:start + batch_size])
        forward, backward = trainer(inputs, training=False)
        for logits, target in ((forward, targets[0]), (backward, targets[1])):
            total += float(ops.sum(ops.sparse_categorical_crossentropy(target, logits, from_logits=True)))
            count += target.size
    return total / max(count, 1) / math.log(2)
