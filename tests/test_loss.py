import numpy as np
import pytest
from keras import ops

from tagger.training.loss import sequence_loss


def numpy_sequence_loss(tags, logits):
    shifted = logits - logits.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    mask = tags != 0
    picked = np.take_along_axis(log_probs, tags[..., None], -1)[..., 0]
    return -(picked * mask).sum() / mask.sum()


def test_matches_numpy_on_a_padded_batch():
    rng = np.random.default_rng(0)
    tags = np.array([[1, 2, 3, 0, 0], [2, 2, 0, 0, 0]])
    logits = rng.normal(size=(2, 5, 4)).astype("float32")
    got = float(ops.convert_to_numpy(sequence_loss(tags, logits)))
    assert got == pytest.approx(numpy_sequence_loss(tags, logits), rel=1e-5)


def test_padding_contributes_exactly_zero():
    rng = np.random.default_rng(1)
    tags = np.array([[1, 2, 0, 0]])
    logits = rng.normal(size=(1, 4, 3)).astype("float32")
    changed = logits.copy()
    changed[0, 2:] = rng.normal(size=(2, 3)) * 100  # wild logits at padded positions
    assert float(ops.convert_to_numpy(sequence_loss(tags, logits))) == float(
        ops.convert_to_numpy(sequence_loss(tags, changed)))


def test_average_is_over_real_tokens_not_padded_length():
    logits = np.zeros((1, 10, 3), dtype="float32")  # uniform: every real token costs log(3)
    short = np.array([[1, 2] + [0] * 8])
    assert float(ops.convert_to_numpy(sequence_loss(short, logits))) == pytest.approx(np.log(3), rel=1e-6)


def test_all_padding_gives_zero_not_nan():
    loss = sequence_loss(np.zeros((2, 3)), np.ones((2, 3, 4), dtype="float32"))
    assert float(ops.convert_to_numpy(loss)) == 0.0
