"""The fuzzing suite's strategies and checks (tests/test_fuzz_*.py).

Generated inputs: corpus files in every format postag reads (CoNLL-U, word/TAG, columns), valid or broken in
one known place; word vectors files, valid or broken; raw text of any Unicode with BOMs, CR/CRLF line ends,
long lines, no line ends and NUL bytes; and arbitrary bytes.

Profiles (tests/conftest.py picks one): `fuzz-fast` in the default test run, `fuzz-long` with `-m fuzz`;
HYPOTHESIS_PROFILE=fuzz-long (or fuzz-fast) overrides, and POSTAG_FUZZ_EXAMPLES scales the long one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import resource
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from corpora import Sentence

PROFILE = "fuzz-fast"  # set by conftest.pytest_configure before the test modules are imported
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
           HealthCheck.function_scoped_fixture, HealthCheck.large_base_example]
settings.register_profile("fuzz-fast", max_examples=40, deadline=None, suppress_health_check=_HEALTH,
                          print_blob=True)
settings.register_profile("fuzz-long", max_examples=int(os.environ.get("POSTAG_FUZZ_EXAMPLES", "1500")),
                          deadline=None, suppress_health_check=_HEALTH, print_blob=True)

SMALL_LINE_CAP = 4096  # the line cap while fuzzing, so that "a line past the cap" is cheap to generate
EXAMPLE_SECONDS = 30  # one example taking longer is a hang
RSS_GROWTH_LIMIT = 256 << 20  # the process may not grow by more than this over a test


def fuzz_settings(weight: float = 1.0) -> settings:
    """The chosen profile, with `weight` times its number of examples (slow tests take fewer)."""
    base = settings.get_profile(PROFILE)
    return settings(base, max_examples=max(5, int(base.max_examples * weight)))


# ---- guards: no hang, no memory blow-up, no changed input --------------------------------------------------

class Hang(BaseException):  # noqa: N818  (not an Exception: nothing under test may catch it)
    """An example ran past EXAMPLE_SECONDS."""


@contextlib.contextmanager
def deadline(seconds: float = EXAMPLE_SECONDS):
    def expire(signum, frame):
        raise Hang(f"no result after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_FOLDER = tempfile.TemporaryDirectory(prefix="postag_fuzz_")


def written(data: bytes, name: str = "input.txt") -> Path:
    """The data in a file of its own folder (an example's outputs never mix with another's)."""
    folder = Path(tempfile.mkdtemp(dir=_FOLDER.name))
    path = folder / name
    path.write_bytes(data)
    return path


def error_location(message: str, path: Path) -> tuple[int | None, str]:
    """(line or None, rest) of a CorpusError message, which must start with the file's name."""
    prefix = str(path)
    assert message.startswith(prefix), message
    rest = message[len(prefix):]
    match = re.match(r"^:(\d+): ", rest)
    if match:
        return int(match.group(1)), rest[match.end():]
    assert rest.startswith(": "), message
    return None, rest[2:]


# ---- text pieces -------------------------------------------------------------------------------------------

def _no_space(text: str) -> bool:
    return bool(text) and not any(c.isspace() for c in text) and "\x00" not in text


# Any character UTF-8 can carry (no lone surrogates); readers split lines at "\n", "\r" and "\r\n" only.
any_char = st.characters(blacklist_categories=("Cs",))
# A file's first character U+FEFF is its byte order mark, so no generated word starts with one.
token = st.text(any_char.filter(lambda c: not c.isspace() and c != "\x00"), min_size=1, max_size=8).filter(
    lambda w: not w.startswith("\ufeff"))
tag = st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ$.,:-"), min_size=1, max_size=4)
conllu_form = st.text(any_char.filter(lambda c: c not in "\t\n\r\x00"), min_size=1, max_size=8).filter(
    lambda w: w.strip(" ") == w and w.strip() and not w.startswith("\ufeff"))
LINE_ENDS = ("\n", "\r\n", "\r")


