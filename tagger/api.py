"""What every tagger here does, declared once: NLTK's TaggerI verbs, scored tagging and raw text.

    tag(words), tag_sents(sentences), accuracy(gold)      as NLTK's taggers
    tag_sents_scored(sentences, top_k)                    each word's best tags with their probabilities
    tag_probabilities(sentences)                          all of them, a [words, tags] array per sentence
    tag_text(text)                                        raw text through the tagger's trained tokenizer
    tagsets, tags_of(tagset), head(tagset), tagset        the output heads (upos, xpos, ...) and their tags

`TaggerAPI` is the contract; `TaggerBase` writes the verbs once over the one thing a tagger must give, the
logits of length-bucketed batches (`_logits`). tagger.runtime.Tagger (ONNX Runtime, no TensorFlow) and
tagger.training.KerasTagger (Keras, during training) both build on it, and one test suite runs against both
(tests/test_tagger_contract.py). A CRF head is decoded here, in numpy, the same way for both: Viterbi for the
best tags, its marginals for probabilities.

Input is checked before anything runs: any iterable of sentences, each any iterable of words; a string where
words were expected, a word that is not a string, or an empty or all-whitespace word is a TypeError or a
ValueError naming the sentence and the word, never a silent wrong result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple, Protocol, runtime_checkable

import numpy as np

from .crf import Transitions, marginals, viterbi
from .encoding import length_batches
from .errors import ModelError
from .vocab import PAD_ID, Vocabularies

# A batch holds at most this many sentences and padded positions, with at most this share of padding: a
# recurrent model pays for padded steps as for real ones (benchmarks/tagging_speed.py measures the choice).
BATCH_SENTENCES, BATCH_POSITIONS, MAX_PADDING = 1024, 8192, 0.1


class TaggedWord(NamedTuple):
    word: str
    tag: str
    start: int  # [start, end): its token's characters in the text
    end: int


@runtime_checkable
class TaggerAPI(Protocol):
    """The verbs of every tagger (see the module's docstring)."""

    tagsets: tuple[str, ...]

    def head(self, tagset: str | None) -> int: ...
    def tags_of(self, tagset: str | None) -> list[str]: ...
    def tag(self, words: Iterable[str], tagset: str | None = None) -> list[str]: ...
    def tag_sents(self, sentences: Iterable[Iterable[str]], tagset: str | None = None) -> list[list[str]]: ...
    def tag_sents_scored(self, sentences: Iterable[Iterable[str]], top_k: int = 1,
                         tagset: str | None = None) -> list[list[list[tuple[str, float]]]]: ...
    def tag_probabilities(self, sentences: Iterable[Iterable[str]],
                          tagset: str | None = None) -> list[np.ndarray]: ...
    def tag_text(self, text: str, tagset: str | None = None) -> list[list[TaggedWord]]: ...
    def accuracy(self, gold: Iterable[tuple[Sequence[str], Sequence[str]]], tagset: str | None = None) -> float: ...


class TaggerBase:
    """The verbs of TaggerAPI over `_logits`, which a tagger implements: for non-empty sentences, (their
    indices, logits [B, T, tags] of `head`, their lengths) batch by batch. It sets `vocabs`, `tagsets`, `crfs`
    (one numpy Transitions per head, [] for softmax heads), `tokenizer` and `directory`."""

    vocabs: Vocabularies
    tagsets: tuple[str, ...] = ("tags",)
    tokenizer = None  # a trained tokenizer (tagger.tokenizer.Tokenizer) for tag_text, or None
    directory: Path | None = None
    batch_sentences, batch_positions, max_padding = BATCH_SENTENCES, BATCH_POSITIONS, MAX_PADDING

    @property
    def crfs(self) -> list[Transitions]:
        return []

    def _logits(self, sentences: list[list[str]], head: int) -> Iterator[tuple[list[int], np.ndarray, list[int]]]:
        raise NotImplementedError

    # ---- heads and tags ------------------------------------------------------------------------------

    @property
    def tagset(self) -> list[str]:
        """The tags of the first head (what `tag` gives without a `tagset`)."""
        return self.tags_of(None)

    def tags_of(self, tagset: str | None) -> list[str]:
        return self.vocabs.heads[self.head(tagset)].items[PAD_ID + 1 :]

    def head(self, tagset: str | None) -> int:
        """The output head of a tagset name (None: the first head)."""
        if tagset is None or tagset == self.tagsets[0]:
            return 0
        if tagset not in self.tagsets:
            raise ModelError(f"the model tags with {', '.join(self.tagsets)}, not {str(tagset)[:40]!r}")
        return self.tagsets.index(tagset)

    # ---- the verbs -----------------------------------------------------------------------------------

    def tag(self, words: Iterable[str], tagset: str | None = None) -> list[str]:
        if isinstance(words, str):
            raise TypeError("tag() takes a list of words, not a string: split the text first, or tag raw text with "
                            "tag_text(text)")
        return self.tag_sents([words], tagset)[0]

    def tag_sents(self, sentences: Iterable[Iterable[str]], tagset: str | None = None) -> list[list[str]]:
        """The best tag of every word of every sentence, in `tagset` (default: the model's first)."""
        head = self.head(tagset)
        items = self.vocabs.heads[head].items
        return [[items[i] for i in ids] for ids in self._best_ids(checked_sentences(sentences), head)]

    def tag_sents_scored(self, sentences: Iterable[Iterable[str]], top_k: int = 1,
                         tagset: str | None = None) -> list[list[list[tuple[str, float]]]]:
        """For every word, its `top_k` most probable tags with their probabilities, best first."""
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"top_k must be a whole number of at least 1, not {top_k!r}")
        tags = self.tags_of(tagset)
        results = []
        for probabilities in self.tag_probabilities(sentences, tagset):
            best = np.argsort(-probabilities, axis=-1, kind="stable")[:, : min(top_k, len(tags))]
            results.append([[(tags[t], float(p[t])) for t in token_ids] for token_ids, p in zip(best, probabilities)])
        return results

    def tag_probabilities(self, sentences: Iterable[Iterable[str]], tagset: str | None = None) -> list[np.ndarray]:
        """A [words, tags] array of probabilities for every sentence, columns in the order of `tags_of(tagset)`.

        A CRF model gives each tag's marginal probability at the position over all tag sequences, not the
        emission's softmax; averaging these arrays over models is an ensemble (pipelines.training.silver).
        """
        head = self.head(tagset)
        sentences = checked_sentences(sentences)
        empty = np.zeros((0, len(self.tags_of(tagset))), np.float32)
        results: list[np.ndarray] = [empty] * len(sentences)  # empty sentences keep it; the others are replaced
        crfs = self.crfs
        for batch, logits, lengths in self._logits(sentences, head):
            if crfs:
                probabilities = marginals(logits, lengths, crfs[head])[..., PAD_ID + 1 :]
            else:
                probabilities = softmax(logits[..., PAD_ID + 1 :])
            for row, index in enumerate(batch):
                results[index] = probabilities[row, : lengths[row]]
        return results

    def tag_text(self, text: str, tagset: str | None = None) -> list[list[TaggedWord]]:
        """Raw text to sentences of tagged words, split by the model's trained tokenizer; each word carries the
        character span of its token in `text` (the words of a multiword token, `do` `n't`, share one)."""
        if not isinstance(text, str):
            raise TypeError(f"tag_text() takes a string, not {type(text).__name__}: tag lists of words with "
                            f"tag() or tag_sents()")
        if self.tokenizer is None:
            raise ModelError(f"{self.directory or 'this model'}: it has no tokenizer to split raw text; tag lists of "
                             f"words with tag_sents(), or give it one with `postag tokenizer attach TOKENIZER_DIR "
                             f"MODEL_DIR`")
        sentences = self.tokenizer.tokenize(text)
        tags = self.tag_sents([sentence.words for sentence in sentences], tagset)
        return [[TaggedWord(word, tag, start, end) for word, tag, (start, end) in zip(s.words, sentence_tags, s.spans)]
                for s, sentence_tags in zip(sentences, tags)]

    def accuracy(self, gold: Iterable[tuple[Sequence[str], Sequence[str]]], tagset: str | None = None) -> float:
        """Token accuracy against (words, tags) pairs, as NLTK's TaggerI.accuracy."""
        gold = list(gold)
        predicted = self.tag_sents([words for words, _ in gold], tagset)
        pairs = [(p, g) for pred, (_, tags) in zip(predicted, gold) for p, g in zip(pred, tags)]
        return sum(p == g for p, g in pairs) / max(len(pairs), 1)

    # ---- decoding --------------------------------------------------------------------------------------

    def _best_ids(self, sentences: list[list[str]], head: int) -> list[np.ndarray]:
        results: list[np.ndarray] = [np.zeros(0, np.int64) for _ in sentences]
        crfs = self.crfs
        for batch, logits, lengths in self._logits(sentences, head):
            if crfs:
                best = viterbi(logits, lengths, crfs[head])
            else:
                best = np.argmax(logits[..., PAD_ID + 1 :], axis=-1) + PAD_ID + 1  # never the padding tag
            for row, index in enumerate(batch):
                results[index] = best[row, : lengths[row]]
        return results

    def _batches(self, sentences: list[list[str]]) -> list[list[int]]:
        """Indices of the non-empty sentences in length-bucketed batches (tagger.encoding.length_batches)."""
        lengths = [len(s) for s in sentences]
        batches = [[i for i in batch if lengths[i]] for batch in
                   length_batches(lengths, self.batch_sentences, max_tokens=self.batch_positions,
                                  max_padding=self.max_padding)]
        return [batch for batch in batches if batch]


