"""Column files (CoNLL-2000 / CoNLL-X style): one word a line, blank line between sentences.

Columns are counted from 1, as `cut -f` and `awk` count them: by default the word is column 1 and the
tag column 2 (CoNLL-2000: `word POS chunk`). Fields are separated by runs of whitespace, so tabs,
spaces and a mixture of both read the same; only when every line holds a tab and some field holds a
space (words such as "New York") is the file split on tabs alone. `-DOCSTART-` lines (document
boundaries in CoNLL shared-task files) end the current sentence and are skipped.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path

from common.errors import quoted

from .textfile import format_hint, read_lines, truncation_hint
from .types import CorpusError, Sentence

DEFAULT_WORD_COLUMN = 1
DEFAULT_TAG_COLUMN = 2
DELIMITERS = ("auto", "whitespace", "tab")
DOCUMENT_START = "-DOCSTART-"
DELIMITER_SAMPLE = 2000  # lines read to choose the delimiter
MAX_COLUMNS = 20  # more fields on a line than any column format has: prose, not columns


def check_columns(word_column: int, tag_column: int) -> None:
    for label, column in (("word", word_column), ("tag", tag_column)):
        if not isinstance(column, int) or column < 1:
            raise CorpusError(f"the {label} column must be a number from 1, not {quoted(column)}")
    if word_column == tag_column:
        raise CorpusError(f"the word and tag columns must differ (both are {word_column})")


def choose_delimiter(lines: list[tuple[int, str]]) -> str:
    """'tab' when every data line has a tab and some tab-separated field holds a space, else 'whitespace'."""
    data = [line for _, line in lines if line.strip()]
    if not data or not all("\t" in line for line in data):
        return "whitespace"
    if any(" " in field.strip() for line in data for field in line.split("\t")):
        return "tab"
    return "whitespace"


def split_columns(line: str, delimiter: str) -> list[str]:
    if delimiter == "tab" and "\t" in line:
        return [field.strip() for field in line.split("\t")]
    return line.split()  # also a line without a tab in a tab-separated file: the mixture reads as meant


def parse_columns(
    lines: Iterable[tuple[int, str]],
    source: str,
    word_column: int = DEFAULT_WORD_COLUMN,
    tag_column: int = DEFAULT_TAG_COLUMN,
    delimiter: str = "auto",
) -> Iterator[Sentence]:
    check_columns(word_column, tag_column)
    if delimiter not in DELIMITERS:
        raise CorpusError(f"unknown column delimiter {quoted(delimiter)}; choose from {', '.join(DELIMITERS)}")
    lines = iter(lines)
    if delimiter == "auto":
        # Decided on the first lines, so that the rest streams: a file that needs tabs shows it early.
        head = list(itertools.islice(lines, DELIMITER_SAMPLE))
        delimiter = choose_delimiter(head)
        lines = itertools.chain(head, lines)
    strings: dict[str, str] = {}
    intern = strings.setdefault  # one string object per distinct word or tag: memory for big corpora
    needed = max(word_column, tag_column)
    words: list[str] = []
    tags: list[str] = []
    for number, line in lines:
        if not line.strip():
            if words:
                yield Sentence(tuple(words), tuple(tags))
                words, tags = [], []
            continue
        fields = split_columns(line, delimiter)
        if fields and fields[0] == DOCUMENT_START:
            if words:
                yield Sentence(tuple(words), tuple(tags))
                words, tags = [], []
            continue
        if len(fields) < needed:
            missing = "tag" if len(fields) < tag_column else "word"
            column = tag_column if missing == "tag" else word_column
            hint = truncation_hint(source, number) or format_hint(line, "columns")
            choose = f" (choose --{missing}-column from 1 to {len(fields)})" if len(fields) >= 2 else ""
            raise CorpusError(
                f"{source}:{number}: no {missing} column {column}: the line has {len(fields)} "
                f"column{'s' if len(fields) != 1 else ''}{choose}{hint}"
            )
        word, tag = fields[word_column - 1], fields[tag_column - 1]
        if not word or not tag:
            empty = "word" if not word else "tag"
            raise CorpusError(f"{source}:{number}: empty {empty} in column {word_column if not word else tag_column}")
        words.append(intern(word, word))
        tags.append(intern(tag, tag))
    if words:
        yield Sentence(tuple(words), tuple(tags))


def read_columns(
    path: str | Path,
    word_column: int = DEFAULT_WORD_COLUMN,
    tag_column: int = DEFAULT_TAG_COLUMN,
    delimiter: str = "auto",
) -> list[Sentence]:
    return list(parse_columns(read_lines(path), str(path), word_column, tag_column, delimiter))


def format_columns(sentences: Iterable[Sentence], delimiter: str = "\t") -> str:
    """`word<delimiter>tag` lines, a blank line after each sentence; ValueError for what would not read back."""
    out: list[str] = []
    for sentence in sentences:
        if not sentence.words:
            continue
        for word, tag in zip(sentence.words, sentence.tags):
            for value in (word, tag):
                if not value or any(c.isspace() for c in value):
                    raise ValueError(f"{value!r}: words and tags in column files hold no whitespace")
            if word == DOCUMENT_START:
                raise ValueError(f"the word {DOCUMENT_START} marks documents in column files")
            out.append(f"{word}{delimiter}{tag}")
        out.append("")
    return "\n".join(out) + ("\n" if out else "")
