"""The CRF output layer against brute force over every tag sequence: its loss in TensorFlow, its decoding
(Viterbi, marginals) in numpy."""

import itertools

import numpy as np
import pytest

from tagger.crf import Transitions, marginals, viterbi
from tagger.training.crf import summed_crf_loss

TAGS = 4  # id 0 is padding, so three real tags


def crf_loss(tag_ids, logits, transitions, start, end):
    """The CRF's negative log-likelihood per real token, as a compiled head's loss divides it."""
    import tensorflow as tf

    total, tokens = summed_crf_loss(tag_ids, logits, transitions, start, end)
    return total / tf.maximum(tokens, 1.0)


def random_case(seed, batch=3, steps=4):
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, (batch, steps, TAGS)).astype(np.float32)
    crf = Transitions(rng.normal(0, 1, (TAGS, TAGS)).astype(np.float32), rng.normal(0, 1, TAGS).astype(np.float32),
                      rng.normal(0, 1, TAGS).astype(np.float32))
    lengths = np.array([steps, max(steps - 1, 1), 1][:batch])
    return logits, crf, lengths


def score(sequence, emissions, crf):
    total = crf.start[sequence[0]] + crf.end[sequence[-1]] + sum(emissions[t, tag] for t, tag in enumerate(sequence))
    return total + sum(crf.matrix[a, b] for a, b in zip(sequence, sequence[1:]))


def every_sequence(length):
    return itertools.product(range(1, TAGS), repeat=length)  # never the padding tag


def brute_force(emissions, crf, length):
    """(log partition, best sequence, marginals [length, TAGS]) by listing every sequence."""
    sequences = list(every_sequence(length))
    scores = np.array([score(s, emissions[:length], crf) for s in sequences], dtype=np.float64)
    log_z = np.logaddexp.reduce(scores)
    probabilities = np.exp(scores - log_z)
    marginal = np.zeros((length, TAGS))
    for sequence, p in zip(sequences, probabilities):
        marginal[np.arange(length), sequence] += p
    return log_z, list(sequences[int(scores.argmax())]), marginal


@pytest.mark.parametrize("seed", range(5))
def test_loss_is_the_negative_log_likelihood_per_token(seed):
    logits, crf, lengths = random_case(seed)
    rng = np.random.default_rng(seed + 100)
    tag_ids = np.zeros(logits.shape[:2], np.int32)
    expected = 0.0
    for row, length in enumerate(lengths):
        tag_ids[row, :length] = rng.integers(1, TAGS, length)
        log_z, _, _ = brute_force(logits[row], crf, length)
        expected += log_z - score(list(tag_ids[row, :length]), logits[row], crf)
    got = float(crf_loss(tag_ids, logits, crf.matrix, crf.start, crf.end))
    assert got == pytest.approx(expected / lengths.sum(), rel=1e-4, abs=1e-4)


@pytest.mark.parametrize("seed", range(5))
def test_viterbi_finds_the_best_sequence(seed):
    logits, crf, lengths = random_case(seed, steps=5)
    numpy_side = viterbi(logits, lengths, crf)
    for row, length in enumerate(lengths):
        _, best, _ = brute_force(logits[row], crf, length)
        assert list(numpy_side[row, :length]) == best


def test_one_token_batches_decode_and_score_inside_a_graph():
    import tensorflow as tf

    logits, crf, _ = random_case(7, batch=2, steps=1)
    lengths = np.array([1, 1])
    expected = [[int(np.argmax(crf.start[1:] + crf.end[1:] + logits[row, 0, 1:]) + 1)] for row in range(2)]
    assert viterbi(logits, lengths, crf).tolist() == expected
    # The loss traced, as training runs it: an empty scan would fail only there.
    loss = tf.function(lambda y, x: crf_loss(y, x, crf.matrix, crf.start, crf.end))
    tag_ids = np.array([[1], [3]], np.int32)
    expected_loss = sum(brute_force(logits[row], crf, 1)[0] - score([tag_ids[row, 0]], logits[row], crf)
                        for row in range(2)) / 2
    assert float(loss(tag_ids, logits)) == pytest.approx(expected_loss, rel=1e-4)


@pytest.mark.parametrize("seed", range(3))
def test_marginals_match_brute_force_and_sum_to_one(seed):
    logits, crf, lengths = random_case(seed)
    got = marginals(logits, lengths, crf)
    for row, length in enumerate(lengths):
        _, _, expected = brute_force(logits[row], crf, length)
        np.testing.assert_allclose(got[row, :length], expected, atol=1e-5)
        np.testing.assert_allclose(got[row, :length].sum(-1), 1.0, atol=1e-5)


def test_transitions_round_trip_through_json_and_refuse_bad_shapes():
    _, crf, _ = random_case(0)
    again = Transitions.from_json(crf.to_json())
    np.testing.assert_array_equal(again.matrix, crf.matrix)
    with pytest.raises(ValueError):
        Transitions.from_json({**crf.to_json(), "transitions": [[0.0]]})
