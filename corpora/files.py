"""Corpora from the user's own files: CoNLL-U, word/TAG tokens or word-and-tag columns.

The format of each file is detected from its content (`detect_format`) unless given. A directory
stands for its `*train*`, `*dev*` (or `*val*`) and `*test*` files. When only training data is given,
`split="80/10/10"` (or "90/10") cuts dev and test off it in order (see corpora.split).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from pathlib import Path

from .columns import DEFAULT_TAG_COLUMN, DEFAULT_WORD_COLUMN, parse_columns
from .conllu import TAG_COLUMNS, parse_conllu
from .split import split_sentences
from .textfile import FORMAT_NAMES, read_lines, split_word_tag
from .types import Corpus, CorpusError, CorpusNotFoundError, Sentence
from .wordtag import parse_word_tag

FORMATS = ("conllu", "wordtag", "columns")
FORMAT_ALIASES = {"conll": "columns", "conllx": "conllu", "conll-u": "conllu", "word/tag": "wordtag",
                  "tagged": "wordtag"}
DETECTION_LINES = 200
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
        raise CorpusError(f"unknown corpus format {format!r}; choose from auto, {', '.join(FORMATS)}")
    return format


def detect_format_of_lines(lines: list[tuple[int, str]], source: str, separator: str = "/") -> str:
    """'conllu', 'wordtag' or 'columns' from the first lines; a CorpusError naming a line otherwise."""
    sample = [(number, line) for number, line in lines if line.strip()][:DETECTION_LINES]
    if not sample:
        raise CorpusError(f"{source}: the file holds no sentences")
    data = [(number, line) for number, line in sample if not line.startswith("#")]
    for _, line in data[:1]:
        stripped = line.rstrip(" \t")
        fields = stripped.split("\t")
        if len(fields) != 10:
            fields = stripped.split()
        if len(fields) == 10 and _CONLLU_ID.match(fields[0]):
            return "conllu"
    if all(_all_word_tag(line, separator) for _, line in sample):
        return "wordtag"
    counts = Counter(len(line.split()) for _, line in sample if not line.startswith("-DOCSTART-"))
    usual, usual_count = counts.most_common(1)[0] if counts else (0, 0)
    # Columns: every line has 2 to 20 fields, nearly all the same number (a stray line may have an extra one).
    if counts and min(counts) >= 2 and max(counts) <= 20 and usual_count >= 0.9 * sum(counts.values()):
        return "columns"
    first_bad = _first_unlike(sample, separator, counts)
    raise CorpusError(
        f"{source}:{first_bad[0]}: cannot tell the file's format: this line is not CoNLL-U (10 tab-separated "
        f"fields), word{separator}TAG tokens, or word and tag columns like the other lines; "
        "pass --format conllu, wordtag or columns"
    )


def _all_word_tag(line: str, separator: str) -> bool:
    return all(split_word_tag(token, separator) for token in line.split())


def _first_unlike(sample, separator, counts: Counter) -> tuple[int, str]:
    usual = counts.most_common(1)[0][0] if counts else 0
    if sum(_all_word_tag(line, separator) for _, line in sample) * 2 > len(sample):
        return next((n, line) for n, line in sample if not _all_word_tag(line, separator))
    return next(((n, line) for n, line in sample if len(line.split()) != usual or usual < 2), sample[0])


def head_lines(path: str | Path, count: int = DETECTION_LINES) -> list[tuple[int, str]]:
    """The first `count` non-blank numbered lines, read without reading the rest of the file."""
    lines = read_lines(path)
    try:
        return list(itertools.islice(((n, line) for n, line in lines if line.strip()), count))
    finally:
        lines.close()


def detect_format(path: str | Path, separator: str = "/") -> str:
    return detect_format_of_lines(head_lines(path), str(path), separator)


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
    if format == "auto":
        format = detect_format(path, separator)
        sentences = _parse(format, read_lines(path), source, tagset, separator, word_column, tag_column, delimiter)
    else:
        try:
            sentences = _parse(format, read_lines(path), source, tagset, separator, word_column, tag_column,
                               delimiter)
        except CorpusError as error:
            hint = _detected_hint(path, separator, format, str(error))
            raise type(error)(f"{error}{hint}") from None
    if not sentences:
        raise CorpusError(f"{path}: the file holds no sentences")
    return format, sentences


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
