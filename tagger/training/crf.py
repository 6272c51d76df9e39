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

    def decode(self, logits, mask):
        """The best tag sequence [B, T] (int32) under the emissions `logits` [B, T, K] and these transitions."""
        return viterbi_decode(logits, mask, self.transitions, self.start_transitions, self.end_transitions)

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


def crf_loss(tag_ids, logits, transitions, start, end):
    total, tokens = summed_crf_loss(tag_ids, logits, transitions, start, end)
    return total / tf.maximum(tokens, 1.0)


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


def viterbi_decode(logits, mask, transitions, start, end):
    emissions = _emissions(logits)
    mask = tf.cast(mask, tf.bool)
    batch, steps, tags = tf.shape(emissions)[0], tf.shape(emissions)[1], tf.shape(emissions)[2]
    identity = tf.tile(tf.range(tags)[None], [batch, 1])
    # Every scan runs over all T positions, so that none is empty for one-token batches (an empty scan cannot
    # stack its outputs inside a tf.function). Position 0 starts from a score of zero for every "previous"
    # tag with the start scores as its transitions; its backpointers are never followed.
    first = tf.range(steps) == 0
    elements = (tf.transpose(emissions, [1, 0, 2]), tf.transpose(mask), first)

    def step(carry, element):
        score, _ = carry
        emission, real, is_first = element
        moving = tf.where(is_first, tf.broadcast_to(start[None], tf.shape(transitions)), transitions)
        candidates = score[:, :, None] + moving[None]  # [B, previous tag, tag]
        best_previous = tf.argmax(candidates, axis=1, output_type=tf.int32)
        moved = tf.reduce_max(candidates, axis=1) + emission
        # Past the sentence's end the score stays and each tag points to itself, so the last real tag
        # is carried to the end and back.
        keep = tf.logical_and(tf.logical_not(real), tf.logical_not(is_first))[:, None]
        return tf.where(keep, score, moved), tf.where(keep, identity, best_previous)

    zeros = tf.zeros([batch, tags], tf.float32)
    scores, backpointers = tf.scan(step, elements, initializer=(zeros, identity))
    best_last = tf.argmax(scores[-1] + end[None], axis=1, output_type=tf.int32)

    def back(tag, pointers):
        return tf.gather(pointers, tag, batch_dims=1)

    # From position T-1 down to 0: the tags at T-2 .. 0, then one from position 0's unused pointers.
    earlier = tf.scan(back, tf.reverse(backpointers, [0]), initializer=best_last)
    path = tf.concat([tf.reverse(earlier[:-1], [0]), best_last[None]], axis=0)
    return tf.transpose(path)
