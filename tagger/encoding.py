"""Sentences of words (and tags) to padded integer arrays, and length-bucketed batches."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from .vocab import BOW, EOW, LM_BREAK, PAD_ID, Vocabularies

# Per-encoder memo limits: a text's frequent spellings come first and stay; the memos hold a few hundred bytes
# a spelling, so memory stays bounded (tens of MB) for endless streams of text of any vocabulary.
CACHE_LIMIT = 100_000

# Prefixes and suffixes up to these lengths, and the word's shape, each a hashed id: for words never seen in
# training they carry most of the tag ("-ness", "-ized", "un-"); measured on EWT, going from 2/3 to 4/5
# raised the context-free fcn by 0.3 points.
PREFIX_LENGTHS = (1, 2, 3, 4)
SUFFIX_LENGTHS = (1, 2, 3, 4, 5)
AFFIX_KINDS = (*(f"prefix{n}" for n in PREFIX_LENGTHS), *(f"suffix{n}" for n in SUFFIX_LENGTHS), "shape")


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
    values = (*(lower[:n] for n in PREFIX_LENGTHS), *(lower[-n:] for n in SUFFIX_LENGTHS), word_shape(word))
    return [zlib.crc32(f"{kind}:{value}".encode()) % buckets + 1 for kind, value in zip(AFFIX_KINDS, values)]


class SentenceEncoder:
    """Turns word lists into model inputs, with 0 as padding everywhere:

    - words [B, T]: word ids;
    - spellings [S, C]: the character ids of each distinct spelling in the batch, row 0 all padding;
    - spelling_index [B, T]: the row of `spellings` for each word (0 at padding);
    - affixes [B, T, 10]: hashed prefix, suffix and shape ids, one per AFFIX_KINDS entry;
    - with a character language model (vocabs.lm_chars): lm_chars [B, L], each sentence's words joined by
      spaces between two newlines, in the LM's character ids; lm_forward and lm_backward [B, T], for each
      word the flat index (row * L + position) of the character just after it and just before it, where
      the LM's forward and backward states describe it (tagger.training.charlm).

    Characters come once per distinct spelling rather than once per token: a batch of sentences repeats
    "the", "," and "." many times, and the character CNN is then the dearest part of the input encoder.
    """

    def __init__(self, vocabs: Vocabularies, max_word_length: int, affix_buckets: int = 0, char_kernel: int = 3):
        self.vocabs = vocabs
        # Padding columns after the longest spelling: as many as the char CNN's window reaches past a
        # character, so that every word's last windows see padding characters, never the convolution's own
        # zero padding. A word's character features are then the same in every batch (the longest word of a
        # batch would otherwise differ), which lets the runtime keep them between batches.
        self.char_padding = (char_kernel - 1) - (char_kernel - 1) // 2
        self.max_word_length = max_word_length
        self.affix_buckets = affix_buckets
        self._char_cache: dict[str, list[int]] = {}
        self._affix_cache: dict[str, list[int]] = {}
        self._spelling_cache: dict[str, tuple[int, list[int], list[int]]] = {}
        self._bow, self._eow = vocabs.chars.id(BOW), vocabs.chars.id(EOW)
        self._lm_break = vocabs.lm_chars.id(LM_BREAK) if vocabs.lm_chars is not None else PAD_ID
        self._lm_space = vocabs.lm_chars.id(" ") if vocabs.lm_chars is not None else PAD_ID
        self._lm_cache: dict[str, list[int]] = {}

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
            if len(self._char_cache) < CACHE_LIMIT:
                self._char_cache[word] = cached
        return cached

    def affix_ids(self, word: str) -> list[int]:
        cached = self._affix_cache.get(word)
        if cached is None:
            cached = affix_ids(word, self.affix_buckets) if self.affix_buckets else [PAD_ID] * len(AFFIX_KINDS)
            if len(self._affix_cache) < CACHE_LIMIT:
                self._affix_cache[word] = cached
        return cached

    def inputs(self, sentences: Sequence[Sequence[str]]) -> dict[str, np.ndarray]:
        """The model's input dict for a batch of sentences."""
        batch = len(sentences)
        length = max((len(s) for s in sentences), default=0) or 1
        rows: dict[str, int] = {}  # spelling -> its row in `spellings`; row 0 is padding
        word_ids = np.full((batch, length), PAD_ID, dtype=np.int32)
        spelling_index = np.full((batch, length), PAD_ID, dtype=np.int32)
        affixes = np.full((batch, length, len(AFFIX_KINDS)), PAD_ID, dtype=np.int32)
        vocab, key = self.vocabs.words, self.vocabs.word_key
        for i, sentence in enumerate(sentences):
            if not sentence:
                continue
            word_ids[i, : len(sentence)] = [vocab.id(key(w)) for w in sentence]
            spelling_index[i, : len(sentence)] = [rows.setdefault(w, len(rows) + 1) for w in sentence]
            affixes[i, : len(sentence)] = [self.affix_ids(w) for w in sentence]
        chars = [self.char_ids(w) for w in rows]
        width = max((len(c) for c in chars), default=0) + self.char_padding or 1
        spellings = np.full((len(rows) + 1, width), PAD_ID, dtype=np.int32)
        for row, ids in enumerate(chars, start=1):
            spellings[row, : len(ids)] = ids
        inputs = {"words": word_ids, "spellings": spellings, "spelling_index": spelling_index, "affixes": affixes}
        if self.vocabs.lm_chars is not None:
            inputs.update(self.lm_inputs(sentences, length))
        return inputs

    def lm_char_ids(self, word: str) -> list[int]:
        cached = self._lm_cache.get(word)
        if cached is None:
            cached = self.vocabs.lm_chars.ids(word)
            if len(self._lm_cache) < CACHE_LIMIT:
                self._lm_cache[word] = cached
        return cached

    def lm_inputs(self, sentences: Sequence[Sequence[str]], length: int) -> dict[str, np.ndarray]:
        rows, forward, backward = [], np.zeros((len(sentences), length), np.int32), np.zeros(
            (len(sentences), length), np.int32)
        for sentence in sentences:
            ids, starts, ends = [self._lm_break], [], []
            for word in sentence:
                if len(ids) > 1:
                    ids.append(self._lm_space)
                starts.append(len(ids))
                ids.extend(self.lm_char_ids(word))
                ends.append(len(ids))
            ids.append(self._lm_break)
            rows.append((ids, starts, ends))
        width = max(len(ids) for ids, _, _ in rows) if rows else 1
        chars = np.full((len(sentences), width), PAD_ID, dtype=np.int32)
        for row, (ids, starts, ends) in enumerate(rows):
            chars[row, : len(ids)] = ids
            # After the word: the space or newline that follows it; before it: the one that precedes it.
            forward[row, : len(ends)] = np.asarray(ends, np.int64) + row * width
            backward[row, : len(starts)] = np.asarray(starts, np.int64) - 1 + row * width
        return {"lm_chars": chars, "lm_forward": forward, "lm_backward": backward}

    def spelling_inputs(self, sentences: Sequence[Sequence[str]],
                        known: dict[str, int] | None = None) -> tuple[dict[str, np.ndarray], list[str], list[int]]:
        """The runtime graph's inputs (tagger.training.export): the batch's distinct spellings, one row each.

        Returns (inputs, new spellings, known rows): `known` maps spellings whose encoder rows the caller kept
        from earlier batches to those rows; they are left out of the new rows, and spelling_index points past
        the new rows to them, in the order of `known rows` (the caller supplies their features).
        - spelling_index [B, T]: each position's row (0 at padding);
        - spelling_words [S], spellings [S, C], spelling_affixes [S, A]: the new spellings' word id, characters
          and affixes; row 0 is padding.
        Per position this is one dictionary lookup; the rest is done once per spelling.
        """
        batch = len(sentences)
        length = max((len(s) for s in sentences), default=0) or 1
        seen: dict[str, int] = {}  # spelling -> provisional row, in order of first appearance
        provisional = np.zeros((batch, length), dtype=np.int32)
        for i, sentence in enumerate(sentences):
            if sentence:
                provisional[i, : len(sentence)] = [seen.setdefault(w, len(seen) + 1) for w in sentence]
        new: list[str] = []
        known_rows: list[int] = []
        final = np.zeros(len(seen) + 1, dtype=np.int32)  # provisional row -> row in [new rows; known rows]
        known_slots = []
        for spelling, row in seen.items():
            kept = known.get(spelling) if known else None
            if kept is None:
                new.append(spelling)
                final[row] = len(new)
            else:
                known_rows.append(kept)
                known_slots.append(row)
        final[known_slots] = np.arange(len(new) + 1, len(new) + 1 + len(known_slots), dtype=np.int32)
        entries = [self._spelling_entry(w) for w in new]
        words = np.array([PAD_ID, *(entry[0] for entry in entries)], dtype=np.int32)
        affixes = np.array([[PAD_ID] * len(AFFIX_KINDS), *(entry[1] for entry in entries)], dtype=np.int32)
        width = max((len(entry[2]) for entry in entries), default=0) + self.char_padding or 1
        char_ids = np.zeros((len(entries) + 1, width), dtype=np.int32)
        for row, entry in enumerate(entries, start=1):
            char_ids[row, : len(entry[2])] = entry[2]
        inputs = {"spelling_index": final[provisional], "spelling_words": words, "spellings": char_ids,
                  "spelling_affixes": affixes}
        return inputs, new, known_rows

    def _spelling_entry(self, word: str) -> tuple[int, list[int], list[int]]:
        """(word id, affix ids, character ids) of a spelling, remembered: one lookup per spelling and batch."""
        entry = self._spelling_cache.get(word)
        if entry is None:
            entry = (self.vocabs.words.id(self.vocabs.word_key(word)), self.affix_ids(word), self.char_ids(word))
            if len(self._spelling_cache) < CACHE_LIMIT:
                self._spelling_cache[word] = entry
        return entry

    def encode_tags(self, tag_sequences: Sequence[Sequence[str]], length: int | None = None,
                    head: int = 0) -> np.ndarray:
        """Tag ids [B, T] of one output head's tagset (0: the first)."""
        length = length or max((len(t) for t in tag_sequences), default=0) or 1
        tag_ids = np.full((len(tag_sequences), length), PAD_ID, dtype=np.int32)
        vocab = self.vocabs.heads[head]
        for i, tags in enumerate(tag_sequences):
            try:
                tag_ids[i, : len(tags)] = vocab.ids(tags)
            except KeyError as error:
                raise ValueError(f"tag {error.args[0]} is not in the model's tagset") from None
        return tag_ids


