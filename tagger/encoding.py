"""Sentences of words (and tags) to padded integer arrays, and length-bucketed batches."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from .vocab import BOW, EOW, PAD_ID, Vocabularies

AFFIX_KINDS = ("prefix1", "prefix2", "suffix1", "suffix2", "suffix3", "shape")


def word_shape(word: str) -> str:
    """'Xxx' for Hello, 'dd' for 1990, 'X.X.' for U.S.: letters by case, digits as d, runs cut to two."""
    shape: list[str] = []
    for char in word:
        symbol = "X" if char.isupper() else "x" if char.isalpha() else "d" if char.isdigit() else char
        if len(shape) < 2 or not (shape[-1] == shape[-2] == symbol):
            shape.append(symbol)
    return "".join(shape)


def affix_ids(word: str, buckets: int) -> list[int]:
    """Hashed ids (1..buckets; 0 is padding) of the word's prefixes, suffixes and shape.

    Hashing (CRC-32, the same in every process) needs no vocabulary file and gives unseen affixes an id.
    """
    lower = word.lower()
    values = (lower[:1], lower[:2], lower[-1:], lower[-2:], lower[-3:], word_shape(word))
    return [zlib.crc32(f"{kind}:{value}".encode()) % buckets + 1 for kind, value in zip(AFFIX_KINDS, values)]


class SentenceEncoder:
    """Turns word lists into model inputs with 0 as padding everywhere:

    words [B, T] word ids, chars [B, T, C] character ids, affixes [B, T, 6] hashed prefix/suffix/shape ids.
    """

    def __init__(self, vocabs: Vocabularies, max_word_length: int, affix_buckets: int = 0):
        self.vocabs = vocabs
        self.max_word_length = max_word_length
        self.affix_buckets = affix_buckets
        self._char_cache: dict[str, list[int]] = {}
        self._affix_cache: dict[str, list[int]] = {}
        self._bow, self._eow = vocabs.chars.id(BOW), vocabs.chars.id(EOW)

    def char_ids(self, word: str) -> list[int]:
        """The word's character ids between begin- and end-of-word marks."""
        cached = self._char_cache.get(word)
        if cached is None:
            if len(word) > self.max_word_length:  # keep both ends: prefixes and suffixes carry the tag
                head = self.max_word_length // 2
                word_chars = word[:head] + word[len(word) - (self.max_word_length - head):]
            else:
                word_chars = word
            cached = [self._bow, *self.vocabs.chars.ids(word_chars), self._eow]
            if len(self._char_cache) < 500_000:
                self._char_cache[word] = cached
        return cached

    def affix_ids(self, word: str) -> list[int]:
        cached = self._affix_cache.get(word)
        if cached is None:
            cached = affix_ids(word, self.affix_buckets) if self.affix_buckets else [PAD_ID] * len(AFFIX_KINDS)
            if len(self._affix_cache) < 500_000:
                self._affix_cache[word] = cached
        return cached

    def inputs(self, sentences: Sequence[Sequence[str]]) -> dict[str, np.ndarray]:
        """The model's input dict for a batch of sentences."""
        words, chars, affixes = self.encode(sentences)
        return {"words": words, "chars": chars, "affixes": affixes}

    def encode(self, sentences: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        batch = len(sentences)
        length = max((len(s) for s in sentences), default=0) or 1
        chars = [[self.char_ids(w) for w in s] for s in sentences]
        width = max((len(c) for sentence in chars for c in sentence), default=0) or 1
        word_ids = np.full((batch, length), PAD_ID, dtype=np.int32)
        char_ids = np.full((batch, length, width), PAD_ID, dtype=np.int32)
        affixes = np.full((batch, length, len(AFFIX_KINDS)), PAD_ID, dtype=np.int32)
        vocab, key = self.vocabs.words, self.vocabs.word_key
        for i, sentence in enumerate(sentences):
            if not sentence:
                continue
            word_ids[i, : len(sentence)] = [vocab.id(key(w)) for w in sentence]
            affixes[i, : len(sentence)] = [self.affix_ids(w) for w in sentence]
            for j, ids in enumerate(chars[i]):
                char_ids[i, j, : len(ids)] = ids
        return word_ids, char_ids, affixes

    def encode_tags(self, tag_sequences: Sequence[Sequence[str]], length: int | None = None) -> np.ndarray:
        length = length or max((len(t) for t in tag_sequences), default=0) or 1
        tag_ids = np.full((len(tag_sequences), length), PAD_ID, dtype=np.int32)
        for i, tags in enumerate(tag_sequences):
            try:
                tag_ids[i, : len(tags)] = self.vocabs.tags.ids(tags)
            except KeyError as error:
                raise ValueError(f"tag {error.args[0]} is not in the model's tagset") from None
        return tag_ids


def length_batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator | None = None,
                   max_tokens: int | None = None) -> list[np.ndarray]:
    """Indices grouped into batches of similar length, so little of each batch is padding.

    With `rng`, sentences are shuffled before sorting (ties break randomly) and the batch order is
    shuffled, so every epoch sees different batches; without it the order is deterministic.
    `max_tokens` caps batch_size x longest length, which keeps inference memory flat on long sentences.
    """
    lengths = np.asarray(lengths)
    order = np.arange(len(lengths))
    if rng is not None:
        order = rng.permutation(order)
    order = order[np.argsort(lengths[order], kind="stable")]
    batches = []
    start = 0
    while start < len(order):
        size = batch_size
        if max_tokens:
            longest = max(int(lengths[order[min(start + size, len(order)) - 1]]), 1)
            size = max(1, min(batch_size, max_tokens // longest))
        batches.append(order[start : start + size])
        start += size
    if rng is not None:
        rng.shuffle(batches)
    return batches
