"""Word vocabularies as a pipeline step: build one from corpora or files, save it, show it, train with it.

A vocabulary file is JSON: {"kind": "postag-word-vocab", "format_version": 1, "lowercase": ..., "min_count":
..., "max_size": ..., "sources": [...], "tokens": ..., "vocab": Vocab.to_json()}. Its items fix the word
ids a tagger uses (0 padding, 1 unknown, then the words most frequent first); `train --vocab FILE` uses
them, while characters and tags still come from the training data.

Word sources, shared with `embeddings train`:
- a named corpus: `ud:en_ewt`, `nltk:brown` gives its train split (so dev and test never leak into a
  vocabulary or vectors); add `:all` or a list of splits, `nltk:brown:all`, `ud:en_ewt:train,dev`;
- an untagged NLTK corpus (`nltk:abc`, `nltk:movie_reviews`, `nltk:state_union`, `nltk:webtext`,
  `nltk:inaugural`; corpora.raw_text): all of its text, which has no splits;
- a file: CoNLL-U (by its `.conllu` name or its first lines) gives its words; any other file is raw text,
  split into sentences and words by the tokenizer `postag tag` uses. `format` forces one reading:
  conllu, wordtag, columns or text.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from common.errors import quoted, shorten
from common.files import write_atomically
from corpora import CorpusError, count_tokens
from pipelines.errors import PipelineError
from pipelines.outputs import check_output_file

VOCAB_KIND = "postag-word-vocab"
VOCAB_FORMAT_VERSION = 1
SPLIT_NAMES = ("train", "dev", "test")
SOURCE_FORMATS = ("auto", "conllu", "wordtag", "columns", "text")


# ---- word sources -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WordSource:
    """One place words come from: a named corpus (with the splits to use) or a file (with its reading)."""

    text: str  # as the user wrote it
    corpus: str | None = None
    splits: tuple[str, ...] = ()
    path: Path | None = None
    format: str = "auto"

    def describe(self) -> str:
        from corpora.raw_text import is_raw_corpus

        if self.corpus and is_raw_corpus(self.corpus):
            return f"{self.corpus} (all text)"
        if self.corpus:
            return f"{self.corpus} ({'+'.join(self.splits)})"
        return str(self.path)


def parse_source(text: str, format: str = "auto") -> WordSource:
    """`nltk:brown`, `nltk:brown:all`, `ud:en_ewt:train,dev`, or a path."""
    from corpora import is_corpus_name

    if format not in SOURCE_FORMATS:
        raise PipelineError(f"--format must be one of {', '.join(SOURCE_FORMATS)}, not {quoted(format)}")
    if is_corpus_name(text):
        name, splits = text, ("train",)
        head, _, tail = text.rpartition(":")
        if head.count(":") >= 1 and tail:
            chosen = SPLIT_NAMES if tail == "all" else tuple(part.strip() for part in tail.split(","))
            unknown = [split for split in chosen if split not in SPLIT_NAMES]
            if unknown:
                raise PipelineError(f"{shorten(text)}: unknown split {quoted(unknown[0])}; end a corpus name with "
                                    f":all or splits from {', '.join(SPLIT_NAMES)} (e.g. nltk:brown:all)")
            name, splits = head, chosen
        return WordSource(text=text, corpus=name, splits=splits)
    path = Path(text)
    if not path.exists():
        hint = " (named corpora start with ud: or nltk:)" if ":" in text else ""
        raise PipelineError(f"{shorten(text)}: no such file{hint}")
    if path.is_dir():
        raise PipelineError(f"{text}: is a directory; give its files")
    return WordSource(text=text, path=path, format=format)


def file_reading(path: Path, format: str) -> str:
    """How a file is read: a corpus format, or "text" (raw text through the tokenizer)."""
    if format != "auto":
        return format
    if path.suffix.lower() in (".conllu", ".conll"):
        return "conllu"
    from corpora import detect_format

    try:
        return "conllu" if detect_format(path) == "conllu" else "text"
    except CorpusError:  # nothing a corpus reader recognises: raw text
        return "text"


def iter_source_sentences(source: WordSource) -> Iterator[tuple[str, ...]]:
    """The words of every sentence of one source, in order."""
    if source.corpus:
        from corpora import load_named_corpus
        from corpora.raw_text import is_raw_corpus, raw_sentences

        if is_raw_corpus(source.corpus):
            yield from raw_sentences(source.corpus)
            return

        corpus = load_named_corpus(source.corpus)
        for split in source.splits:
            for sentence in corpus.split(split):
                yield sentence.words
        return
    reading = file_reading(source.path, source.format)
    if reading == "text":
        from corpora import tokenize
        from corpora.textfile import read_text

        for sentence in tokenize(read_text(source.path)):
            yield sentence.words
        return
    from corpora import read_corpus_file

    for sentence in read_corpus_file(source.path, reading, tagset=None if reading != "conllu" else "upos"):
        yield sentence.words


def iter_sentences(sources: list[WordSource],
                   progress: Callable[[WordSource, int, int], None] | None = None) -> Iterator[tuple[str, ...]]:
    """Sentences of every source in turn; `progress(source, index, count)` before each source."""
    for index, source in enumerate(sources):
        if progress:
            progress(source, index, len(sources))
        yield from iter_source_sentences(source)


def _keys(words, lowercase: bool):
    return [word.lower() for word in words] if lowercase else words


# ---- the vocabulary file ------------------------------------------------------------------------------

@dataclass
class WordVocabFile:
    vocab: object  # tagger.Vocab of words (keys lowercased when `lowercase`)
    lowercase: bool
    min_count: int
    max_size: int | None = None
    sources: list[str] = field(default_factory=list)
    tokens: int = 0
    path: Path | None = None

    def to_json(self) -> dict:
        return {"kind": VOCAB_KIND, "format_version": VOCAB_FORMAT_VERSION, "lowercase": self.lowercase,
                "min_count": self.min_count, "max_size": self.max_size, "sources": self.sources,
                "tokens": self.tokens, "vocab": self.vocab.to_json()}


def build_word_vocab(sources: list[str], min_count: int = 2, max_size: int | None = None, lowercase: bool = True,
                     format: str = "auto", progress=None) -> WordVocabFile:
    """Words seen at least `min_count` times in the sources, most frequent first, at most `max_size`."""
    from tagger import Vocab
    from tagger.vocab import PAD, UNK

    if min_count < 1:
        raise PipelineError(f"--min-count must be at least 1, not {min_count}")
    if max_size is not None and max_size < 1:
        raise PipelineError(f"--max-size must be at least 1, not {max_size}")
    if not sources:
        raise PipelineError("no sources: give corpus names (ud:en_ewt) or files")
    parsed = [parse_source(source, format) for source in sources]
    counts: Counter[str] = Counter()
    tokens = 0
    for words in iter_sentences(parsed, progress):
        counts.update(_keys(words, lowercase))
        tokens += len(words)
    if tokens == 0:
        raise PipelineError(f"no words in {', '.join(sources)}")
    kept = sorted((word for word, n in counts.items() if n >= min_count), key=lambda word: (-counts[word], word))
    kept = kept[:max_size] if max_size else kept
    # Counts of the kept words only: a vocabulary of a large corpus would otherwise carry every rare word.
    vocab = Vocab(items=[PAD, UNK] + kept, counts={word: counts[word] for word in kept})
    return WordVocabFile(vocab=vocab, lowercase=lowercase, min_count=min_count, max_size=max_size,
                         sources=[source.describe() for source in parsed], tokens=tokens)


def save_word_vocab(vocab_file: WordVocabFile, path: str | Path) -> Path:
    """Write the vocabulary JSON atomically (a temporary file beside it, then a rename)."""
    path = check_output_file(path, "vocab.json")
    text = json.dumps(vocab_file.to_json(), ensure_ascii=False, indent=1) + "\n"
    write_atomically(path, text)
    vocab_file.path = path
    return path


def load_word_vocab(path: str | Path) -> WordVocabFile:
    """A vocabulary file written by `postag vocab build`; a PipelineError naming the file otherwise."""
    from tagger import Vocab

    path = Path(path)
    if not path.is_file():
        raise PipelineError(f"{path}: no such vocabulary file (write one with `postag vocab build`)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PipelineError(f"{path}: not a vocabulary file: not valid JSON ({error})") from None
    if not isinstance(data, dict) or data.get("kind") != VOCAB_KIND:
        raise PipelineError(f"{path}: not a postag word vocabulary (no \"kind\": \"{VOCAB_KIND}\"); "
                            f"write one with `postag vocab build`")
    if data.get("format_version") != VOCAB_FORMAT_VERSION:
        raise PipelineError(f"{path}: vocabulary format {data.get('format_version')!r} is not the format "
                            f"{VOCAB_FORMAT_VERSION} this postag reads; rebuild it with `postag vocab build`")
    try:
        vocab = Vocab.from_json(data["vocab"])
        if not vocab.has_unk:
            raise ValueError("a word vocabulary needs the unknown entry")
        return WordVocabFile(vocab=vocab, lowercase=bool(data["lowercase"]), min_count=int(data["min_count"]),
                             max_size=data.get("max_size"), sources=list(data.get("sources", [])),
                             tokens=int(data.get("tokens", 0)), path=path)
    except (KeyError, TypeError, ValueError) as error:
        raise PipelineError(f"{path}: malformed vocabulary file: {error}") from None


# ---- vocab show ---------------------------------------------------------------------------------------

@dataclass
class Coverage:
    source: str
    tokens: int
    known_tokens: int
    types: int
    known_types: int

    @property
    def token_rate(self) -> float:
        return self.known_tokens / self.tokens if self.tokens else 0.0

    @property
    def type_rate(self) -> float:
        return self.known_types / self.types if self.types else 0.0


@dataclass
class VocabSummary:
    path: str
    size: int  # items, padding and unknown included
    words: int  # real words
    lowercase: bool
    min_count: int
    max_size: int | None
    sources: list[str]
    tokens: int
    most_frequent: list[tuple[str, int]]
    rarest: list[tuple[str, int]]
    coverage: list[Coverage]


def vocab_summary(path: str | Path, coverage_sources: list[str] = (), top: int = 10,
                  format: str = "auto") -> VocabSummary:
    """Size, most frequent and rarest words, and each coverage source's share of known tokens and types."""
    if top < 0:  # a negative slice would show all but the last words
        raise PipelineError(f"--top must be 0 or more, not {top}")
    vocab_file = load_word_vocab(path)
    vocab = vocab_file.vocab
    words = vocab.items[2:]
    counted = [(word, int(vocab.counts.get(word, 0))) for word in words]
    rarest = sorted(counted, key=lambda item: (item[1], item[0]))[:top]
    coverage = []
    for text in coverage_sources:
        source = parse_source(text, format)
        counts: Counter[str] = Counter()
        for sentence in iter_source_sentences(source):
            counts.update(_keys(sentence, vocab_file.lowercase))
        known = [word for word in counts if word in vocab.index and vocab.index[word] > 1]
        coverage.append(Coverage(source.describe(), sum(counts.values()), sum(counts[w] for w in known),
                                 len(counts), len(known)))
    return VocabSummary(path=str(path), size=len(vocab), words=len(words), lowercase=vocab_file.lowercase,
                        min_count=vocab_file.min_count, max_size=vocab_file.max_size, sources=vocab_file.sources,
                        tokens=vocab_file.tokens, most_frequent=counted[:top], rarest=rarest, coverage=coverage)