def sentences(words=token, tags=tag, max_sentences: int = 8, max_words: int = 8):
    one = st.integers(1, max_words).flatmap(lambda n: st.tuples(
        st.lists(words, min_size=n, max_size=n), st.lists(tags, min_size=n, max_size=n)))
    return st.lists(one.map(lambda pair: Sentence(tuple(pair[0]), tuple(pair[1]))), min_size=1,
                    max_size=max_sentences)


# ---- corpus files -------------------------------------------------------------------------------------------

@dataclass
class CorpusFile:
    """A generated corpus file: its lines (without line ends), how they are joined, what it holds."""

    format: str
    lines: list[str]
    sentences: list[Sentence]
    word_lines: list[int] = field(default_factory=list)  # indexes of lines that carry words
    line_end: str = "\n"
    bom: bool = False
    final_end: bool = True

    def data(self) -> bytes:
        text = self.line_end.join(self.lines) + (self.line_end if self.final_end and self.lines else "")
        return ("\ufeff" if self.bom else "").encode("utf-8") + text.encode("utf-8")

    @property
    def name(self) -> str:
        return {"conllu": "corpus.conllu", "wordtag": "corpus.pos", "columns": "corpus.txt"}[self.format]


@st.composite
def conllu_files(draw) -> CorpusFile:
    corpus = draw(sentences(conllu_form, tag.filter(lambda t: t != "_")))
    lines: list[str] = []
    word_lines: list[int] = []
    for index, sentence in enumerate(corpus, 1):
        if draw(st.booleans()):
            lines += [f"# sent_id = {index}", f"# text = {' '.join(sentence.words)}"]
        for position, (word, word_tag) in enumerate(zip(sentence.words, sentence.tags), 1):
            if position < len(sentence) and draw(st.integers(0, 5)) == 0:  # a multiword token: skipped
                lines.append(f"{position}-{position + 1}\t{word}{word}\t_\t_\t_\t_\t_\t_\t_\t_")
            word_lines.append(len(lines))
            xpos = draw(st.sampled_from(["_", word_tag, "XX"]))
            lines.append(f"{position}\t{word}\t_\t{word_tag}\t{xpos}\t_\t{position - 1}\tdep\t_\t_")
            if draw(st.integers(0, 7)) == 0:  # an empty node: skipped
                lines.append(f"{position}.1\t{word}\t_\t_\t_\t_\t_\t_\t_\t_")
        lines.append("")
    return _finish(draw, CorpusFile("conllu", lines, corpus, word_lines))


@st.composite
def word_tag_files(draw) -> CorpusFile:
    # Tags hold no "/" (a token splits at its last one); words may hold anything but whitespace.
    corpus = draw(sentences())
    lines: list[str] = []
    word_lines: list[int] = []
    for sentence in corpus:
        spacing = draw(st.sampled_from([" ", "  ", "\t", " \t"]))
        word_lines.append(len(lines))
        lines.append(spacing.join(f"{w}/{t}" for w, t in zip(sentence.words, sentence.tags)))
        if draw(st.integers(0, 3)) == 0:
            lines.append("")
    return _finish(draw, CorpusFile("wordtag", lines, corpus, word_lines))


@st.composite
def column_files(draw) -> CorpusFile:
    # Column values hold no word/TAG separator, or a line could look like a word/TAG sentence; not every
    # word starts with "#", or the file would be all comments.
    corpus = draw(sentences(token.filter(lambda w: w != "-DOCSTART-"), tag).filter(
        lambda c: not all(w.startswith("#") for s in c for w in s.words)))
    delimiter = draw(st.sampled_from(["\t", " ", "  ", " \t"]))
    extra = draw(st.booleans())
    lines: list[str] = ["-DOCSTART- -X- O", ""] if draw(st.booleans()) else []
    word_lines: list[int] = []
    for sentence in corpus:
        for word, word_tag in zip(sentence.words, sentence.tags):
            word_lines.append(len(lines))
            lines.append(delimiter.join([word, word_tag] + (["B-NP"] if extra else [])))
        lines.append("")
    return _finish(draw, CorpusFile("columns", lines, corpus, word_lines))


