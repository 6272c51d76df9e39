"""The plain data types every reader returns: no TensorFlow, no numpy."""

from __future__ import annotations

from dataclasses import dataclass, field

from common.errors import PostagError


class CorpusError(PostagError):
    """A corpus cannot be read: the message names the file and, where known, the line."""


class CorpusNotFoundError(CorpusError):
    """A named corpus or file is not available locally and cannot be fetched."""


@dataclass(frozen=True, slots=True)  # slots: a corpus holds a million of these
class Sentence:
    words: tuple[str, ...]
    tags: tuple[str, ...] = ()  # empty for untagged input
    spans: tuple[tuple[int, int], ...] = ()  # character offsets when tokenized from raw text
    # Tags of further tagsets, in the order of Corpus.tagsets[1:] (UPOS and XPOS read together for a tagger
    # with two output heads); empty for a single tagset. A layer may be empty where the sentence has no tags in
    # that tagset (silver sentences tagged by UPOS teachers): training then leaves that head out for it.
    more_tags: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        if self.tags and len(self.tags) != len(self.words):
            raise ValueError(f"{len(self.words)} words but {len(self.tags)} tags")
        if any(tags and len(tags) != len(self.words) for tags in self.more_tags):
            raise ValueError(f"{len(self.words)} words but a further tag layer of another length")
        if self.spans and len(self.spans) != len(self.words):
            raise ValueError(f"{len(self.words)} words but {len(self.spans)} spans")

    def __len__(self) -> int:
        return len(self.words)


@dataclass
class Corpus:
    name: str
    tagset: str  # "upos", "xpos", "universal", "ptb", "brown", or custom
    train: list[Sentence] = field(default_factory=list)
    dev: list[Sentence] = field(default_factory=list)
    test: list[Sentence] = field(default_factory=list)

    @property
    def tagsets(self) -> tuple[str, ...]:
        """One tagset, or several separated by commas ("upos,xpos"): Sentence.tags, then Sentence.more_tags."""
        return tuple(self.tagset.split(","))

    def split(self, name: str) -> list[Sentence]:
        if name not in ("train", "dev", "test"):
            raise ValueError(f"unknown split {name!r}; choose from train, dev, test")
        return getattr(self, name)


def count_tokens(sentences: list[Sentence]) -> int:
    return sum(len(s) for s in sentences)


def token_ranges(sentence: Sentence) -> list[tuple[int, int]]:
    """Word index ranges [first, stop) of the sentence's tokens: consecutive words with one span form a
    multiword token (UD's `3-4 don't` = `do` + `n't`); without spans every word is its own token."""
    ranges: list[tuple[int, int]] = []
    for index, span in enumerate(sentence.spans or sentence.words):
        if sentence.spans and ranges and sentence.spans[ranges[-1][0]] == span:
            ranges[-1] = (ranges[-1][0], index + 1)
        else:
            ranges.append((index, index + 1))
    return ranges
