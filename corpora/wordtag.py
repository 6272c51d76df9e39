"""NLTK-style `word/TAG` files: one sentence a line, tokens separated by whitespace."""

from __future__ import annotations

from pathlib import Path

from .textfile import read_lines
from .types import CorpusError, Sentence


def parse_word_tag_token(token: str, separator: str = "/") -> tuple[str, str]:
    # Split on the last separator: words such as "1/2" or "and/or" keep theirs.
    word, sep, tag = token.rpartition(separator)
    if not sep or not word or not tag:
        raise ValueError(f"token {token!r} is not word{separator}TAG")
    return word, tag


def read_word_tag(path: str | Path, separator: str = "/") -> list[Sentence]:
    sentences = []
    for number, line in read_lines(path):
        tokens = line.split()
        if not tokens:
            continue
        try:
            pairs = [parse_word_tag_token(token, separator) for token in tokens]
        except ValueError as error:
            raise CorpusError(f"{path}:{number}: {error}") from None
        words, tags = zip(*pairs)
        sentences.append(Sentence(tuple(words), tuple(tags)))
    return sentences


def format_word_tag(sentences, separator: str = "/") -> str:
    lines = []
    for sentence in sentences:
        lines.append(" ".join(f"{w}{separator}{t}" for w, t in zip(sentence.words, sentence.tags)))
    return "\n".join(lines) + ("\n" if lines else "")
