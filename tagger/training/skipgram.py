"""Skip-gram with negative sampling (word2vec), in TensorFlow: learns word vectors from running text.

Input is integer ids only: a flat array of word ids (0 .. vocabulary-1, most frequent first), the sentence
each token belongs to, and each word's count. No files, no strings.

Data: `PairGenerator` is a tf.data pipeline that turns the corpus, a chunk of sentences at a time, into
batches of (target, context, negatives) training examples the way word2vec does it:
- subsampling: a token of a frequent word is dropped with probability 1 - (sqrt(f/t) + 1) t/f, where f is
  the word's share of the corpus and t = `subsample`, so "the" and "of" do not swamp the pairs;
- dynamic window: each target draws its window b uniformly from 1..window, and pairs with the words up to
  b positions away in the same sentence, so near words count more than far ones;
- negatives: `negatives` words per pair drawn from the unigram distribution raised to the 3/4 power
  (word2vec's table: each word fills a share of its slots, so a draw is one random index).
The pairs of a chunk are built with vectorised TensorFlow ops (masks over the whole chunk, one per
distance), shuffled, and stacked into batches; the pipeline prefetches the next chunk while the current one
trains. Everything stays in TensorFlow's C++ runtime: no Python runs per batch, nor per chunk of data.

Model: `SkipGramModel`, a small Keras model with two embedding tables, target (the vectors kept) and
context; the logit of a (target, word) pair is the dot product of their vectors. Loss: sigmoid
cross-entropy on the logits, label 1 for the true context and 0 for the negatives, summed over a batch.

Updates: sparse SGD, as word2vec: only the rows a batch touches change, by the sum of their gradients, with
a learning rate decaying linearly to nearly zero over training. Large batches (thousands of pairs) keep the
per-step cost small; the step (gathers, dot products, scatter updates) is compiled by XLA, several times
faster on CPU than TensorFlow's op-by-op scatter, and the loop over a chunk's batches runs inside one
tf.function call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import keras
import numpy as np
import tensorflow as tf


@dataclass(frozen=True)
class SkipGramConfig:
    dim: int = 100
    window: int = 5  # most words on each side; each target draws its own window from 1..window
    negatives: int = 5
    epochs: int = 5
    batch_size: int = 4096  # (target, context) pairs per update
    learning_rate: float = 0.025  # at the start; decays linearly to learning_rate * 1e-4
    subsample: float = 1e-3  # t of the subsampling formula; 0 keeps every token
    chunk_tokens: int = 50_000  # corpus tokens turned into pairs at once (progress is reported per chunk)
    seed: int = 1
    jit_compile: bool = True  # XLA: several times faster on CPU; off for a TensorFlow built without it

    def __post_init__(self) -> None:
        for key in ("dim", "window", "negatives", "epochs", "batch_size", "chunk_tokens"):
            if getattr(self, key) <= 0:
                raise ValueError(f"skip-gram {key} must be positive, not {getattr(self, key)!r}")
        if self.learning_rate <= 0 or self.subsample < 0:
            raise ValueError("skip-gram learning_rate must be positive and subsample not negative")

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class SkipGramProgress:
    """One event for the progress callback: tokens of the corpus processed so far (over all epochs)."""

    epoch: int
    epochs: int
    tokens_done: int  # corpus tokens, counted before subsampling
    tokens_total: int  # corpus tokens x epochs
    loss: float | None  # mean loss per pair over the batches since the previous event
    pairs: int  # pairs trained on so far


@dataclass
class SkipGramResult:
    vectors: np.ndarray  # float32 [vocabulary, dim]: the target table
    losses: list[float]  # mean loss per pair of each chunk, in training order
    epoch_losses: list[float]
    seconds: float  # training time, from the first batch to the last update (compilation included)
    tokens: int  # corpus tokens processed, all epochs (counted before subsampling)
    pairs: int
    first_step_seconds: float = 0.0  # the first chunk: tracing and XLA compilation, mostly
    cpu_seconds: float = 0.0  # process CPU time over `seconds` (all threads): the cost, whatever else runs

    @property
    def words_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0


ProgressCallback = Callable[[SkipGramProgress], None]


class PairGenerator:
    """Batches of (targets, contexts, negatives) from a corpus of word ids, as a tf.data pipeline."""

    def __init__(self, token_ids: np.ndarray, sentence_ids: np.ndarray, counts: np.ndarray, config: SkipGramConfig,
                 max_table_size: int = 10_000_000):
        token_ids = np.asarray(token_ids, dtype=np.int32)
        sentence_ids = np.asarray(sentence_ids, dtype=np.int64)
        counts = np.asarray(counts, dtype=np.float64)
        if token_ids.shape != sentence_ids.shape or token_ids.ndim != 1:
            raise ValueError("token_ids and sentence_ids must be flat arrays of the same length")
        if len(counts) == 0 or (len(token_ids) and (token_ids.min() < 0 or token_ids.max() >= len(counts))):
            raise ValueError("every token id must index `counts`")
        self.config = config
        self.tokens = len(token_ids)
        total = counts.sum()
        if config.subsample > 0 and total > 0:
            share = counts / total
            with np.errstate(divide="ignore", invalid="ignore"):
                keep = (np.sqrt(share / config.subsample) + 1) * config.subsample / share
            self.keep_probability = np.nan_to_num(np.minimum(keep, 1.0), nan=1.0).astype(np.float32)
        else:
            self.keep_probability = np.ones(len(counts), dtype=np.float32)
        weights = counts ** 0.75
        weights = weights / weights.sum()
        size = int(min(max(100 * len(counts), 1_000_000), max_table_size))
        boundaries = np.round(np.cumsum(weights) * size).astype(np.int64)
        self.negative_table = np.repeat(np.arange(len(counts), dtype=np.int32),
                                        np.diff(np.concatenate([[0], boundaries])))
        # Chunks end at sentence boundaries so no pair is lost at a cut.
        starts = np.flatnonzero(np.diff(sentence_ids, prepend=sentence_ids[:1] - 1)) if len(sentence_ids) else []
        self.sentence_starts = np.asarray(starts, dtype=np.int64)
        # Sentence ids only need to tell neighbours apart: int32 is plenty, modulo its range.
        self._token_ids = tf.constant(token_ids)
        self._sentence_ids = tf.constant((sentence_ids % (2**31 - 1)).astype(np.int32))
        self._keep_probability = tf.constant(self.keep_probability)
        self._negative_table = tf.constant(self.negative_table)

    def chunk_bounds(self) -> list[tuple[int, int]]:
        bounds, start = [], 0
        while start < self.tokens:
            wanted_end = start + self.config.chunk_tokens
            if wanted_end >= self.tokens:
                end = self.tokens
            else:
                following = np.searchsorted(self.sentence_starts, wanted_end)
                end = int(self.sentence_starts[following]) if following < len(self.sentence_starts) else self.tokens
            bounds.append((start, end))
            start = end
        return bounds

    def pairs(self, start, end, seed) -> tuple[tf.Tensor, tf.Tensor]:
        """Shuffled (targets, contexts) of the tokens start..end, after subsampling, with dynamic windows.

        `seed` is a stateless seed, shape [2]: the same seed gives the same pairs.
        """
        window = self.config.window
        subsample_seed, window_seed, shuffle_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 3))
        ids = self._token_ids[start:end]
        sentences = self._sentence_ids[start:end]
        kept = tf.random.stateless_uniform(tf.shape(ids), subsample_seed) < tf.gather(self._keep_probability, ids)
        ids, sentences = tf.boolean_mask(ids, kept), tf.boolean_mask(sentences, kept)
        reach = tf.random.stateless_uniform(tf.shape(ids), window_seed, minval=1, maxval=window + 1, dtype=tf.int32)
        targets, contexts = [], []
        for distance in range(1, window + 1):
            same_sentence = tf.equal(sentences[:-distance], sentences[distance:])
            left, right = ids[:-distance], ids[distance:]
            forward = same_sentence & (reach[:-distance] >= distance)  # target on the left, context right
            backward = same_sentence & (reach[distance:] >= distance)  # target on the right, context left
            targets += [tf.boolean_mask(left, forward), tf.boolean_mask(right, backward)]
            contexts += [tf.boolean_mask(right, forward), tf.boolean_mask(left, backward)]
        targets, contexts = tf.concat(targets, 0), tf.concat(contexts, 0)
        order = tf.random.experimental.stateless_shuffle(tf.range(tf.shape(targets)[0]), shuffle_seed)
        return tf.gather(targets, order), tf.gather(contexts, order)

    def negatives(self, shape, seed) -> tf.Tensor:
        slots = tf.random.stateless_uniform(shape, seed, maxval=len(self.negative_table), dtype=tf.int32)
        return tf.gather(self._negative_table, slots)

    def chunk(self, start, end, seed):
        """The chunk's batches stacked: targets, contexts [n, B], negatives [n, B, K], weights [n, B], done [n].

        The last batch is padded with weight-0 pairs. `done` is the corpus tokens of the epoch done once
        that batch is trained (spread over the chunk's batches, for progress and learning-rate decay).
        """
        batch_size = self.config.batch_size
        pair_seed, negative_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
        targets, contexts = self.pairs(start, end, pair_seed)
        count = tf.shape(targets)[0]
        steps = tf.maximum((count + batch_size - 1) // batch_size, 1)
        padding = [[0, steps * batch_size - count]]
        stacked = [tf.reshape(tf.pad(values, padding), [steps, batch_size])
                   for values in (targets, contexts, tf.ones_like(targets, dtype=tf.float32))]
        negatives = self.negatives([steps, batch_size, self.config.negatives], negative_seed)
        done = (tf.cast(start, tf.int64) + tf.cast(end - start, tf.int64) * tf.range(1, steps + 1, dtype=tf.int64)
                // tf.cast(steps, tf.int64))
        return stacked[0], stacked[1], negatives, stacked[2], done

    def dataset(self, epochs: int = 1, first_epoch: int = 0) -> tf.data.Dataset:
        """Every chunk of every epoch, each as (epoch, stacked batches...); the next chunk is built while one
        trains. One pipeline for all epochs, so its functions are traced once."""
        bounds = np.asarray(self.chunk_bounds(), dtype=np.int32).reshape(-1, 2)
        epoch_ids = np.repeat(np.arange(first_epoch, first_epoch + epochs, dtype=np.int64), len(bounds))
        chunk_ids = np.tile(np.arange(len(bounds), dtype=np.int64), epochs)
        seeds = np.stack([np.full(len(epoch_ids), self.config.seed, dtype=np.int64),
                          epoch_ids * len(bounds) + chunk_ids], axis=1)
        chunks = tf.data.Dataset.from_tensor_slices((epoch_ids, np.tile(bounds[:, 0], epochs),
                                                     np.tile(bounds[:, 1], epochs), seeds))
        return chunks.map(lambda epoch, start, end, seed: (epoch, *self.chunk(start, end, seed)),
                          num_parallel_calls=1, deterministic=True).prefetch(1)


@keras.saving.register_keras_serializable(package="postag")
class SkipGramModel(keras.Model):
    """Logits [B, 1 + negatives]: target . context first, then target . each negative."""

    def __init__(self, vocabulary_size: int, dim: int, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.dim = dim
        # word2vec's start: small random target vectors, zero context vectors.
        bound = 0.5 / dim
        self.target_embedding = keras.layers.Embedding(
            vocabulary_size, dim, name="target_embedding",
            embeddings_initializer=keras.initializers.RandomUniform(-bound, bound, seed=seed))
        self.context_embedding = keras.layers.Embedding(vocabulary_size, dim, name="context_embedding",
                                                        embeddings_initializer="zeros")

    def build(self, input_shape=None):
        self.target_embedding.build((None,))
        self.context_embedding.build((None,))
        self.built = True

    def call(self, inputs):
        targets, contexts, negatives = inputs
        target_vectors = self.target_embedding(targets)  # [B, D]
        candidates = keras.ops.concatenate([keras.ops.expand_dims(contexts, 1), negatives], axis=1)  # [B, 1+K]
        candidate_vectors = self.context_embedding(candidates)  # [B, 1+K, D]
        return keras.ops.einsum("bd,bkd->bk", target_vectors, candidate_vectors)

    def get_config(self):
        return {**super().get_config(), "vocabulary_size": self.vocabulary_size, "dim": self.dim}


def skipgram_loss(logits: tf.Tensor) -> tf.Tensor:
    """Per pair: sigmoid cross-entropy of the true context (label 1) plus each negative (label 0)."""
    labels = tf.concat([tf.ones_like(logits[:, :1]), tf.zeros_like(logits[:, 1:])], axis=1)
    return tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits), axis=1)


def _sparse_sgd(variable, gradient, learning_rate) -> None:
    """variable[rows] -= learning_rate * gradient, touching only the rows the batch used."""
    if isinstance(gradient, tf.IndexedSlices):
        variable.scatter_sub(tf.IndexedSlices(gradient.values * learning_rate, gradient.indices,
                                              gradient.dense_shape))
    else:
        variable.assign_sub(gradient * learning_rate)


def train_skipgram(token_ids: np.ndarray, sentence_ids: np.ndarray, counts: np.ndarray, config: SkipGramConfig,
                   progress: ProgressCallback | None = None) -> SkipGramResult:
    """Train skip-gram vectors for the words 0..len(counts)-1 on the corpus of ids; return the target table.

    `token_ids[i]` is the i-th token's word, `sentence_ids[i]` its sentence (pairs never cross sentences),
    `counts[w]` the word's corpus count (it drives subsampling and negative sampling). Progress is reported
    once per chunk of `config.chunk_tokens` tokens.
    """
    if len(token_ids) == 0:
        raise ValueError("no tokens to train on")
    keras.utils.set_random_seed(config.seed)
    generator = PairGenerator(token_ids, sentence_ids, counts, config)
    model = SkipGramModel(len(counts), config.dim, seed=config.seed, name="skipgram")
    model.build()
    target_table = model.target_embedding.embeddings.value
    context_table = model.context_embedding.embeddings.value
    total_tokens = generator.tokens * config.epochs

    # XLA compiles the gathers, dot products and scatter updates into one kernel.
    @tf.function(jit_compile=config.jit_compile)
    def train_step(targets, contexts, negatives, weights, learning_rate):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(skipgram_loss(model((targets, contexts, negatives))) * weights)
        target_gradient, context_gradient = tape.gradient(loss, [target_table, context_table])
        _sparse_sgd(target_table, target_gradient, learning_rate)
        _sparse_sgd(context_table, context_gradient, learning_rate)
        return loss

    @tf.function(input_signature=[
        tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None, None], tf.int32),
        tf.TensorSpec([None, None, config.negatives], tf.int32), tf.TensorSpec([None, None], tf.float32),
        tf.TensorSpec([None], tf.int64), tf.TensorSpec([], tf.int64)])
    def train_chunk(targets, contexts, negatives, weights, done, tokens_before):
        """Every batch of a chunk in one call: (summed loss, pairs)."""
        loss = tf.constant(0.0)
        for step in tf.range(tf.shape(targets)[0]):
            fraction = tf.cast(tokens_before + done[step], tf.float32) / float(total_tokens)
            learning_rate = config.learning_rate * tf.maximum(1.0 - fraction, 1e-4)
            loss += train_step(targets[step], contexts[step], negatives[step], weights[step], learning_rate)
        return loss, tf.reduce_sum(weights)

    notify = progress or (lambda event: None)
    losses: list[float] = []
    pairs_done = 0
    started = cpu_started = None
    first_step_seconds = 0.0
    epoch_loss = [0.0] * config.epochs
    epoch_pairs = [0] * config.epochs
    for epoch, targets, contexts, negatives, weights, done in generator.dataset(config.epochs):
        epoch = int(epoch)
        if started is None:
            started, cpu_started = time.perf_counter(), time.process_time()
        tokens_before = epoch * generator.tokens
        loss, pairs = train_chunk(targets, contexts, negatives, weights, done, tf.constant(tokens_before, tf.int64))
        loss, pairs = float(loss), int(pairs)
        if not np.isfinite(loss):
            raise FloatingPointError(f"skip-gram training diverged (the loss is {loss}) in epoch {epoch + 1}; "
                                     f"lower the learning rate (now {config.learning_rate:g})")
        if not first_step_seconds:
            first_step_seconds = time.perf_counter() - started  # tracing and XLA compilation, mostly
        if pairs:
            losses.append(loss / pairs)
        epoch_loss[epoch] += loss
        epoch_pairs[epoch] += pairs
        pairs_done += pairs
        notify(SkipGramProgress(epoch + 1, config.epochs, tokens_before + int(done[-1]), total_tokens,
                                losses[-1] if losses else None, pairs_done))
    epoch_losses = [total / count if count else float("nan") for total, count in zip(epoch_loss, epoch_pairs)]
    seconds = time.perf_counter() - started if started is not None else 0.0
    cpu_seconds = time.process_time() - cpu_started if cpu_started is not None else 0.0
    vectors = np.asarray(model.target_embedding.embeddings.numpy(), dtype=np.float32)
    return SkipGramResult(vectors=vectors, losses=losses, epoch_losses=epoch_losses, seconds=seconds,
                          tokens=total_tokens, pairs=pairs_done, first_step_seconds=first_step_seconds,
                          cpu_seconds=cpu_seconds)
