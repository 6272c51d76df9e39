"""Word vectors in text form (word2vec, GloVe, fastText `.vec`): a streaming reader and an atomic writer.

The format: one word a line, the word then its values, separated by spaces (tabs are accepted too);
word2vec and fastText files start with a header line `count dim`, GloVe files do not. A gzip file
(`.gz`, or any file starting with the gzip magic bytes) is read as it streams.

Files are read line by line: `iter_vectors` holds one line at a time, and `select_vectors` keeps only the
vectors of the words asked for (plus, optionally, the first N others, i.e. the most frequent ones in the
usual frequency-sorted files), so a vectors file of millions of words never has to fit in memory. Only the
words themselves are remembered while reading, to refuse a duplicated word.

Every error is a CorpusError naming the file and line: a bad header, a line with the wrong number of
values, a value that is not a finite number, a word that occurs twice, bytes that are not UTF-8.

NumPy only: no TensorFlow here.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from common.errors import quoted, shorten
from common.files import open_atomically

from .textfile import decode_line, iter_raw_lines
from .types import CorpusError, CorpusNotFoundError

GZIP_MAGIC = b"\x1f\x8b"
_FIELD_SEPARATOR = re.compile(r"[ \t]+")


@dataclass(frozen=True)
class VectorsHeader:
    """What the first line says: the dimension, and the vector count when the file has a header line."""

    dim: int
    count: int | None  # None for a file without a header (GloVe)


@dataclass(frozen=True)
class VectorLine:
    number: int  # line number in the file, from 1
    word: str
    values: np.ndarray  # float32 [dim]


@dataclass
class SelectedVectors:
    """The vectors `select_vectors` kept, in file order, with what it saw of the whole file."""

    path: str
    dim: int
    total: int  # vectors in the file
    words: list[str] = field(default_factory=list)
    vectors: np.ndarray | None = None  # float32 [len(words), dim]
    extra: list[str] = field(default_factory=list)  # the words kept only because of `extra`, in file order


@contextmanager
def _open_binary(path: Path):
    if not path.exists():
        raise CorpusNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise CorpusError(f"{path}: is a directory, expected a vectors file")
    with open(path, "rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    handle = gzip.open(path, "rb") if compressed else open(path, "rb")
    try:
        yield handle
    except (OSError, EOFError) as error:  # a damaged or truncated gzip stream
        raise CorpusError(f"{path}: cannot be read ({error})") from None
    finally:
        handle.close()


def _split(line: str) -> list[str]:
    # Only spaces and tabs separate fields: a word may hold other Unicode spaces (fastText has some).
    return [part for part in _FIELD_SEPARATOR.split(line.strip(" \t\r\n")) if part]


def _lines(handle, path: Path):
    """(number, raw line) in bounded chunks: a line past MAX_LINE_BYTES (no line ends at all) stops reading."""
    for number, offset, raw in iter_raw_lines(handle, path, universal=False):
        if b"\x00" in raw:
            decode_line(raw, path, number, offset)  # raises, naming the column and byte
        yield number, raw


def _decode(raw: bytes, path: Path, number: int) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CorpusError(f"{path}:{number}: not valid UTF-8 (byte {error.start} of the line); "
                          f"vectors files must be UTF-8") from None
    return text.lstrip("\ufeff") if number == 1 else text


_INTEGER = re.compile(r"[-+]?[0-9]+")


def _parse_header(fields: list[str]) -> tuple[int, int] | None:
    """(count, dim) when the line is a word2vec header: exactly two integers (checked by _check_header).

    A signed integer counts too, so that `-3 5` is refused as a bad header rather than read as the word
    "-3" with a one-dimensional vector.
    """
    if len(fields) == 2 and all(_INTEGER.fullmatch(value) for value in fields):
        return int(fields[0]), int(fields[1])
    return None


def _parse_values(fields: list[str], path: Path, number: int) -> np.ndarray:
    try:
        values = np.array(fields, dtype=np.float32)
    except ValueError:
        bad = next(value for value in fields if not _is_number(value))
        raise CorpusError(f"{path}:{number}: value {quoted(bad)} is not a number") from None
    if not np.isfinite(values).all():
        bad = fields[int(np.flatnonzero(~np.isfinite(values))[0])]
        raise CorpusError(f"{path}:{number}: value {quoted(bad)} is not a finite number")
    return values


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_header(path: str | Path) -> VectorsHeader:
    """The dimension (and count, if stated) from the first line, without reading the rest of the file."""
    path = Path(path)
    with _open_binary(path) as handle:
        for number, raw in _lines(handle, path):
            fields = _split(_decode(raw, path, number))
            if not fields:
                continue
            header = _parse_header(fields)
            if header is not None:
                count, dim = header
                _check_header(count, dim, path, number)
                return VectorsHeader(dim=dim, count=count)
            _check_first_vector(fields, path, number)
            return VectorsHeader(dim=len(fields) - 1, count=None)
    raise CorpusError(f"{path}: the file holds no vectors")


def _check_header(count: int, dim: int, path: Path, number: int) -> None:
    if dim <= 0 or count <= 0:
        raise CorpusError(f"{path}:{number}: the header `{shorten(count)} {shorten(dim)}` gives {shorten(count)} "
                          f"vectors of {shorten(dim)} dimensions; expected positive integers `count dim`")


def _check_first_vector(fields: list[str], path: Path, number: int) -> None:
    """The first line when it is not a header: a word and at least one number, and not a malformed header."""
    if len(fields) < 2:
        raise CorpusError(f"{path}:{number}: expected a word and its values, or a `count dim` header")
    if len(fields) != 2 and all(_INTEGER.fullmatch(value) for value in fields):
        raise CorpusError(f"{path}:{number}: a header line holds two numbers, `count dim`; this one holds "
                          f"{len(fields)}: {shorten(' '.join(fields[:4]))}")
    _parse_values(fields[1:], path, number)


@dataclass
class VectorBlock:
    """Consecutive vectors of a file: their line numbers, words, and values as one float32 [n, dim] array."""

    numbers: list[int]
    words: list[str]
    values: np.ndarray


BLOCK_LINES = 2048


def iter_vector_blocks(path: str | Path, block_lines: int = BLOCK_LINES) -> Iterator[VectorBlock]:
    """The file's vectors in blocks of up to `block_lines`, every line checked (see `iter_vectors`).

    The numbers of a whole block are parsed by one NumPy call, which is what makes reading fast; a block
    that does not parse cleanly is parsed again line by line to name the bad line.
    """
    path = Path(path)
    dim: int | None = None
    stated_count: int | None = None
    header_line = 0
    seen: dict[str, int] = {}  # word -> its line: words only, never their vectors
    numbers: list[int] = []
    words: list[str] = []
    rests: list[str] = []

    def flush() -> VectorBlock:
        block = VectorBlock(list(numbers), list(words), _parse_block(rests, numbers, dim, path))
        numbers.clear()
        words.clear()
        rests.clear()
        return block

    with _open_binary(path) as handle:
        for number, raw in _lines(handle, path):
            line = _decode(raw, path, number).strip(" \t\r\n")
            if not line:
                continue
            if "\t" in line:
                line = line.replace("\t", " ")
            if dim is None:
                fields = _split(line)
                header = _parse_header(fields) if not seen else None
                if header is not None:
                    stated_count, dim = header
                    _check_header(stated_count, dim, path, number)
                    header_line = number
                    continue
                _check_first_vector(fields, path, number)
                dim = len(fields) - 1
            word, _, rest = line.partition(" ")
            problem = None
            if rest.count(" ") != dim - 1 or not rest:  # the fast count is off with doubled spaces: recount
                found = len(_split(rest))
                if found != dim:
                    source = f"the header (line {header_line})" if header_line else "the first vector"
                    problem = f"{path}:{number}: {found} values for {quoted(word)}, but {source} gives {dim} dimensions"
            if problem is None and word in seen:
                problem = f"{path}:{number}: the word {quoted(word)} occurs a second time (first on line {seen[word]})"
            if problem is not None:
                if numbers:
                    flush()  # an earlier line's bad number is reported first
                raise CorpusError(problem)
            seen[word] = number
            numbers.append(number)
            words.append(word)
            rests.append(rest)
            if len(numbers) >= block_lines:
                yield flush()
    if numbers:
        yield flush()
    if stated_count is not None and stated_count != len(seen):
        raise CorpusError(f"{path}:{header_line}: the header says {stated_count:,} vectors but the file holds "
                          f"{len(seen):,}; the file may be truncated")
    if dim is None:
        raise CorpusError(f"{path}: the file holds no vectors")


def _parse_block(rests: list[str], numbers: list[int], dim: int, path: Path) -> np.ndarray:
    try:
        values = np.fromstring(" ".join(rests), sep=" ", dtype=np.float32)
    except ValueError:
        values = None
    if values is None or values.size != len(rests) * dim:
        # Slow path, line by line: finds the line, or parses what NumPy's fast reader refused.
        values = np.stack([_parse_values(_split(rest), path, number) for rest, number in zip(rests, numbers)])
    values = values.reshape(len(rests), dim)
    finite = np.isfinite(values).all(axis=1)
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        _parse_values(_split(rests[row]), path, numbers[row])  # raises, naming the value
    return values


def iter_vectors(path: str | Path) -> Iterator[VectorLine]:
    """Every vector of the file in order, each checked; blank lines are skipped.

    Raises CorpusError naming the line for a bad header, a line whose value count differs from the
    dimension (the header's, else the first line's), a value that is not a finite number, a duplicated word,
    and, at the end, a vector count that differs from the header's.
    """
    for block in iter_vector_blocks(path):
        for number, word, values in zip(block.numbers, block.words, block.values):
            yield VectorLine(number, word, values)


def select_vectors(path: str | Path, wanted: Callable[[str], bool], extra: int = 0,
                   extra_key: Callable[[str], str] | None = None,
                   known: Callable[[str], bool] | None = None) -> SelectedVectors:
    """The vectors whose word `wanted(word)` accepts, plus the first `extra` other words of the file.

    An extra word is taken when its key (`extra_key(word)`, e.g. its lowercased form; the word itself by
    default) is neither `known` (default: `wanted`) nor the key of an earlier extra word. Later words with
    the key of an extra word are kept too, so the caller can still prefer an exact form that comes later.
    The whole file is read (and checked); only the kept vectors stay in memory.
    """
    header = read_header(path)
    key = extra_key or (lambda word: word)
    is_known = known or wanted
    words: list[str] = []
    rows: list[np.ndarray] = []
    extra_words: list[str] = []
    extra_keys: set[str] = set()
    total = 0
    for block in iter_vector_blocks(path):
        total += len(block.words)
        kept = []
        for row, word in enumerate(block.words):
            if wanted(word):
                kept.append(row)
            elif extra:
                word_key = key(word)
                if word_key in extra_keys:
                    kept.append(row)
                elif len(extra_words) < extra and not is_known(word_key):
                    extra_keys.add(word_key)
                    extra_words.append(word)
                    kept.append(row)
        if kept:
            words.extend(block.words[row] for row in kept)
            rows.append(block.values[kept])
    vectors = np.concatenate(rows) if rows else np.zeros((0, header.dim), np.float32)
    return SelectedVectors(path=str(path), dim=header.dim, total=total, words=words, vectors=vectors,
                           extra=extra_words)


def write_vectors(path: str | Path, words: Iterable[str], vectors: np.ndarray, precision: int = 6) -> Path:
    """Write the word2vec text format (first line `count dim`) atomically; `words` in the order to keep.

    `precision` is the number of significant digits of each value. Words must be non-empty and hold no
    space, tab or line end (they could not be read back).
    """
    path = Path(path)
    words = list(words)
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError(f"{len(words)} words but vectors of shape {vectors.shape}")
    for word in words:
        if not word or any(ch in word for ch in " \t\r\n\0") or word.startswith("\ufeff"):
            raise ValueError(f"the word {word!r} cannot be written to a vectors file (empty or holds a separator)")
    if len(set(words)) != len(words):
        raise ValueError("the words to write are not unique")
    row_format = " ".join([f"%.{precision}g"] * vectors.shape[1])
    with open_atomically(path, "w", encoding="utf-8", newline="\n") as output:
        output.write(f"{len(words)} {vectors.shape[1]}\n")
        for word, row in zip(words, vectors):
            output.write(word + " " + row_format % tuple(row.tolist()) + "\n")
    return path
