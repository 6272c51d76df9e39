"""CoNLL-U: read (word, tag) sentences from UPOS or XPOS, write tagged sentences back.

Written by hand rather than through the `conllu` package so that every error names the file and line.
CoNLL-X files (the same ten columns, CPOSTAG and POSTAG where CoNLL-U has UPOS and XPOS) read the same way.

Lenient where the intent is clear: comment lines, multiword token lines (`3-4`) and empty nodes (`8.1`)
are skipped; trailing spaces or tabs are dropped; a line whose fields are separated by spaces instead of
tabs (or by a mixture) is split on whitespace when that gives exactly ten fields; a sentence with no word
lines at all (only comments) is skipped; a last sentence without its closing blank line is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from common.errors import quoted

from .textfile import format_hint, read_lines, truncation_hint
from .types import CorpusError, Sentence

TAG_COLUMNS = {"upos": 3, "xpos": 4}
N_FIELDS = 10


def _is_word_id(token_id: str) -> bool:
    # "3-4" is a multiword token's surface form and "8.1" an empty node: neither is a word to tag.
    return token_id.isdigit()


def conllu_fields(line: str) -> list[str] | None:
    fields = line.split("\t")
    if len(fields) == N_FIELDS:
        return fields
    by_whitespace = line.split()
    if len(by_whitespace) == N_FIELDS:
        return by_whitespace
    return None


def parse_conllu(lines: Iterable[tuple[int, str]], source: str, tagset: str = "upos") -> Iterator[Sentence]:
    """Sentences from numbered lines; `source` names the file in error messages."""
    if tagset not in TAG_COLUMNS:
        raise CorpusError(f"{source}: CoNLL-U has no tagset {quoted(tagset)}; choose from upos, xpos")
    column = TAG_COLUMNS[tagset]
    strings: dict[str, str] = {}
    intern = strings.setdefault  # one string object per distinct word or tag: memory for big corpora
    words: list[str] = []
    tags: list[str] = []
    id_lines: dict[str, int] = {}  # the sentence's word IDs so far -> their lines
    for number, raw_line in lines:
        line = raw_line.rstrip(" \t")
        if not line.strip():
            if words:
                yield Sentence(tuple(words), tuple(tags))
                words, tags = [], []
            id_lines.clear()
            continue
        if line.startswith("#"):
            continue
        fields = conllu_fields(line)
        if fields is None:
            raise CorpusError(
                f"{source}:{number}: cannot parse CoNLL-U line: expected {N_FIELDS} tab-separated fields, "
                f"found {len(line.split(chr(9)))}{truncation_hint(source, number)}{format_hint(line, 'conllu')}"
            )
        if not _is_word_id(fields[0]):
            if "-" in fields[0] or "." in fields[0]:
                continue
            raise CorpusError(f"{source}:{number}: CoNLL-U ID {quoted(fields[0])} is not a number")
        if fields[0] in id_lines:
            # Usually two sentences without the blank line between them: their words would run together.
            raise CorpusError(
                f"{source}:{number}: CoNLL-U ID {fields[0]} occurs twice in one sentence (first on line "
                f"{id_lines[fields[0]]}); a blank line must end each sentence"
            )
        id_lines[fields[0]] = number
        form, tag = fields[1], fields[column]
        if not form:
            raise CorpusError(f"{source}:{number}: empty FORM in CoNLL-U line")
        if not tag or tag == "_":
            other = "upos" if tagset == "xpos" else "xpos"
            raise CorpusError(
                f"{source}:{number}: no {tagset.upper()} tag (column {column + 1}) for {quoted(form)}; "
                f"if the file has no {tagset.upper()} tags, use --tagset {other}"
            )
        words.append(intern(form, form))
        tags.append(intern(tag, tag))
    if words:  # a file whose last sentence lacks the closing blank line
        yield Sentence(tuple(words), tuple(tags))


def read_conllu(path: str | Path, tagset: str = "upos") -> list[Sentence]:
    return list(parse_conllu(read_lines(path), str(path), tagset))


def format_conllu(sentences: Iterable[Sentence], tag_column: str = "upos", text: Iterable[str] | None = None) -> str:
    """CoNLL-U text with the tags in `tag_column`; SpaceAfter=No where the spans touch."""
    if tag_column not in TAG_COLUMNS:
        raise ValueError(f"unknown CoNLL-U tag column {tag_column!r}")
    texts = list(text) if text is not None else None
    out: list[str] = []
    for index, sentence in enumerate(sentences, start=1):
        out.append(f"# sent_id = {index}")
        if texts is not None:
            out.append(f"# text = {texts[index - 1]}")
        for i, word in enumerate(sentence.words):
            if not word or "\t" in word or "\n" in word:
                raise ValueError(f"word {word!r} cannot be written to CoNLL-U (empty, or holds a tab or newline)")
            tag = sentence.tags[i] if sentence.tags else "_"
            fields = [str(i + 1), word, "_", "_", "_", "_", "_", "_", "_", "_"]
            fields[TAG_COLUMNS[tag_column]] = tag
            if sentence.spans and i + 1 < len(sentence.words) and sentence.spans[i][1] == sentence.spans[i + 1][0]:
                fields[9] = "SpaceAfter=No"
            out.append("\t".join(fields))
        out.append("")
    return "\n".join(out) + ("\n" if out else "")