def length_batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator | None = None,
                   max_tokens: int | None = None, max_padding: float | None = None) -> list[np.ndarray]:
    """Indices grouped into batches of similar length, so little of each batch is padding.

    Sentences are sorted by length and cut into runs of at most `batch_size`. `max_tokens` caps batch size x
    longest length, which keeps inference memory flat on long sentences; `max_padding` caps the share of a
    batch's positions that are padding (a recurrent model pays for padded steps as for real ones).
    With `rng`, sentences are shuffled before sorting (ties break randomly) and the batch order is
    shuffled, so every epoch sees different batches; without it the order is deterministic.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    order = np.arange(len(lengths))
    if rng is not None:
        order = rng.permutation(order)
    order = order[np.argsort(lengths[order], kind="stable")]
    sorted_lengths = lengths[order]
    real = np.concatenate([[0], np.cumsum(sorted_lengths)])  # real[j] - real[i]: tokens of sorted i..j-1
    batches = []
    start = 0
    while start < len(order):
        end = start + 1  # one past the batch's last sentence; grown while the next sentence fits
        while end < len(order) and end - start < batch_size:
            # Sorted ascending: the candidate is the longest of the grown batch.
            positions = max(int(sorted_lengths[end]), 1) * (end + 1 - start)
            if max_tokens and positions > max_tokens:
                break
            if max_padding is not None and 1 - (real[end + 1] - real[start]) / positions > max_padding:
                break
            end += 1
        batches.append(order[start:end])
        start = end
    if rng is not None:
        rng.shuffle(batches)
    return batches
