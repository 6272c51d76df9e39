"""Scoring tokenization and tagging from raw text the way the CoNLL 2018 UD shared task does.

What is counted is what the shared task's evaluation script (`conll18_ud_eval.py`) counts:

- whitespace is ignored: both sides are placed in the coordinates of the text's non-whitespace
  characters, which must be the same on both sides (an error names the first place they differ);
- Tokens: a system token is correct when a gold token has the same span;
- Sentences: the same, a sentence spanning its first token's start to its last token's end;
- Words: the words of two single-word tokens with the same span are aligned; the words inside multiword
  tokens are aligned within the smallest stretch that holds whole multiword tokens of both sides, by the
  longest common subsequence of their lower-cased forms (the script's rule, with its tie-breaking);
- UPOS, XPOS: aligned words whose tags are equal.

Precision is correct / system count, recall correct / gold count, F1 2·correct / (gold + system), and the
aligned accuracy (UPOS, XPOS) correct / aligned words. A multiword token is a run of consecutive words with
one span (`corpora.token_ranges`).

Two differences from the script, both where it stops with an error: it compares the characters of the
tokens, this compares the texts (so a system that leaves characters out of every token is scored, not
refused), and it removes only space separators (Unicode Zs) where this removes every whitespace character.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from corpora import Sentence, TokenizedText, read_ud_text, token_ranges
from pipelines.errors import PipelineError


@dataclass(frozen=True)
class MetricScore:
    """Counts behind one metric, and the rates they give (0.0 where a count is zero)."""

    correct: int
    gold: int
    system: int
    aligned: int | None = None  # aligned words, for the metrics scored on them (UPOS, XPOS)

    @property
    def precision(self) -> float:
        return self.correct / self.system if self.system else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.correct / (self.gold + self.system) if self.gold + self.system else 0.0

    @property
    def aligned_accuracy(self) -> float | None:
        if self.aligned is None:
            return None
        return self.correct / self.aligned if self.aligned else 0.0

    def to_json(self) -> dict:
        return {"correct": self.correct, "gold": self.gold, "system": self.system, "aligned": self.aligned,
                "precision": self.precision, "recall": self.recall, "f1": self.f1,
                "aligned_accuracy": self.aligned_accuracy}


@dataclass(frozen=True)
class RawEvaluation:
    """The shared task's segmentation and tagging metrics; a tag metric is None when a side has no such tags."""

    tokens: MetricScore
    sentences: MetricScore
    words: MetricScore
    upos: MetricScore | None
    xpos: MetricScore | None

    def to_json(self) -> dict:
        return {name: None if score is None else score.to_json()
                for name, score in (("tokens", self.tokens), ("sentences", self.sentences), ("words", self.words),
                                    ("upos", self.upos), ("xpos", self.xpos))}


@dataclass(frozen=True, slots=True)
class _Word:
    start: int  # its token's span, in non-whitespace characters
    end: int
    multiword: bool
    form: str  # lower-cased, as the alignment compares forms
    upos: str | None
    xpos: str | None


@dataclass
class _Side:
    name: str
    document: TokenizedText
    characters: str  # the text without whitespace
    offsets: list[int]  # offsets[i]: where characters[i] is in the text
    tokens: list[tuple[int, int]]
    sentences: list[tuple[int, int]]
    words: list[_Word]
    from_file: bool  # name is a file: places are given as file:line

    def has(self, tags: str) -> bool:
        return all(getattr(word, tags) is not None for word in self.words)

    def where(self, index: int) -> str:
        """The place of the non-whitespace character `index`, for an error message."""
        lines = self.document.sentence_lines
        if self.from_file and lines and self.sentences:
            sentence = max(0, bisect.bisect_right([start for start, _ in self.sentences], index) - 1)
            return f"{self.name}:{lines[sentence]} (the sentence starting there)"
        offset = self.offsets[index] if index < len(self.offsets) else len(self.document.text)
        line = self.document.text.count("\n", 0, offset) + 1
        column = offset - (self.document.text.rfind("\n", 0, offset) + 1) + 1
        return f"{self.name} text line {line}, column {column}"


def _side(document: TokenizedText, name: str, from_file: bool = False) -> _Side:
    text = document.text
    # nonspace_before[i]: non-whitespace characters in text[:i], the coordinate of offset i.
    nonspace_before = [0, *accumulate(0 if c.isspace() else 1 for c in text)]
    offsets = [i for i, c in enumerate(text) if not c.isspace()]
    tokens: list[tuple[int, int]] = []
    sentences: list[tuple[int, int]] = []
    words: list[_Word] = []
    for number, sentence in enumerate(document.sentences, start=1):
        if not sentence.words:
            continue
        if not sentence.spans:
            raise PipelineError(f"{name}: sentence {number} has no character spans: raw-text scoring needs them")
        xpos = document.xpos[number - 1] if document.xpos else None
        first_token = len(tokens)
        for first, stop in token_ranges(sentence):
            span_start, span_end = sentence.spans[first]
            if not 0 <= span_start <= span_end <= len(text):
                raise PipelineError(f"{name}: sentence {number}: span {sentence.spans[first]} lies outside the text")
            start, end = nonspace_before[span_start], nonspace_before[span_end]
            if start == end:
                raise PipelineError(f"{name}: sentence {number}: token {text[span_start:span_end]!r} holds no "
                                    f"character but whitespace")
            if tokens and start < tokens[-1][1]:
                raise PipelineError(f"{name}: sentence {number}: token {text[span_start:span_end]!r} overlaps or "
                                    f"comes before the token before it")
            tokens.append((start, end))
            for i in range(first, stop):
                words.append(_Word(start, end, stop - first > 1, sentence.words[i].lower(),
                                   _tag(sentence, i), xpos[i] if xpos else None))
        sentences.append((tokens[first_token][0], tokens[-1][1]))
    return _Side(name, document, "".join(text[i] for i in offsets), offsets, tokens, sentences, words, from_file)