def _finish(draw, corpus_file: CorpusFile) -> CorpusFile:
    corpus_file.line_end = draw(st.sampled_from(LINE_ENDS))
    corpus_file.bom = draw(st.booleans())
    corpus_file.final_end = draw(st.booleans())
    if draw(st.integers(0, 4)) == 0:
        blank = draw(st.integers(1, 3))
        corpus_file.lines[:0] = [""] * blank
        corpus_file.word_lines = [index + blank for index in corpus_file.word_lines]
    return corpus_file


def corpus_files(formats=("conllu", "wordtag", "columns")):
    builders = {"conllu": conllu_files(), "wordtag": word_tag_files(), "columns": column_files()}
    return st.one_of(*(builders[name] for name in formats))


# ---- one known fault ------------------------------------------------------------------------------------------

@dataclass
class Broken:
    data: bytes
    line: int  # the line (from 1) the error must name
    fault: str
    name: str


def _with_line(corpus_file: CorpusFile, index: int, line: str) -> CorpusFile:
    lines = list(corpus_file.lines)
    lines[index] = line
    return CorpusFile(corpus_file.format, lines, corpus_file.sentences, corpus_file.word_lines,
                      corpus_file.line_end, corpus_file.bom, corpus_file.final_end)


def _bytes_fault(corpus_file: CorpusFile, index: int, column: int, inserted: bytes) -> bytes:
    """The file's bytes with `inserted` put `column` characters into line `index`."""
    before = corpus_file.line_end.join(corpus_file.lines[:index]) + (corpus_file.line_end if index else "")
    line = corpus_file.lines[index]
    prefix = ("\ufeff" if corpus_file.bom else "") + before + line[:column]
    rest = line[column:] + corpus_file.line_end.join([""] + corpus_file.lines[index + 1:])
    if corpus_file.final_end:
        rest += corpus_file.line_end
    return prefix.encode("utf-8") + inserted + rest.encode("utf-8")


@st.composite
def broken_files(draw) -> Broken:
    """A valid corpus file with one fault on a line that carries words; the error must name that line.

    The file has at least three word lines: with fewer, a word/TAG file with a broken line can be a valid
    column file (`Z c/D`), and a column file with a word/TAG line a valid word/TAG file.
    """
    corpus_file = draw(corpus_files().filter(lambda f: len(f.word_lines) >= 3))
    fault = draw(st.sampled_from(["nul", "utf8", "long", "format"]))
    index = draw(st.sampled_from(corpus_file.word_lines))
    line = corpus_file.lines[index]
    column = draw(st.integers(0, len(line)))
    if fault == "nul":
        return Broken(_bytes_fault(corpus_file, index, column, b"\x00"), index + 1, fault, corpus_file.name)
    if fault == "utf8":
        bad = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe2\x82"]))
        return Broken(_bytes_fault(corpus_file, index, column, bad), index + 1, fault, corpus_file.name)
    if fault == "long":
        padding = b"x" * (SMALL_LINE_CAP + 1)
        return Broken(_bytes_fault(corpus_file, index, len(line), padding), index + 1, fault, corpus_file.name)
    # A fault of the format itself: what the probe found.
    if corpus_file.format == "conllu":
        how = draw(st.sampled_from(["nine fields", "duplicate id", "bad id"]))
        fields = line.split("\t")
        if how == "nine fields":
            broken = _with_line(corpus_file, index, "\t".join(fields[:9]))
            return Broken(broken.data(), index + 1, how, corpus_file.name)
        if how == "bad id":
            broken = _with_line(corpus_file, index, "\t".join(["x" + fields[0]] + fields[1:]))
            return Broken(broken.data(), index + 1, how, corpus_file.name)
        lines = list(corpus_file.lines)
        lines.insert(index + 1, line)  # the same word line twice: its ID repeats
        broken = CorpusFile("conllu", lines, corpus_file.sentences, [], corpus_file.line_end, corpus_file.bom,
                            corpus_file.final_end)
        return Broken(broken.data(), index + 2, how, corpus_file.name)
    if corpus_file.format == "wordtag":
        tokens = line.split()
        position = draw(st.integers(0, len(tokens) - 1))
        tokens[position] = draw(st.sampled_from(["Z", "Z/", "/Z"]))  # a token without a word or a tag
        return Broken(_with_line(corpus_file, index, " ".join(tokens)).data(), index + 1, "untagged token",
                      corpus_file.name)
    how = draw(st.sampled_from(["word only", "word/TAG sentence"]))
    if how == "word only":
        broken_line = line.split()[0]
    else:
        broken_line = "The/DT dog/NN barks/VBZ"
    return Broken(_with_line(corpus_file, index, broken_line).data(), index + 1, how, corpus_file.name)


