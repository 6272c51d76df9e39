"""Corpora from the user's own files: CoNLL-U or NLTK-style word/TAG, detected from the content."""

from __future__ import annotations

from pathlib import Path

from .conllu import read_conllu
from .textfile import read_lines
from .types import Corpus, CorpusError, Sentence
from .wordtag import read_word_tag

FORMATS = ("conllu", "wordtag")


def detect_format(path: str | Path) -> str:
    """'conllu' when the first data line has 10 tab-separated fields, else 'wordtag'."""
    for _, line in read_lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        return "conllu" if line.count("\t") == 9 else "wordtag"
    raise CorpusError(f"{path}: the file holds no sentences")


def read_corpus_file(path: str | Path, format: str = "auto", tagset: str = "upos") -> list[Sentence]:
    if format == "auto":
        format = detect_format(path)
    if format == "conllu":
        sentences = read_conllu(path, tagset)
    elif format == "wordtag":
        sentences = read_word_tag(path)
    else:
        raise CorpusError(f"unknown corpus format {format!r}; choose from auto, {', '.join(FORMATS)}")
    if not sentences:
        raise CorpusError(f"{path}: the file holds no sentences")
    return sentences


def load_files(
    train: str | Path | None,
    dev: str | Path | None = None,
    test: str | Path | None = None,
    format: str = "auto",
    tagset: str = "upos",
) -> Corpus:
    def read(path):
        return read_corpus_file(path, format, tagset) if path else []

    name = Path(train).stem if train else (Path(test).stem if test else "custom")
    return Corpus(name=name, tagset=tagset, train=read(train), dev=read(dev), test=read(test))