def _tag(sentence: Sentence, index: int) -> str | None:
    return sentence.tags[index] if sentence.tags else None


def _inside(words: list[_Word], index: int, end: int) -> bool:
    """Whether words[index] belongs to a multiword stretch that so far ends at `end`."""
    if index >= len(words):
        return False
    word = words[index]
    return word.start < end if word.multiword else word.end <= end


def _multiword_stretch(gold: list[_Word], system: list[_Word], g: int, s: int) -> tuple[int, int, int, int]:
    """(gold first, system first, gold stop, system stop) of the stretch that starts with the multiword
    token at gold[g] or system[s] and holds whole multiword tokens of both sides."""
    if gold[g].multiword:
        end = gold[g].end
        if not system[s].multiword and system[s].start < gold[g].start:
            s += 1  # a system word that starts before the gold multiword token stays out, as in the script
    else:
        end = system[s].end
        if not gold[g].multiword and gold[g].start < system[s].start:
            g += 1
    g_first, s_first = g, s
    while _inside(gold, g, end) or _inside(system, s, end):
        if g < len(gold) and (s >= len(system) or gold[g].start <= system[s].start):
            word, g = gold[g], g + 1
        else:
            word, s = system[s], s + 1
        if word.multiword:
            end = max(end, word.end)
    return g_first, s_first, g, s


def _common_subsequence(gold: list[str], system: list[str]) -> list[tuple[int, int]]:
    """Index pairs of a longest common subsequence, matching as early as the script does."""
    # longest[i][j]: the length of a longest common subsequence of gold[i:] and system[j:].
    longest = [[0] * (len(system) + 1) for _ in range(len(gold) + 1)]
    for i in reversed(range(len(gold))):
        for j in reversed(range(len(system))):
            if gold[i] == system[j]:
                longest[i][j] = longest[i + 1][j + 1] + 1
            else:
                longest[i][j] = max(longest[i + 1][j], longest[i][j + 1])
    pairs = []
    i = j = 0
    while i < len(gold) and j < len(system):
        if gold[i] == system[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif longest[i][j] == longest[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def _align(gold: list[_Word], system: list[_Word]) -> list[tuple[int, int]]:
    """(gold index, system index) of the aligned words."""
    pairs: list[tuple[int, int]] = []
    g = s = 0
    while g < len(gold) and s < len(system):
        if gold[g].multiword or system[s].multiword:
            g_first, s_first, g, s = _multiword_stretch(gold, system, g, s)
            forms = [w.form for w in gold[g_first:g]], [w.form for w in system[s_first:s]]
            pairs.extend((g_first + i, s_first + j) for i, j in _common_subsequence(*forms))
        elif (gold[g].start, gold[g].end) == (system[s].start, system[s].end):
            pairs.append((g, s))
            g, s = g + 1, s + 1
        elif gold[g].start <= system[s].start:
            g += 1
        else:
            s += 1
    return pairs


def _spans_score(gold: list[tuple[int, int]], system: list[tuple[int, int]]) -> MetricScore:
    # Spans on one side never share a start (tokens are non-empty and in order), so equal spans are the matches.
    return MetricScore(len(set(gold) & set(system)), len(gold), len(system))


def _tag_score(gold: _Side, system: _Side, pairs: list[tuple[int, int]], tags: str) -> MetricScore | None:
    if not (gold.has(tags) and system.has(tags)):
        return None
    correct = sum(getattr(gold.words[g], tags) == getattr(system.words[s], tags) for g, s in pairs)
    return MetricScore(correct, len(gold.words), len(system.words), len(pairs))


def _first_difference(gold: str, system: str) -> int:
    return next((i for i, (a, b) in enumerate(zip(gold, system)) if a != b), min(len(gold), len(system)))


def _score(gold: _Side, system: _Side) -> RawEvaluation:
    if gold.characters != system.characters:
        index = _first_difference(gold.characters, system.characters)
        raise PipelineError(
            f"the gold and system texts differ once whitespace is removed: {gold.where(index)} has "
            f"{gold.characters[index:index + 20]!r} where {system.where(index)} has "
            f"{system.characters[index:index + 20]!r}")
    pairs = _align(gold.words, system.words)
    return RawEvaluation(
        tokens=_spans_score(gold.tokens, system.tokens),
        sentences=_spans_score(gold.sentences, system.sentences),
        words=MetricScore(len(pairs), len(gold.words), len(system.words)),
        upos=_tag_score(gold, system, pairs, "upos"),
        xpos=_tag_score(gold, system, pairs, "xpos"),
    )


def score_raw(gold: TokenizedText, system: TokenizedText) -> RawEvaluation:
    """Score a system's sentences, words and tags on raw text against the gold ones (CoNLL 2018 metrics).

    Each side's word spans point into its own text; the two texts must be the same once whitespace is
    removed. UPOS come from the sentences' tags and XPOS from `xpos`; a tag metric is None when either
    side lacks those tags.
    """
    return _score(_side(gold, "gold"), _side(system, "system"))


def score_conllu_files(gold_path: str | Path, system_path: str | Path) -> RawEvaluation:
    """Score a system CoNLL-U file against a gold one, as `conll18_ud_eval.py gold system` does for its
    tokens, sentences, words, UPOS and XPOS; each file's text is rebuilt from its token forms."""
    gold = read_ud_text(gold_path, line_width=None)
    system = read_ud_text(system_path, line_width=None)
    return _score(_side(gold, str(gold_path), from_file=True), _side(system, str(system_path), from_file=True))