def checked_sentences(sentences: Iterable[Iterable[str]]) -> list[list[str]]:
    """The sentences as lists of words, read once (an iterator or generator is fine), each word checked."""
    if isinstance(sentences, (str, bytes)):
        # NLTK's taggers refuse a string too: tagged as it is, it would be one tag per character.
        raise TypeError("tag() takes a list of words and tag_sents() a list of such lists, not a string: split the "
                        "text first, or tag raw text with tag_text(text)")
    try:
        sentences = iter(sentences)
    except TypeError:
        raise TypeError(f"tag_sents() takes an iterable of sentences, not {type(sentences).__name__}") from None
    listed = [sentence if type(sentence) is list else _as_list(sentence, number)
              for number, sentence in enumerate(sentences)]
    for number, words in enumerate(listed):
        if not all(type(word) is str and word and not word.isspace() for word in words):
            _refuse(number, words)
    return listed


def _as_list(sentence, number: int) -> list:
    if isinstance(sentence, (str, bytes)):
        raise TypeError(f"sentence {number} is a string, not a list of words: tag_sents() takes a list of word "
                        f"lists; split the text first, or tag raw text with tag_text(text)")
    try:
        return list(sentence)
    except TypeError:
        raise TypeError(f"sentence {number} is a {type(sentence).__name__}, not a list of words") from None


def _refuse(number: int, words: list) -> None:
    for position, word in enumerate(words):
        if not isinstance(word, str):
            raise TypeError(f"sentence {number}, word {position}: {type(word).__name__} {repr(word)[:40]} is not a "
                            f"string")
        if not word or word.isspace():
            raise ValueError(f"sentence {number}, word {position}: {word!r} is an empty or all-whitespace word")


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)
