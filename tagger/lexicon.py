"""The tags each word form can take, read from a lexicon file (corpora.lexicon builds it): for a tagger's
input features or output constraints on words its training data never held.

No TensorFlow and no corpora import: a model directory ships the file and tagging reads it. The file is JSON:
{"format": "postag-lexicon", "version": 1, "tags": [...], "lowercase": "lowercase", "sources": [...],
 "words": {"form": bitmask, ...}} where bit i of a word's mask is tags[i].

Lookup, as the file's "lowercase" key says: "lowercase" (the file's default: the union of the tags of every case
variant, "The" -> what "the", "The" and "THE" can be), "exact" (the form as written), or "fallback" (as written,
else lowercase). A word no entry matches is not in the lexicon.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import ModelError

FORMAT = "postag-lexicon"
VERSIONS = (1,)
LOOKUPS = ("fallback", "exact", "lowercase")


class Lexicon:
    """Word form -> bitmask of tags (`tags[i]` is bit i); 0 for a word the lexicon does not hold."""

    def __init__(self, tags: Sequence[str], words: dict[str, int], lookup: str = "lowercase",
                 sources: Sequence[dict] = ()) -> None:
        if lookup not in LOOKUPS:
            raise ModelError(f"lexicon lookup {lookup!r} is not one of {', '.join(LOOKUPS)}")
        self.tags = tuple(tags)
        self.lookup = lookup
        self.sources = tuple(sources)
        self._words = words
        self._lower: dict[str, int] = {}
        for word, mask in words.items():
            key = word.lower()
            self._lower[key] = self._lower.get(key, 0) | mask

    @classmethod
    def load(cls, path: str | Path, lookup: str | None = None) -> Lexicon:
        """Read and check a lexicon file; ModelError names the file and what is wrong."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ModelError(f"{path}: not a readable lexicon file: {error}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ModelError(f"{path}: not a lexicon file (format is not {FORMAT!r})")
        if data.get("version") not in VERSIONS:
            raise ModelError(f"{path}: lexicon version {data.get('version')!r}; this postag reads {VERSIONS}")
        tags, words = data.get("tags"), data.get("words")
        if (not isinstance(tags, list) or not tags or not all(isinstance(t, str) and t for t in tags)
                or len(set(tags)) != len(tags)):
            raise ModelError(f"{path}: 'tags' must be a list of distinct tag names")
        if not isinstance(words, dict):
            raise ModelError(f"{path}: 'words' must map each word to a bitmask")
        limit = 1 << len(tags)
        for word, mask in words.items():
            if not word or type(mask) is not int or not 0 < mask < limit:
                raise ModelError(f"{path}: word {word[:40]!r} has bitmask {mask!r}; expected 1 .. {limit - 1}")
        sources = data.get("sources", [])
        sources = sources if isinstance(sources, list) else []
        return cls(tags, words, lookup or data.get("lowercase", "lowercase"), sources)

    def __len__(self) -> int:
        return len(self._words)

    def __contains__(self, word: str) -> bool:
        return self.tags_of(word) != 0

    def tags_of(self, word: str) -> int:
        """The word's bitmask (bit i: it can be tags[i]); 0 where the lexicon does not hold it."""
        if self.lookup == "lowercase":
            return self._lower.get(word.lower(), 0)
        mask = self._words.get(word, 0)
        if mask or self.lookup == "exact":
            return mask
        return self._lower.get(word.lower(), 0)

    def tag_set(self, word: str) -> frozenset[str]:
        mask = self.tags_of(word)
        return frozenset(tag for index, tag in enumerate(self.tags) if mask >> index & 1)

    def features(self, words: Sequence[str]) -> np.ndarray:
        """[len(words), len(tags) + 1] float32: an n-hot row of the tags each word can take, and in the last
        column 1 for a word the lexicon does not hold (its row is otherwise zero)."""
        masks = np.fromiter((self.tags_of(word) for word in words), dtype=np.int64, count=len(words))
        bits = (masks[:, None] >> np.arange(len(self.tags), dtype=np.int64)) & 1
        unknown = (masks == 0)[:, None]
        return np.concatenate([bits, unknown], axis=1).astype(np.float32)
