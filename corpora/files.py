"""Corpora from the user's own files: CoNLL-U, word/TAG tokens or word-and-tag columns.

The format of each file is detected from its content (`detect_format`) unless given. A directory
stands for its `*train*`, `*dev*` (or `*val*`) and `*test*` files. When only training data is given,
`split="80/10/10"` (or "90/10") cuts dev and test off it in order (see corpora.split).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

from common.errors import quoted

from .columns import (
    DEFAULT_TAG_COLUMN,
    DEFAULT_WORD_COLUMN,
    DOCUMENT_START,
    MAX_COLUMNS,
    choose_delimiter,
    parse_columns,
    split_columns,
)
from .conllu import N_FIELDS, TAG_COLUMNS, conllu_fields, parse_conllu
from .split import split_sentences
from .textfile import FORMAT_NAMES, first_bad_token, is_word_tag, looks_word_tag, read_lines
from .types import Corpus, CorpusError, CorpusNotFoundError, Sentence
from .wordtag import parse_word_tag

FORMATS = ("conllu", "wordtag", "columns")
FORMAT_ALIASES = {"conll": "columns", "conllx": "conllu", "conll-u": "conllu", "word/tag": "wordtag",
                  "tagged": "wordtag"}
DETECTION_LINES = 1000  # data lines (not blank, not comments) format detection looks at
DETECTION_CHARS = 1 << 20  # and at most this much text
_CONLLU_ID = re.compile(r"^\d+([-.]\d+)?$")
CUSTOM_TAGSET = "custom"

# Names a corpus directory may hold beside its data: never read as a split.
_NOT_DATA = re.compile(r"(readme|license|licence|changelog|stats|\.sha256$|\.part$|\.md$|\.json$|\.xml$|\.log$)",
                       re.IGNORECASE)
_SPLIT_PATTERNS = {"train": ("train",), "dev": ("dev", "val"), "test": ("test",)}


def normalize_format(format: str) -> str:
    format = (format or "auto").lower()
    format = FORMAT_ALIASES.get(format, format)
    if format != "auto" and format not in FORMATS:
        raise CorpusError(f"unknown corpus format {quoted(format)}; choose from auto, {', '.join(FORMATS)}")
    return format


def detect_format_of_lines(lines: list[tuple[int, str]], source: str, separator: str = "/") -> str:
    """'conllu', 'wordtag' or 'columns': the first format that every line fits; a CorpusError otherwise.

    The error names the first line that does not fit the format the file looks most like, and why.
    """
    sample = [(number, line) for number, line in lines if line.strip()]
    if not sample:
        raise CorpusError(f"{source}: the file holds no sentences")
    if all(line.lstrip().startswith("#") for _, line in sample) and not all(
            _all_word_tag(line, separator) for _, line in sample):
        raise CorpusError(f"{source}: the file holds no sentences, only comment lines")
    misfits = {
        "conllu": _conllu_misfit(sample),
        "wordtag": _word_tag_misfit(sample, separator),
        "columns": _columns_misfit(sample, separator),
    }
    for format in FORMATS:
        if misfits[format] is None:
            return format
    likeliest = _likeliest_format(sample, separator)
    number, reason = misfits[likeliest]
    raise CorpusError(
        f"{source}:{number}: cannot tell the file's format: no format fits all its lines; it looks most like "
        f"{FORMAT_NAMES[likeliest]}, but {reason}{_separator_hint(sample, separator)}; "
        "pass --format conllu, wordtag or columns"
    )


def _all_word_tag(line: str, separator: str) -> bool:
    return all(is_word_tag(token, separator) for token in line.split())


def _conllu_misfit(sample) -> tuple[int, str] | None:
    if all(line.startswith("#") for _, line in sample):
        return sample[0][0], "the file has comment lines and no word lines"
    for number, line in sample:
        if line.startswith("#"):
            continue
        fields = conllu_fields(line.rstrip(" \t"))
        if fields is None:
            return number, f"the line has {len(line.rstrip(' ').split(chr(9)))} tab-separated fields, not {N_FIELDS}"
        if not _CONLLU_ID.match(fields[0]):
            return number, f"the ID {quoted(fields[0])} is not a number"
    return None


def _word_tag_misfit(sample, separator: str) -> tuple[int, str] | None:
    for number, line in sample:
        if not _all_word_tag(line, separator):
            return number, f"the token {first_bad_token(line.split(), separator)} is not word{separator}TAG"
    return None


def _columns_misfit(sample, separator: str) -> tuple[int, str] | None:
    data = [(number, line) for number, line in sample if line.split()[0] != DOCUMENT_START]
    if not data:
        return sample[0][0], "only document boundaries"
    delimiter = choose_delimiter(data)
    counts: dict[int, int] = {}
    for number, line in data:
        fields = split_columns(line, delimiter)
        if not 2 <= len(fields) <= MAX_COLUMNS:
            return number, f"the line has {len(fields)} field{'s' if len(fields) != 1 else ''}, not 2 to {MAX_COLUMNS}"
        shaped = _word_tag_shaped(line.split(), separator)
        if shaped:
            return number, f"the line holds several word{shaped}TAG tokens, not one word and its tag"
        if _is_conllu_word_line(line):
            return number, "the line is a CoNLL-U word line"
        counts[len(fields)] = counts.get(len(fields), 0) + 1
    usual = max(counts, key=lambda count: (counts[count], -count))
    # Nearly all lines the same number of fields: a stray line may have an extra one.
    if counts[usual] >= 0.9 * len(data):
        return None
    for number, line in data:
        found = len(split_columns(line, delimiter))
        if found != usual:
            return number, f"the line has {found} fields where most lines have {usual}"
    return None


OTHER_SEPARATORS = ("/", "_", "|")  # word/TAG files written with another separator than the one given


def _word_tag_shaped(tokens: list[str], separator: str) -> str | None:
    """The separator with which most tokens of the line are word/TAG, if any: not a line of columns."""
    return next((s for s in (separator, *OTHER_SEPARATORS) if looks_word_tag(tokens, s)), None)


def _is_conllu_word_line(line: str) -> bool:
    fields = conllu_fields(line.rstrip(" \t"))
    return fields is not None and bool(_CONLLU_ID.match(fields[0]))


def _likeliest_format(sample, separator: str) -> str:
    data = [line for _, line in sample if not line.startswith("#")]
    first = data[0].split() if data else []
    if any(line.startswith(("# sent_id", "# text")) for _, line in sample) or any(map(_is_conllu_word_line, data)) or (
            first and _CONLLU_ID.match(first[0]) and ("\t" in data[0] or len(first) >= 6)):
        return "conllu"
    word_tag = sum(bool(_word_tag_shaped(line.split(), separator)) or _all_word_tag(line, separator) for line in data)
    return "wordtag" if word_tag * 2 > len(data) else "columns"


def _separator_hint(sample, separator: str) -> str:
    for other in OTHER_SEPARATORS:
        if other != separator and all(_all_word_tag(line, other) for _, line in sample):
            return f"; every token is word{other}TAG: add --separator {other}"
    return ""


def _take_head(lines: Iterator[tuple[int, str]]) -> list[tuple[int, str]]:
    """The lines detection looks at, taken from `lines`: DETECTION_LINES data lines, DETECTION_CHARS at most.

    Blank lines before the first text are dropped (no reader makes anything of them).
    """
    head: list[tuple[int, str]] = []
    data_lines, size = 0, 0
    for number, line in lines:
        if not head and not line.strip():
            continue
        head.append((number, line))
        size += len(line) + 1
        data_lines += bool(line.strip()) and not line.startswith("#")
        if data_lines >= DETECTION_LINES or size >= DETECTION_CHARS:
            break
    return head


def detect_format(path: str | Path, separator: str = "/") -> str:
    lines = read_lines(path)
    try:
        return detect_format_of_lines(_take_head(lines), str(path), separator)
    finally:
        lines.close()


def read_corpus_file(
    path: str | Path,
    format: str = "auto",
    tagset: str | None = "upos",
    separator: str = "/",
    word_column: int | None = None,
    tag_column: int | None = None,
    delimiter: str = "auto",
) -> list[Sentence]:
    """Sentences of one file; `tagset` picks the CoNLL-U column (upos/xpos) and is ignored otherwise."""
    return _read_file(path, format, tagset, separator, word_column, tag_column, delimiter)[1]


def _read_file(path, format, tagset, separator, word_column, tag_column, delimiter) -> tuple[str, list[Sentence]]:
    format = normalize_format(format)
    source = str(path)
    lines = read_lines(path)
    try:
        if format == "auto":
            # One pass: the lines detection read are parsed too, so a pipe reads the same as a file.
            head = _take_head(lines)
            format = detect_format_of_lines(head, source, separator)
            stream = itertools.chain(head, lines)
            if format == "columns":
                stream = _refuse_word_tag_lines(stream, source, separator)
            sentences = _parse(format, stream, source, tagset, separator, word_column, tag_column, delimiter)
        else:
            try:
                sentences = _parse(format, lines, source, tagset, separator, word_column, tag_column, delimiter)
            except CorpusError as error:
                hint = _detected_hint(path, separator, format, str(error))
                raise type(error)(f"{error}{hint}") from None
    finally:
        lines.close()
    if not sentences:
        raise CorpusError(f"{path}: the file holds no sentences")
    return format, sentences


def _refuse_word_tag_lines(lines, source: str, separator: str):
    """Columns found in the first lines, then a word/TAG sentence further on: stop rather than misread it."""
    for number, line in lines:
        shaped = _word_tag_shaped(line.split(), separator)
        if shaped:
            raise CorpusError(
                f"{source}:{number}: a line of word{shaped}TAG tokens in a file whose first lines are word and "
                "tag columns; pass --format columns to read it as columns anyway, or fix the line"
            )
        yield number, line


def _parse(format, lines, source, tagset, separator, word_column, tag_column, delimiter) -> list[Sentence]:
    if format == "conllu":
        conllu_tagset = "upos" if tagset in (None, CUSTOM_TAGSET) else tagset
        return list(parse_conllu(lines, source, conllu_tagset))
    if format == "wordtag":
        return list(parse_word_tag(lines, source, separator))
    return list(parse_columns(lines, source, word_column or DEFAULT_WORD_COLUMN, tag_column or DEFAULT_TAG_COLUMN,
                              delimiter))


def _detected_hint(path, separator, used: str, message: str) -> str:
    """When a format given by the user fails, say which format the content looks like."""
    if "--format" in message:
        return ""
    try:
        detected = detect_format(path, separator)
    except CorpusError:
        return ""
    if detected == used:
        return ""
    return f"; the file looks like {FORMAT_NAMES[detected]}: try --format {detected} (or auto)"


def find_split_files(directory: str | Path) -> dict[str, Path]:
    """The directory's train/dev/test files by name; CoNLL-U wins where a split has several candidates."""
    directory = Path(directory)
    files = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))
    files = [p for p in files if not _NOT_DATA.search(p.name)]
    found: dict[str, Path] = {}
    for split, keys in _SPLIT_PATTERNS.items():
        candidates = [p for p in files if any(key in p.name.lower() for key in keys)]
        if len(candidates) > 1:
            conllu = [p for p in candidates if p.suffix.lower() in (".conllu", ".conllx", ".conll")]
            candidates = conllu if conllu else candidates
        if len(candidates) > 1:
            names = ", ".join(p.name for p in candidates)
            raise CorpusError(f"{directory}: several {split} files ({names}); give --train/--dev/--test instead")
        if candidates:
            found[split] = candidates[0]
    shared = [p for p in set(found.values()) if list(found.values()).count(p) > 1]
    if shared:
        raise CorpusError(f"{shared[0]}: the name matches more than one split; give --train/--dev/--test instead")
    if "train" not in found:
        listed = ", ".join(p.name for p in files[:10]) or "no files"
        raise CorpusNotFoundError(f"{directory}: no file with 'train' in its name ({listed})")
    return found


