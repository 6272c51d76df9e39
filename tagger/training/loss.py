"""The masked sequence loss: padding never counts.

Models return logits; the loss applies softmax cross-entropy itself (from_logits) and averages over real
tokens only, so a batch of short sentences padded to a long one weighs exactly as its words do.
"""

from __future__ import annotations

from keras import ops

from tagger.vocab import PAD_ID


def token_mask(tag_ids):
    """1.0 for real tokens, 0.0 for padding, read from the gold tags."""
    return ops.cast(ops.not_equal(tag_ids, PAD_ID), "float32")


def sequence_loss(tag_ids, logits, mask=None, label_smoothing: float = 0.0):
    """Cross-entropy from logits averaged over the real tokens: sum(ce * mask) / sum(mask).

    With `label_smoothing` s the target puts 1 - s on the gold tag and spreads s evenly over every real tag
    (never the padding tag, which no token may get): overconfident logits then cost something.
    """
    total, tokens = summed_sequence_loss(tag_ids, logits, mask, label_smoothing)
    return total / ops.maximum(tokens, 1.0)


def summed_sequence_loss(tag_ids, logits, mask=None, label_smoothing: float = 0.0):
    """(cross-entropy from logits summed over the real tokens, the number of real tokens).

    A replica holding part of a global batch divides the sum by the global batch's real tokens, so that
    the replicas' losses add up to `sequence_loss` of the whole batch (tagger.training.distributed).
    """
    tag_ids = ops.cast(tag_ids, "int32")
    if mask is None:
        mask = token_mask(tag_ids)
    mask = ops.cast(mask, "float32")
    logits = ops.cast(logits, "float32")
    per_token = ops.sparse_categorical_crossentropy(tag_ids, logits, from_logits=True)
    if label_smoothing:
        log_probabilities = ops.log_softmax(logits, axis=-1)
        spread = -ops.mean(log_probabilities[..., PAD_ID + 1 :], axis=-1)
        per_token = (1.0 - label_smoothing) * per_token + label_smoothing * spread
    return ops.sum(per_token * mask), ops.sum(mask)


def summed_smoothed_sequence_loss(label_smoothing: float):
    """summed_sequence_loss with this label smoothing: (tag_ids, logits) -> (sum, real tokens)."""

    def loss(tag_ids, logits):
        return summed_sequence_loss(tag_ids, logits, label_smoothing=label_smoothing)

    return loss


def mean_over_tokens(summed_loss):
    """A (tag_ids, logits) -> (sum, real tokens) loss as the per-token mean that Keras' compile takes."""

    def loss(tag_ids, logits):
        total, tokens = summed_loss(tag_ids, logits)
        return total / ops.maximum(tokens, 1.0)

    return loss


def summed_distilled_loss(summed_loss, weight: float):
    """A head's summed loss that also learns a teacher's tag probabilities: targets [B, T, 1 + tags] hold the
    gold tag id in channel 0 and the teacher's probability of every tag after it (padding rows all zero).

    (1 - weight) * the head's own loss on the gold tags + weight * the cross-entropy from the teacher's
    probabilities to the softmax of the logits (a CRF head's emissions: its marginals are not at hand in a
    training step), both summed over real tokens.
    """

    def loss(targets, logits):
        targets = ops.cast(targets, "float32")
        tag_ids = ops.cast(targets[..., 0], "int32")
        total, tokens = summed_loss(tag_ids, logits)
        log_probabilities = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
        soft = -ops.sum(targets[..., 1:] * log_probabilities, axis=-1)
        return (1.0 - weight) * total + weight * ops.sum(soft * token_mask(tag_ids)), tokens

    return loss