# ---- raw text and arbitrary bytes ---------------------------------------------------------------------------------

@st.composite
def raw_texts(draw) -> bytes:
    """Text as people's files hold it, and as they should not: BOMs, mixed line ends, long lines, NULs."""
    pieces = draw(st.lists(st.one_of(
        st.text(any_char, max_size=40),
        st.sampled_from(["\n", "\r\n", "\r", "\n\n", " ", "\t", "\ufeff", "\x00", "Dr. Who", "e.g.", "?!", "'s",
                         "\u2028", "\x85", "\x0c"]),
        st.text(st.sampled_from("ab ."), min_size=SMALL_LINE_CAP - 10, max_size=SMALL_LINE_CAP + 10),
    ), max_size=30))
    text = "".join(pieces)
    data = text.encode("utf-8")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


arbitrary_bytes = st.one_of(
    st.binary(max_size=2000),
    raw_texts(),
    corpus_files().map(lambda f: f.data()),
    st.tuples(corpus_files().map(lambda f: f.data()), st.integers(0, 5000)).map(lambda p: p[0][: p[1]]),  # cut
)


# ---- word vectors ---------------------------------------------------------------------------------------------

@dataclass
class VectorsFile:
    data: bytes
    words: list[str]
    values: list[list[float]]
    broken_line: int | None = None  # the line the error must name, for a broken file


vector_word = st.text(any_char.filter(lambda c: c not in " \t\n\r\x00"), min_size=1, max_size=8).filter(
    lambda w: not w.startswith("\ufeff") and w.strip(" \t\r\n") == w)
finite = st.floats(-1e6, 1e6, allow_nan=False, width=32)


@st.composite
def vectors_files(draw, broken: bool = False) -> VectorsFile:
    dim = draw(st.integers(1, 6))
    words = draw(st.lists(vector_word, min_size=1, max_size=12, unique=True))
    values = [draw(st.lists(finite, min_size=dim, max_size=dim)) for _ in words]
    header = draw(st.booleans())
    lines = ([f"{len(words)} {dim}"] if header else []) + [
        " ".join([word] + [repr(v) for v in row]) for word, row in zip(words, values)]
    broken_line = None
    if broken:
        offset = 1 if lines[0] == f"{len(words)} {dim}" else 0
        row = draw(st.integers(0, len(words) - 1)) + offset
        fault = draw(st.sampled_from(["short", "long", "nan", "text", "duplicate", "nul", "header"]))
        parts = lines[row].split(" ")
        if fault == "header":
            lines.insert(0, draw(st.sampled_from([f"-3 {dim}", f"{len(words)} -{dim}", f"0 {dim}"])))
            row = 0
        elif fault == "short" and dim > 1:
            lines[row] = " ".join(parts[:-1])
        elif fault == "long" or fault == "short":
            lines[row] = " ".join(parts + ["1.5"])
        elif fault == "nan":
            parts[draw(st.integers(1, dim))] = draw(st.sampled_from(["nan", "inf", "-inf"]))
            lines[row] = " ".join(parts)
        elif fault == "text":
            parts[draw(st.integers(1, dim))] = "x1"
            lines[row] = " ".join(parts)
        elif fault == "duplicate":
            lines.insert(row + 1, lines[row])
            row += 1
        else:
            lines[row] = parts[0] + "\x00 " + " ".join(parts[1:])
        broken_line = row + 1
        if fault in ("short", "long") and row == 0 and offset == 0:
            broken_line = None  # the first vector sets the dimension: the error comes on a later line, if any
    data = "\n".join(lines).encode("utf-8") + (b"\n" if draw(st.booleans()) else b"")
    return VectorsFile(data, words, values, broken_line)
