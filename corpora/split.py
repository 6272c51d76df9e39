"""Deterministic train/dev/test splits of one list of sentences.

A split spec is two or three numbers, "90/10" (train/dev) or "80/10/10" (train/dev/test); any scale
works ("8/1/1", "0.8/0.1/0.1"). The sentences are cut in file order into CONTIGUOUS blocks: train is
the first part, dev the next, test the last. Contiguous blocks keep the sentences of one document
together (no near-duplicates across splits) and the result is the same every run: no randomness.
"""

from __future__ import annotations

import re

from common.errors import quoted

from .types import CorpusError, Sentence

SPLIT_NAMES = ("train", "dev", "test")


def parse_split(spec: str) -> tuple[float, ...]:
    """Fractions that sum to 1: two (train, dev) or three (train, dev, test)."""
    parts = [part for part in re.split(r"[/,:]", spec.strip()) if part.strip()]
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (2, 3) or any(n < 0 for n in numbers) or numbers[0] <= 0:
        raise CorpusError(
            f"bad split {quoted(spec)}: give train/dev or train/dev/test proportions such as 90/10 or 80/10/10"
        )
    total = sum(numbers)
    return tuple(n / total for n in numbers)


def split_sentences(sentences: list[Sentence], spec: str, source: str = "corpus") -> dict[str, list[Sentence]]:
    """{'train': ..., 'dev': ..., 'test': ...} cut in order; a split given 0 is empty."""
    fractions = parse_split(spec)
    count = len(sentences)
    sizes = [round(count * fraction) for fraction in fractions[1:]]
    train_size = count - sum(sizes)
    requested = [train_size] + sizes
    for name, fraction, size in zip(SPLIT_NAMES, fractions, requested):
        if fraction > 0 and size < 1:
            raise CorpusError(
                f"{source}: {count} sentences are too few to split {spec}: the {name} part would be empty"
            )
    result = {name: [] for name in SPLIT_NAMES}
    start = 0
    for name, size in zip(SPLIT_NAMES, requested):
        result[name] = sentences[start : start + size]
        start += size
    return result
