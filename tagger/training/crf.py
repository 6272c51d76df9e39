"""A linear-chain CRF output layer: transition scores between tags, trained on whole tag sequences.

A softmax head picks each token's tag on its own; a CRF scores a whole sequence as the sum of the emission
scores (the body's logits) of its tags, plus a score for each pair of neighbouring tags, plus a score for
the first and the last tag. Training maximises the gold sequence's probability among all sequences (the
forward algorithm sums over them, in log space); tagging finds the best sequence with Viterbi. Keras 3 ships
no CRF, so both are written here in TensorFlow; tagger.runtime decodes the exported model the same way in
numpy, with the transition scores the graph carries (tagger.training.export).

Tag id 0 is padding: its emission is pushed to NEG so that no path goes through it. Sentences are padded at
the end; from a sentence's last real token on, the recursions carry their state over unchanged.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers

from tagger.vocab import PAD_ID

NEG = -1e4  # the emission score of the padding tag: no sequence through it can win or weigh anything


@keras.saving.register_keras_serializable(package="postag")
class CRF(layers.Layer):
    """The transition scores of one output head: `transitions[i, j]` for tag i followed by tag j, and the
    scores of starting and ending a sentence with each tag."""

    def __init__(self, tags: int, **kwargs):
        super().__init__(**kwargs)
        self.tags = tags

    def build(self, input_shape=None):
        # Zero: no preference for any pair at first; the emissions alone decide, as a softmax head would.
        self.transitions = self.add_weight(shape=(self.tags, self.tags), initializer="zeros", name="transitions")
        self.start_transitions = self.add_weight(shape=(self.tags,), initializer="zeros", name="start_transitions")
        self.end_transitions = self.add_weight(shape=(self.tags,), initializer="zeros", name="end_transitions")
        self.built = True

    def summed_negative_log_likelihood(self, tag_ids, logits):
        """(-log p(gold sequence) summed over the batch, its real tokens): a replica's share of a global batch."""
        return summed_crf_loss(tag_ids, logits, self.transitions, self.start_transitions, self.end_transitions)

    def get_config(self):
        return {**super().get_config(), "tags": self.tags}


def _emissions(logits):
    logits = tf.cast(logits, tf.float32)
    pad = tf.one_hot(PAD_ID, tf.shape(logits)[-1], on_value=NEG, off_value=0.0, dtype=tf.float32)
    return logits + pad


def sequence_scores(tag_ids, emissions, mask, transitions, start, end):
    """The score of each tag sequence [B]: its emissions, transitions, start and end."""
    mask_f = tf.cast(mask, tf.float32)
    lengths = tf.reduce_sum(tf.cast(mask, tf.int32), axis=1)
    emitted = tf.reduce_sum(tf.gather(emissions, tag_ids, batch_dims=2) * mask_f, axis=1)
    pairs = tf.stack([tag_ids[:, :-1], tag_ids[:, 1:]], axis=-1)
    moved = tf.reduce_sum(tf.gather_nd(transitions, pairs) * mask_f[:, 1:], axis=1)
    last = tf.gather(tag_ids, tf.maximum(lengths - 1, 0), batch_dims=1)
    return emitted + moved + tf.gather(start, tag_ids[:, 0]) + tf.gather(end, last)


def log_partition(emissions, mask, transitions, start, end):
    """log of the summed exp-scores of every tag sequence [B]: the forward algorithm."""
    alpha = start + emissions[:, 0]  # [B, K]
    elements = (tf.transpose(emissions[:, 1:], [1, 0, 2]), tf.transpose(mask[:, 1:]))

    def step(alpha, element):
        emission, real = element
        moved = tf.reduce_logsumexp(alpha[:, :, None] + transitions[None], axis=1) + emission
        return tf.where(real[:, None], moved, alpha)

    alpha = tf.foldl(step, elements, initializer=alpha)
    return tf.reduce_logsumexp(alpha + end[None], axis=1)


def summed_crf_loss(tag_ids, logits, transitions, start, end):
    """(-log p(gold sequence) summed over the batch, the number of real tokens)."""
    tag_ids = tf.cast(tag_ids, tf.int32)
    mask = tf.not_equal(tag_ids, PAD_ID)
    emissions = _emissions(logits)
    nll = log_partition(emissions, mask, transitions, start, end) - sequence_scores(
        tag_ids, emissions, mask, transitions, start, end)
    real = tf.reduce_sum(tf.cast(mask, tf.float32), axis=1)
    nll = tf.where(real > 0, nll, tf.zeros_like(nll))  # an all-padding row has no sequence to score
    return tf.reduce_sum(nll), tf.reduce_sum(real)
