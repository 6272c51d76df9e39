"""NLTK-style `word/TAG` files: one sentence a line, tokens separated by whitespace.

The separator is configurable (`_`, `|`, ...). A token splits at its LAST separator, so words that
contain the separator ("1/2/CD", "and/or/CC") read correctly; tags therefore cannot contain it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from common.errors import quoted

from .textfile import format_hint, read_lines, split_word_tag, truncation_hint
from .types import CorpusError, Sentence


def parse_word_tag_token(token: str, separator: str = "/") -> tuple[str, str]:
    pair = split_word_tag(token, separator)
    if pair is None:
        raise ValueError(f"token {quoted(token)} is not word{separator}TAG")
    return pair


def _check_separator(separator: str) -> None:
    if not separator or any(character.isspace() for character in separator):
        raise CorpusError(f"the word/TAG separator must be non-empty and hold no whitespace, not {quoted(separator)}")


def parse_word_tag(lines: Iterable[tuple[int, str]], source: str, separator: str = "/") -> Iterator[Sentence]:
    _check_separator(separator)
    strings: dict[str, str] = {}
    intern = strings.setdefault  # one string object per distinct word or tag: memory for big corpora
    for number, line in lines:
        tokens = line.split()
        if not tokens:
            continue  # blank lines (empty sentences) carry nothing to tag
        try:
            pairs = [parse_word_tag_token(token, separator) for token in tokens]
        except ValueError as error:
            hint = truncation_hint(source, number) or format_hint(line, "wordtag", separator)
            raise CorpusError(f"{source}:{number}: {error}{hint}") from None
        yield Sentence(tuple(intern(w, w) for w, _ in pairs), tuple(intern(t, t) for _, t in pairs))


def read_word_tag(path: str | Path, separator: str = "/") -> list[Sentence]:
    return list(parse_word_tag(read_lines(path), str(path), separator))


def format_word_tag(sentences: Iterable[Sentence], separator: str = "/") -> str:
    """One sentence a line; raises ValueError for what would not read back the same."""
    _check_separator(separator)
    lines = []
    for sentence in sentences:
        tokens = []
        for word, tag in zip(sentence.words, sentence.tags):
            if not word or not tag or any(c.isspace() for c in word + tag):
                raise ValueError(f"{word!r}/{tag!r}: words and tags in word/TAG files hold no whitespace")
            if (separator + tag).rfind(separator) != 0:  # the tag would swallow (part of) the separator
                raise ValueError(f"tag {tag!r} holds the separator {separator!r}; choose another separator")
            tokens.append(f"{word}{separator}{tag}")
        lines.append(" ".join(tokens))
    return "\n".join(lines) + ("\n" if lines else "")
