"""Skip-gram with negative sampling (word2vec), in TensorFlow: learns word vectors from running text.

Input is integer ids only: a flat array of word ids (0 .. vocabulary-1, most frequent first), the sentence
each token belongs to, and each word's count. No files, no strings.

Data: `PairGenerator` turns the corpus into (target, context, negatives) training examples with NumPy, a
chunk of sentences at a time, the way word2vec does it:
- subsampling: a token of a frequent word is dropped with probability 1 - (sqrt(f/t) + 1) t/f, where f is
  the word's share of the corpus and t = `subsample`, so "the" and "of" do not swamp the pairs;
- dynamic window: each target draws its window b uniformly from 1..window, and pairs with the words up to
  b positions away in the same sentence, so near words count more than far ones;
- negatives: `negatives` words per pair drawn from the unigram distribution raised to the 3/4 power.
The chunks are fed through a tf.data pipeline (a generator with prefetch, so NumPy builds the next batches
while TensorFlow trains on the current ones).

Model: `SkipGramModel`, a small Keras model with two embedding tables, target (the vectors kept) and
context; the logit of a (target, word) pair is the dot product of their vectors. Loss: sigmoid
cross-entropy on the logits, label 1 for the true context and 0 for the negatives, summed over a batch.

Updates: sparse SGD, as word2vec: only the rows a batch touches change, by the sum of their gradients, with
a learning rate decaying linearly to nearly zero over training. Large batches (thousands of pairs) keep
TensorFlow's per-step cost small, and the whole step (gathers, dot products, scatter updates) is compiled
by XLA, several times faster on CPU than TensorFlow's op-by-op scatter.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
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
    chunk_tokens: int = 200_000  # corpus tokens turned into pairs at once (memory vs. overhead)
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
    losses: list[float]  # mean loss per pair, one entry per reported stretch of training, in order
    epoch_losses: list[float]
    seconds: float  # training time, from the first batch to the last update (compilation included)
    tokens: int  # corpus tokens processed, all epochs (counted before subsampling)
    pairs: int
    first_step_seconds: float = 0.0  # the first update: tracing and XLA compilation, mostly
    cpu_seconds: float = 0.0  # process CPU time over `seconds` (all threads): the cost, whatever else runs

    @property
    def words_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0


ProgressCallback = Callable[[SkipGramProgress], None]


class PairGenerator:
    """(targets, contexts, negatives) batches from a corpus of word ids, built with NumPy a chunk at a time."""

    def __init__(self, token_ids: np.ndarray, sentence_ids: np.ndarray, counts: np.ndarray, config: SkipGramConfig,
                 negative_table_size: int = 10_000_000):
        token_ids = np.asarray(token_ids, dtype=np.int32)
        sentence_ids = np.asarray(sentence_ids, dtype=np.int64)
        counts = np.asarray(counts, dtype=np.float64)
        if token_ids.shape != sentence_ids.shape or token_ids.ndim != 1:
            raise ValueError("token_ids and sentence_ids must be flat arrays of the same length")
        if len(counts) == 0 or (len(token_ids) and (token_ids.min() < 0 or token_ids.max() >= len(counts))):
            raise ValueError("every token id must index `counts`")
        self.token_ids = token_ids
        self.sentence_ids = sentence_ids
        self.config = config
        total = counts.sum()
        if config.subsample > 0 and total > 0:
            share = counts / total
            with np.errstate(divide="ignore", invalid="ignore"):
                keep = (np.sqrt(share / config.subsample) + 1) * config.subsample / share
            self.keep_probability = np.nan_to_num(np.minimum(keep, 1.0), nan=1.0).astype(np.float32)
        else:
            self.keep_probability = np.ones(len(counts), dtype=np.float32)
        # word2vec's table: each word fills a share of the slots proportional to count^0.75, so drawing a
        # random slot is drawing from the smoothed unigram distribution, in O(1).
        weights = counts ** 0.75
        weights = weights / weights.sum()
        size = max(negative_table_size, 100 * len(counts)) if len(counts) > 1 else 1
        boundaries = np.round(np.cumsum(weights) * size).astype(np.int64)
        self.negative_table = np.repeat(np.arange(len(counts), dtype=np.int32),
                                        np.diff(np.concatenate([[0], boundaries])))
        # Chunks end at sentence boundaries so no pair is lost at a cut.
        starts = np.flatnonzero(np.diff(sentence_ids, prepend=sentence_ids[:1] - 1)) if len(sentence_ids) else []
        self.sentence_starts = np.asarray(starts, dtype=np.int64)

    @property
    def tokens(self) -> int:
        return len(self.token_ids)

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

    def pairs(self, start: int, end: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Shuffled (targets, contexts) of the tokens start..end, after subsampling, with dynamic windows."""
        ids = self.token_ids[start:end]
        sentences = self.sentence_ids[start:end]
        kept = rng.random(len(ids), dtype=np.float32) < self.keep_probability[ids]
        ids, sentences = ids[kept], sentences[kept]
        reach = rng.integers(1, self.config.window + 1, size=len(ids))
        targets, contexts = [], []
        for distance in range(1, min(self.config.window, max(len(ids) - 1, 0)) + 1):
            same_sentence = sentences[:-distance] == sentences[distance:]
            left, right = ids[:-distance], ids[distance:]
            forward = same_sentence & (reach[:-distance] >= distance)  # target on the left, context right
            backward = same_sentence & (reach[distance:] >= distance)  # target on the right, context left
            targets += [left[forward], right[backward]]
            contexts += [right[forward], left[backward]]
        if not targets:
            return np.zeros(0, np.int32), np.zeros(0, np.int32)
        targets_array, contexts_array = np.concatenate(targets), np.concatenate(contexts)
        order = rng.permutation(len(targets_array))
        return targets_array[order], contexts_array[order]

    def negatives(self, count: int, rng: np.random.Generator) -> np.ndarray:
        slots = rng.integers(0, len(self.negative_table), size=(count, self.config.negatives))
        return self.negative_table[slots]

    def batches(self, epoch: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """Per chunk, its batches stacked: (targets [n, B], contexts [n, B], negatives [n, B, K], done [n]).

        `done` is the corpus tokens of this epoch done once that batch is trained. A chunk whose pairs do not
        fill its last batch yields that batch on its own, as a stack of one.
        """
        rng = np.random.default_rng([self.config.seed, epoch])
        batch_size = self.config.batch_size
        for start, end in self.chunk_bounds():
            targets, contexts = self.pairs(start, end, rng)
            negatives = self.negatives(len(targets), rng)
            steps = math.ceil(len(targets) / batch_size)
            # Tokens done are spread over the chunk's batches, for a smooth bar and learning-rate decay.
            done = start + (end - start) * np.arange(1, steps + 1, dtype=np.int64) // max(steps, 1)
            full = len(targets) // batch_size
            if full:
                cut = full * batch_size
                yield (targets[:cut].reshape(full, batch_size), contexts[:cut].reshape(full, batch_size),
                       negatives[:cut].reshape(full, batch_size, -1), done[:full])
            if len(targets) > full * batch_size:
                cut = full * batch_size
                yield targets[None, cut:], contexts[None, cut:], negatives[None, cut:], done[full:]

    def dataset(self, epoch: int) -> tf.data.Dataset:
        """The epoch's batches as a tf.data pipeline: NumPy builds a chunk's batches in a background thread
        (one Python call per chunk, not per batch), `unbatch` splits them, `prefetch` keeps some ready."""
        signature = (tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None, None], tf.int32),
                     tf.TensorSpec([None, None, self.config.negatives], tf.int32), tf.TensorSpec([None], tf.int64))
        chunks = tf.data.Dataset.from_generator(lambda: self.batches(epoch), output_signature=signature)
        return chunks.prefetch(1).unbatch().prefetch(16)


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
                   progress: ProgressCallback | None = None, report_every: int = 50) -> SkipGramResult:
    """Train skip-gram vectors for the words 0..len(counts)-1 on the corpus of ids; return the target table.

    `token_ids[i]` is the i-th token's word, `sentence_ids[i]` its sentence (pairs never cross sentences),
    `counts[w]` the word's corpus count (it drives subsampling and negative sampling).
    """
    if len(token_ids) == 0:
        raise ValueError("no tokens to train on")
    keras.utils.set_random_seed(config.seed)
    generator = PairGenerator(token_ids, sentence_ids, counts, config)
    model = SkipGramModel(len(counts), config.dim, seed=config.seed, name="skipgram")
    model.build()
    target_table = model.target_embedding.embeddings.value
    context_table = model.context_embedding.embeddings.value

    # XLA compiles the gathers, dot products and scatter updates into one kernel.
    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32), tf.TensorSpec([None], tf.int32),
                                  tf.TensorSpec([None, config.negatives], tf.int32), tf.TensorSpec([], tf.float32)],
                 jit_compile=config.jit_compile)
    def train_step(targets, contexts, negatives, learning_rate):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(skipgram_loss(model((targets, contexts, negatives))))
        target_gradient, context_gradient = tape.gradient(loss, [target_table, context_table])
        _sparse_sgd(target_table, target_gradient, learning_rate)
        _sparse_sgd(context_table, context_gradient, learning_rate)
        return loss

    notify = progress or (lambda event: None)
    total_tokens = generator.tokens * config.epochs
    losses: list[float] = []
    epoch_losses: list[float] = []
    pairs_done = 0
    started = cpu_started = None
    first_step_seconds = 0.0
    for epoch in range(config.epochs):
        epoch_loss, epoch_pairs = 0.0, 0
        stretch_loss, stretch_pairs = 0.0, 0
        for step, (targets, contexts, negatives, done) in enumerate(generator.dataset(epoch)):
            if started is None:
                started, cpu_started = time.perf_counter(), time.process_time()
            batch = int(targets.shape[0])
            if batch == 0:
                continue
            tokens_done = epoch * generator.tokens + int(done)
            fraction = tokens_done / total_tokens
            learning_rate = config.learning_rate * max(1.0 - fraction, 1e-4)
            loss = train_step(targets, contexts, negatives, tf.constant(learning_rate, tf.float32))
            stretch_loss += float(loss)
            if not first_step_seconds:
                first_step_seconds = time.perf_counter() - started
            stretch_pairs += batch
            pairs_done += batch
            if step % report_every == 0:
                epoch_loss, epoch_pairs = epoch_loss + stretch_loss, epoch_pairs + stretch_pairs
                losses.append(stretch_loss / stretch_pairs)
                notify(SkipGramProgress(epoch + 1, config.epochs, tokens_done, total_tokens, losses[-1], pairs_done))
                stretch_loss, stretch_pairs = 0.0, 0
        if stretch_pairs:
            epoch_loss, epoch_pairs = epoch_loss + stretch_loss, epoch_pairs + stretch_pairs
            losses.append(stretch_loss / stretch_pairs)
        epoch_losses.append(epoch_loss / epoch_pairs if epoch_pairs else float("nan"))
        notify(SkipGramProgress(epoch + 1, config.epochs, (epoch + 1) * generator.tokens, total_tokens,
                                losses[-1] if losses else None, pairs_done))
    seconds = time.perf_counter() - started if started is not None else 0.0
    cpu_seconds = time.process_time() - cpu_started if cpu_started is not None else 0.0
    vectors = np.asarray(model.target_embedding.embeddings.numpy(), dtype=np.float32)
    return SkipGramResult(vectors=vectors, losses=losses, epoch_losses=epoch_losses, seconds=seconds,
                          tokens=total_tokens, pairs=pairs_done, first_step_seconds=first_step_seconds,
                          cpu_seconds=cpu_seconds)
