"""Decoding a CRF output head in numpy, at tagging time (no TensorFlow): Viterbi and tag marginals.

The same recursions as tagger.training.crf, batched over sentences padded at the end: from a sentence's
last real token on, each recursion carries its state over unchanged. Tag id 0 is padding and never chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .vocab import PAD_ID

NEG = -1e4  # as tagger.training.crf: the padding tag's emission


@dataclass(frozen=True)
class Transitions:
    """One head's CRF scores: `matrix[i, j]` for tag i followed by tag j; `start` and `end` per tag."""

    matrix: np.ndarray  # [K, K] float32
    start: np.ndarray  # [K]
    end: np.ndarray  # [K]

    @classmethod
    def from_json(cls, data: dict) -> Transitions:
        matrix, start, end = (np.asarray(data[key], dtype=np.float32) for key in ("transitions", "start", "end"))
        tags = len(start)
        if matrix.shape != (tags, tags) or end.shape != (tags,) or not np.isfinite(matrix).all():
            raise ValueError(f"CRF transitions of shape {matrix.shape}, {start.shape}, {end.shape} do not fit")
        return cls(matrix, start, end)

    def to_json(self) -> dict:
        return {"transitions": self.matrix.tolist(), "start": self.start.tolist(), "end": self.end.tolist()}


def _emissions(logits: np.ndarray) -> np.ndarray:
    emissions = np.array(logits, dtype=np.float32)
    emissions[..., PAD_ID] += NEG
    return emissions


def viterbi(logits: np.ndarray, lengths, crf: Transitions) -> np.ndarray:
    """The best tag ids [B, T] for emissions [B, T, K]; positions past a sentence's length repeat its last tag."""
    emissions = _emissions(logits)
    batch, steps, tags = emissions.shape
    mask = np.arange(steps)[None, :] < np.asarray(lengths)[:, None]
    identity = np.broadcast_to(np.arange(tags), (batch, tags))
    score = crf.start + emissions[:, 0]
    backpointers = np.empty((max(steps - 1, 0), batch, tags), dtype=np.int64)
    for t in range(1, steps):
        candidates = score[:, :, None] + crf.matrix[None]
        best_previous = candidates.argmax(axis=1)
        moved = np.take_along_axis(candidates, best_previous[:, None, :], axis=1)[:, 0] + emissions[:, t]
        real = mask[:, t, None]
        score = np.where(real, moved, score)
        backpointers[t - 1] = np.where(real, best_previous, identity)
    path = np.empty((batch, steps), dtype=np.int64)
    path[:, -1] = (score + crf.end).argmax(axis=1)
    rows = np.arange(batch)
    for t in range(steps - 1, 0, -1):
        path[:, t - 1] = backpointers[t - 1][rows, path[:, t]]
    return path


def _logsumexp(values: np.ndarray, axis: int) -> np.ndarray:
    top = values.max(axis=axis, keepdims=True)
    return np.squeeze(top, axis) + np.log(np.exp(values - top).sum(axis=axis))


def marginals(logits: np.ndarray, lengths, crf: Transitions) -> np.ndarray:
    """p(tag at position t) [B, T, K] over all tag sequences (forward-backward); padding tag at 0."""
    emissions = _emissions(logits)
    batch, steps, tags = emissions.shape
    mask = np.arange(steps)[None, :] < np.asarray(lengths)[:, None]
    alpha = np.empty_like(emissions)
    alpha[:, 0] = crf.start + emissions[:, 0]
    for t in range(1, steps):
        moved = _logsumexp(alpha[:, t - 1, :, None] + crf.matrix[None], axis=1) + emissions[:, t]
        alpha[:, t] = np.where(mask[:, t, None], moved, alpha[:, t - 1])
    beta = np.empty_like(emissions)
    beta[:, -1] = crf.end
    for t in range(steps - 2, -1, -1):
        moved = _logsumexp(crf.matrix[None] + (emissions[:, t + 1] + beta[:, t + 1])[:, None, :], axis=2)
        # The next position is padding: t is the sentence's last token (or padding itself), which ends it.
        beta[:, t] = np.where(mask[:, t + 1, None], moved, crf.end)
    log_z = _logsumexp(alpha[:, -1] + crf.end, axis=1)
    return np.exp(alpha + beta - log_z[:, None, None])
