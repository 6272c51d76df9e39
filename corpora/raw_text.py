"""NLTK's untagged English corpora as running text for pretraining: `nltk:abc`, `nltk:movie_reviews`, ...

They have no tags and no splits: as word sources (`postag embeddings train`, `postag charlm train`,
`postag vocab build`) each gives all of its sentences. The package is read straight from its zip (or
unzipped folder) under $NLTK_DATA, with no NLTK import: the files are plain text.

- movie_reviews is already tokenized and lowercased, one sentence a line: its lines are split at spaces;
- the others are running text, a paragraph (or a headline) a line: each line is split into sentences and
  words by the rule tokenizer `postag tag` uses, so pretraining sees words cut as tagging will cut them.
  Their files are UTF-8 or, where that fails, Latin-1 (NLTK's own loaders read several as Latin-1).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from common.errors import quoted

from .types import CorpusError, CorpusNotFoundError


@dataclass(frozen=True)
class RawCorpus:
    short_name: str
    description: str
    license: str
    words: int  # as NLTK's words() counts them
    pretokenized: bool = False  # one sentence a line, words separated by spaces

    @property
    def name(self) -> str:
        return f"nltk:{self.short_name}"


RAW_CORPORA: dict[str, RawCorpus] = {
    corpus.short_name: corpus
    for corpus in [
        RawCorpus("movie_reviews", "2,000 film reviews (tokenized, lowercased)", "CC BY 4.0", 1_583_820,
                  pretokenized=True),
        RawCorpus("abc", "Australian Broadcasting Commission 2006 science and rural news", "not stated", 766_811),
        RawCorpus("state_union", "US State of the Union addresses 1945-2006", "US government works", 399_822),
        RawCorpus("webtext", "web text: forum, Firefox reviews, film script, personal ads, wine reviews",
                  "not stated", 396_733),
        RawCorpus("inaugural", "US presidential inaugural addresses", "public domain", 152_901),
    ]
}


def is_raw_corpus(name: str) -> bool:
    return name.startswith("nltk:") and name.removeprefix("nltk:") in RAW_CORPORA


def raw_corpus(name: str) -> RawCorpus:
    try:
        return RAW_CORPORA[name.removeprefix("nltk:")]
    except KeyError:
        known = ", ".join(corpus.name for corpus in RAW_CORPORA.values())
        raise CorpusNotFoundError(f"unknown raw-text corpus {quoted(name)}; known: {known}") from None


def raw_sentences(name: str, fetch: bool = True) -> Iterator[tuple[str, ...]]:
    """The words of every sentence of a raw-text corpus, file by file in sorted order."""
    from . import nltk_corpora

    corpus = raw_corpus(name)
    nltk_corpora.ensure_package("corpora", corpus.short_name, corpus.name, fetch)
    location = nltk_corpora.package_location("corpora", corpus.short_name)
    from .tokenize import tokenize

    for _, data in _text_files(location, corpus.short_name):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")  # every byte is a Latin-1 character: this cannot fail
        for line in text.splitlines():
            if corpus.pretokenized:
                words = tuple(line.split())
                if words:
                    yield words
                continue
            for sentence in tokenize(line):
                if sentence.words:
                    yield sentence.words


def _text_files(location: Path, package: str) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every .txt file of the package, sorted by name, from its zip or its folder."""
    if location.is_dir():
        for path in sorted(location.rglob("*.txt")):
            yield str(path.relative_to(location)), path.read_bytes()
        return
    try:
        with zipfile.ZipFile(location) as archive:
            names = sorted(n for n in archive.namelist() if n.startswith(f"{package}/") and n.endswith(".txt"))
            for name in names:
                yield name, archive.read(name)
    except zipfile.BadZipFile:
        raise CorpusError(f"{location}: not a readable zip file; delete it and fetch the package again") from None