def load_files(
    train: str | Path | None,
    dev: str | Path | None = None,
    test: str | Path | None = None,
    format: str = "auto",
    tagset: str | None = None,
    split: str | None = None,
    separator: str = "/",
    word_column: int | None = None,
    tag_column: int | None = None,
    delimiter: str = "auto",
    name: str | None = None,
) -> Corpus:
    """A corpus from files, or from a directory of `*train*`/`*dev*`/`*test*` files given as `train`.

    `split` ("90/10", "80/10/10") cuts dev (and test) off the training file when they are not given.
    `tagset`: for CoNLL-U the column to read (upos, the default, or xpos); for the other formats the tags
    are whatever the file holds and `tagset` is only recorded as a label (default "custom").
    """
    if train is not None and Path(train).is_dir():
        if dev is not None or test is not None:
            raise CorpusError(f"{train}: a directory brings its own dev/test files; do not also give --dev/--test")
        found = find_split_files(train)
        name = name or Path(train).resolve().name
        train, dev, test = found.get("train"), found.get("dev"), found.get("test")
    for path in (train, dev, test):
        if path is not None and not Path(path).exists():
            raise CorpusNotFoundError(f"{path}: no such file")
    format = normalize_format(format)
    formats_seen: set[str] = set()

    def read(path):
        if not path:
            return []
        file_format, sentences = _read_file(path, format, tagset, separator, word_column, tag_column, delimiter)
        formats_seen.add(file_format)
        return sentences

    train_sentences, dev_sentences, test_sentences = read(train), read(dev), read(test)
    if split:
        if not train_sentences:
            raise CorpusError("--split needs a training file to cut dev/test from")
        if dev_sentences:
            raise CorpusError(f"--split {split}: a dev file is already given ({dev}); drop one of them")
        parts = split_sentences(train_sentences, split, str(train))
        if parts["test"] and test_sentences:
            raise CorpusError(f"--split {split} cuts off a test part, but a test file is given ({test}); "
                              "use a train/dev split such as 90/10")
        train_sentences, dev_sentences = parts["train"], parts["dev"]
        test_sentences = test_sentences or parts["test"]
    if name is None:
        name = Path(train).stem if train else (Path(test).stem if test else "custom")
    return Corpus(name=name, tagset=_tagset_label(tagset, formats_seen), train=train_sentences,
                  dev=dev_sentences, test=test_sentences)


def _tagset_label(tagset: str | None, formats: set[str]) -> str:
    conllu_tagset = bool(tagset) and all(name in TAG_COLUMNS for name in tagset.split(","))
    if formats == {"conllu"} or ("conllu" in formats and conllu_tagset):
        return tagset if conllu_tagset else "upos"
    return tagset or CUSTOM_TAGSET