# ---- training with a prebuilt vocabulary --------------------------------------------------------------

def training_vocabularies(corpus, word_vocab: WordVocabFile):
    """Vocabularies for training `corpus`: word ids from the file, characters and tags from the corpus.

    The word counts are the training corpus's own (not the file's), so "unseen words" in evaluation still
    means words the tagger never saw tagged, whatever text built the vocabulary.
    """
    from tagger import Vocab, Vocabularies

    more_tags = [[s.more_tags[i] for s in corpus.train] for i in range(len(corpus.tagsets) - 1)]
    built = Vocabularies.build([s.words for s in corpus.train], [s.tags for s in corpus.train], min_count=1,
                               lowercase=word_vocab.lowercase, more_tags=more_tags)
    words = Vocab(items=list(word_vocab.vocab.items), counts=dict(built.words.counts), has_unk=True)
    return Vocabularies(words=words, chars=built.chars, tags=built.tags, lowercase=word_vocab.lowercase,
                        more_tags=built.more_tags)


def coverage_of_training(vocabs, corpus) -> float:
    """Share of training tokens whose word has its own id (not the unknown one)."""
    tokens = count_tokens(corpus.train)
    known = sum(1 for s in corpus.train for w in s.words if vocabs.words.id(vocabs.word_key(w)) > 1)
    return known / tokens if tokens else 0.0
