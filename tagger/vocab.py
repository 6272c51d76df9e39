"""Vocabularies for words, characters and tags: padding is id 0, unknown is id 1."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

PAD_ID = 0
UNK_ID = 1
PAD = "<pad>"
UNK = "<unk>"
BOW = "<w>"  # begin-of-word and end-of-word marks let the character CNN tell suffixes and prefixes apart
EOW = "</w>"
LM_BREAK = "\n"  # a character language model's sentence boundary, before and after each sentence it reads


@dataclass
class Vocab:
    """Maps strings to ids in a fixed order; `counts` keeps every training count, even below min_count."""

    items: list[str]  # index order is the model's; items[0] is PAD, items[1] is UNK when has_unk
    counts: dict[str, int] = field(default_factory=dict)
    has_unk: bool = True
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = {item: i for i, item in enumerate(self.items)}
        if len(self.index) != len(self.items):
            raise ValueError("vocabulary items are not unique")
        reserved = [PAD, UNK] if self.has_unk else [PAD]
        if self.items[: len(reserved)] != reserved:
            raise ValueError(f"vocabulary must start with {reserved}")

    @classmethod
    def build(cls, sequences: Iterable[Iterable[str]], min_count: int = 1, max_size: int | None = None,
              has_unk: bool = True) -> Vocab:
        """Items seen at least `min_count` times, most frequent first (ties alphabetical, so builds repeat)."""
        counts = Counter(item for sequence in sequences for item in sequence)
        kept = sorted((item for item, n in counts.items() if n >= min_count), key=lambda item: (-counts[item], item))
        if max_size is not None:
            kept = kept[:max_size]
        reserved = [PAD, UNK] if has_unk else [PAD]
        return cls(items=reserved + kept, counts=dict(counts), has_unk=has_unk)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item: str) -> bool:
        return item in self.index

    def id(self, item: str) -> int:
        found = self.index.get(item)
        if found is not None:
            return found
        if not self.has_unk:
            raise KeyError(f"{item!r} is not in a vocabulary without an unknown entry")
        return UNK_ID

    def ids(self, items: Iterable[str]) -> list[int]:
        return [self.id(item) for item in items]

    def to_json(self) -> dict:
        return {"items": self.items, "counts": self.counts, "has_unk": self.has_unk}

    @classmethod
    def from_json(cls, data: dict) -> Vocab:
        """A vocabulary from its JSON form, every field type-checked: a damaged file is a ValueError."""
        if not isinstance(data, dict):
            raise ValueError("malformed vocabulary: expected a JSON object")
        items, counts, has_unk = data.get("items"), data.get("counts", {}), data.get("has_unk")
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise ValueError("malformed vocabulary: 'items' must be a list of strings")
        if not isinstance(counts, dict) or not all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts.values()):
            raise ValueError("malformed vocabulary: 'counts' must map strings to counts")
        if not isinstance(has_unk, bool):
            raise ValueError("malformed vocabulary: 'has_unk' must be true or false")
        return cls(items=items, counts=counts, has_unk=has_unk)


class SeenInTraining:
    """Whether a word was seen in training: its lowercased form occurred in the training data.

    The one definition of an unseen word, which evaluate, compare and `corpora stats` share whatever a model's
    own `lowercase` setting: "Apple" is seen when training had "apple".
    """

    UNSEEN = "a word whose lowercased form does not occur in the training split"

    def __init__(self, training_words: Iterable[str]):
        self.forms = frozenset(word.lower() for word in training_words)

    def __call__(self, word: str) -> bool:
        return word.lower() in self.forms


@dataclass
class Vocabularies:
    """The vocabularies a tagger needs; words are stored lowercased when `lowercase` is set.

    `tags` is the first output head's tagset; `more_tags` those of further heads (a tagger trained on UPOS and
    XPOS together), in the order of the model's `tagsets`. `lm_chars` is the character vocabulary of the
    character language model whose states the tagger reads (None without one): the LM's ids, not the tagger's.
    """

    words: Vocab
    chars: Vocab
    tags: Vocab
    lowercase: bool = True
    more_tags: list[Vocab] = field(default_factory=list)
    lm_chars: Vocab | None = None

    @classmethod
    def build(cls, sentences_words: list[list[str]] | list[tuple[str, ...]], sentences_tags,
              min_count: int = 2, lowercase: bool = True, max_size: int | None = None,
              more_tags: list | None = None) -> Vocabularies:
        """`more_tags`: for each further head, its tag sequences (one per sentence)."""
        sentences_words = list(sentences_words)
        word_forms = ([w.lower() for w in words] for words in sentences_words) if lowercase else sentences_words
        return cls(
            words=Vocab.build(word_forms, min_count=min_count, max_size=max_size),
            chars=Vocab.build([[BOW, EOW], *((ch for word in words for ch in word) for words in sentences_words)]),
            tags=Vocab.build(sentences_tags, has_unk=False),
            lowercase=lowercase,
            more_tags=[Vocab.build(layer, has_unk=False) for layer in more_tags or []],
        )

    @property
    def heads(self) -> list[Vocab]:
        """The tag vocabulary of every output head, the first head first."""
        return [self.tags, *self.more_tags]

    def word_key(self, word: str) -> str:
        return word.lower() if self.lowercase else word

    @functools.cached_property
    def seen_in_training(self) -> SeenInTraining:
        """`seen_in_training(word)`: the word occurred in the training data (the counts keep every form seen)."""
        return SeenInTraining(self.words.counts)

    def to_json(self) -> dict:
        data = {"lowercase": self.lowercase, "words": self.words.to_json(), "chars": self.chars.to_json(),
                "tags": self.tags.to_json()}
        if self.more_tags:
            data["more_tags"] = [vocab.to_json() for vocab in self.more_tags]
        if self.lm_chars is not None:
            data["lm_chars"] = self.lm_chars.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict) -> Vocabularies:
        if not isinstance(data, dict):
            raise ValueError("malformed vocabulary file: expected a JSON object")
        missing = [key for key in ("words", "chars", "tags", "lowercase") if key not in data]
        if missing:
            raise ValueError(f"malformed vocabulary file: missing {', '.join(missing)}")
        if not isinstance(data["lowercase"], bool):
            raise ValueError("malformed vocabulary file: 'lowercase' must be true or false")
        more = data.get("more_tags", [])
        if not isinstance(more, list):
            raise ValueError("malformed vocabulary file: 'more_tags' must be a list of vocabularies")
        lm_chars = data.get("lm_chars")
        return cls(words=Vocab.from_json(data["words"]), chars=Vocab.from_json(data["chars"]),
                   tags=Vocab.from_json(data["tags"]), lowercase=data["lowercase"],
                   more_tags=[Vocab.from_json(vocab) for vocab in more],
                   lm_chars=None if lm_chars is None else Vocab.from_json(lm_chars))
