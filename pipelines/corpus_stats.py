"""Corpus tools behind `postag corpora list|info|download|stats`: no TensorFlow, and no printing.

Every function returns plain dataclasses (`dataclasses.asdict` makes them JSON) for the CLI to render.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import corpora
from common.errors import quoted
from corpora import Corpus, CorpusEntry, Sentence

from .errors import PipelineError

SPLITS = ("train", "dev", "test")
LENGTH_BUCKETS = ((1, 5), (6, 10), (11, 20), (21, 30), (31, 40), (41, 60), (61, 100), (101, None))


@dataclass
class SplitStats:
    split: str
    sentences: int
    tokens: int
    vocabulary: int  # distinct word forms
    tags: int  # distinct tags
    length_min: int
    length_max: int
    length_mean: float
    length_median: float
    length_p90: int
    # Words unseen in training (tagger.SeenInTraining: the lowercased form never occurs in train); None for train.
    oov_tokens: int | None = None
    oov_rate: float | None = None
    oov_types: int | None = None
    oov_type_rate: float | None = None


@dataclass
class AmbiguousWord:
    word: str
    count: int  # training tokens
    tags: list[tuple[str, int]]  # most frequent first


@dataclass
class CorpusStats:
    source: str
    name: str
    tagset: str
    splits: list[SplitStats]
    empty_splits: list[str]
    vocabulary: int  # distinct word forms over all splits
    tag_counts: dict[str, dict[str, int]]  # split -> tag -> tokens, most frequent first
    length_histogram: dict[str, list[tuple[str, int]]]  # split -> [(bucket label, sentences)]
    ambiguous_types: int  # training word forms seen with more than one tag
    ambiguous_type_rate: float
    ambiguous_token_rate: float  # share of training tokens whose form is ambiguous
    ambiguous_words: list[AmbiguousWord] = field(default_factory=list)


@dataclass
class SplitCount:
    split: str
    sentences: int
    tokens: int
    tags: int


@dataclass
class CorpusInfo:
    entry: CorpusEntry
    tagset: str | None  # the tagset read, when the corpus is present
    splits: list[SplitCount]  # empty when the corpus is not present locally
    tags: list[str]  # the tags met in the corpus, sorted


def _percentile(sorted_values: list[int], fraction: float) -> int:
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def _bucket_label(low: int, high: int | None) -> str:
    return f"{low}+" if high is None else f"{low}-{high}"


def _histogram(lengths: list[int]) -> list[tuple[str, int]]:
    counts = []
    for low, high in LENGTH_BUCKETS:
        counts.append((_bucket_label(low, high), sum(1 for n in lengths if n >= low and (high is None or n <= high))))
    return counts


def _split_stats(split: str, sentences: list[Sentence], seen_in_training: Callable[[str], bool] | None) -> SplitStats:
    lengths = sorted(len(s) for s in sentences)
    words = Counter(word for s in sentences for word in s.words)
    tags = {tag for s in sentences for tag in s.tags}
    stats = SplitStats(
        split=split, sentences=len(sentences), tokens=sum(lengths), vocabulary=len(words), tags=len(tags),
        length_min=lengths[0], length_max=lengths[-1], length_mean=round(statistics.fmean(lengths), 2),
        length_median=float(statistics.median(lengths)), length_p90=_percentile(lengths, 0.9),
    )
    if seen_in_training is not None:
        unseen = {word: n for word, n in words.items() if not seen_in_training(word)}
        stats.oov_tokens = sum(unseen.values())
        stats.oov_rate = round(stats.oov_tokens / stats.tokens, 4) if stats.tokens else 0.0
        stats.oov_types = len(unseen)
        stats.oov_type_rate = round(len(unseen) / len(words), 4) if words else 0.0
    return stats


def compute_stats(corpus: Corpus, source: str = "", top: int = 20) -> CorpusStats:
    """Statistics of a loaded corpus; OOV and ambiguity are measured against its training split."""
    if top < 0:
        raise PipelineError(f"--top must be 0 or more, not {top}")
    present = [split for split in SPLITS if corpus.split(split)]
    if not present:
        raise PipelineError(f"{source or corpus.name}: the corpus holds no sentences")
    from tagger import SeenInTraining  # here, not at the top: `postag corpora list` must not load numpy

    train = corpus.train
    seen_in_training = SeenInTraining(word for s in train for word in s.words) if train else None
    splits = [
        _split_stats(split, corpus.split(split), seen_in_training if split != "train" else None)
        for split in present
    ]
    tag_counts = {
        split: dict(Counter(tag for s in corpus.split(split) for tag in s.tags).most_common()) for split in present
    }
    histogram = {split: _histogram([len(s) for s in corpus.split(split)]) for split in present}
    vocabulary = len({word for split in present for s in corpus.split(split) for word in s.words})

    word_tags: dict[str, Counter] = defaultdict(Counter)
    for sentence in train:
        for word, tag in zip(sentence.words, sentence.tags, strict=True):
            word_tags[word][tag] += 1
    ambiguous = {word: counts for word, counts in word_tags.items() if len(counts) > 1}
    train_tokens = sum(len(s) for s in train)
    ambiguous_tokens = sum(sum(counts.values()) for counts in ambiguous.values())
    ranked = sorted(ambiguous.items(), key=lambda item: (-sum(item[1].values()), item[0]))[:top]
    return CorpusStats(
        source=source or corpus.name, name=corpus.name, tagset=corpus.tagset, splits=splits,
        empty_splits=[split for split in SPLITS if split not in present], vocabulary=vocabulary,
        tag_counts=tag_counts, length_histogram=histogram, ambiguous_types=len(ambiguous),
        ambiguous_type_rate=round(len(ambiguous) / len(word_tags), 4) if word_tags else 0.0,
        ambiguous_token_rate=round(ambiguous_tokens / train_tokens, 4) if train_tokens else 0.0,
        ambiguous_words=[
            AmbiguousWord(word=word, count=sum(counts.values()), tags=counts.most_common()) for word, counts in ranked
        ],
    )


def corpus_stats(
    source: str | Path,
    tagset: str | None = None,
    format: str = "auto",
    split: str | None = None,
    top: int = 20,
    **file_options,
) -> CorpusStats:
    """Statistics of a named corpus (ud:..., nltk:...) or of a file or directory of splits."""
    corpus = corpora.load_corpus(source, tagset=tagset, format=format, split=split, **file_options)
    return compute_stats(corpus, str(source), top)


def list_corpora() -> list[CorpusEntry]:
    """The named corpora, whether each is on disk, its size and license: reads no corpus."""
    return corpora.list_corpora()


def corpus_info(name: str, tagset: str | None = None) -> CorpusInfo:
    """Source, license and splits of a named corpus; counts per split when it is present locally."""
    if not corpora.is_corpus_name(name):
        raise PipelineError(
            f"{quoted(name)} is not a corpus name (ud:..., nltk:...); for files use `postag corpora stats PATH`"
        )
    entry = corpora.corpus_entry(name)
    if not entry.present:
        return CorpusInfo(entry=entry, tagset=None, splits=[], tags=[])
    corpus = corpora.load_named_corpus(name, tagset, fetch=False)
    counts = [
        SplitCount(split, len(corpus.split(split)), corpora.count_tokens(corpus.split(split)),
                   len({tag for s in corpus.split(split) for tag in s.tags}))
        for split in SPLITS
    ]
    tags = sorted({tag for split in SPLITS for s in corpus.split(split) for tag in s.tags})
    return CorpusInfo(entry=entry, tagset=corpus.tagset, splits=counts, tags=tags)


def download(name: str, progress: Callable[[str, int, int | None], None] | None = None) -> list[Path]:
    """Fetch a named corpus into the data directory (UD) or NLTK_DATA (NLTK); the local paths."""
    if not corpora.is_corpus_name(name):
        raise PipelineError(f"{quoted(name)} is not a corpus name; known: {', '.join(corpora.known_corpora())}")
    return corpora.download_corpus(name, progress=progress)
