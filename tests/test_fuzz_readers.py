"""Fuzzing the readers: generated corpora, vectors and raw text, valid or broken, straight into corpora/.

Valid files read back exactly; a file with one known fault is refused with a CorpusError naming the file and
the faulty line; anything else (arbitrary bytes, cut files) reads or is refused with a CorpusError naming
the file and a line it has: never another exception, never a hang, never the memory of a long line.
"""

import gzip

import numpy as np
import pytest
from fuzzing import (
    SMALL_LINE_CAP,
    arbitrary_bytes,
    broken_files,
    corpus_files,
    deadline,
    digest,
    error_location,
    fuzz_settings,
    max_rss,
    raw_texts,
    vectors_files,
    written,
)
from hypothesis import given
from hypothesis import strategies as st

from corpora import CorpusError, detect_format, read_corpus_file, read_raw_text, textfile, tokenize
from corpora.vectors import iter_vectors, read_header

pytestmark = pytest.mark.fuzz


@pytest.fixture(autouse=True)
def small_line_cap(monkeypatch):
    """A 4 KiB line cap: lines past it are cheap to generate, and the cap is the same code at any size."""
    monkeypatch.setattr(textfile, "MAX_LINE_BYTES", SMALL_LINE_CAP)


@pytest.fixture(autouse=True, scope="module")
def memory_bound():
    before = max_rss()
    yield
    assert max_rss() - before < 256 << 20, "the readers' memory grew past 256 MB while fuzzing"


def line_count(data: bytes) -> int:
    return len(data.splitlines()) or 1


@fuzz_settings()
@given(corpus_files())
def test_valid_corpus_files_read_back_exactly(corpus_file):
    path = written(corpus_file.data(), corpus_file.name)
    with deadline():
        assert detect_format(path) == corpus_file.format
        assert read_corpus_file(path) == corpus_file.sentences
        assert read_corpus_file(path, format=corpus_file.format) == corpus_file.sentences


@fuzz_settings()
@given(broken_files())
def test_a_fault_is_an_error_naming_its_file_and_line(broken):
    path = written(broken.data, broken.name)
    before = digest(path)
    with deadline(), pytest.raises(CorpusError) as error:
        read_corpus_file(path)
    line, message = error_location(str(error.value), path)
    assert line == broken.line, f"{broken.fault}: {error.value}"
    assert "\n" not in str(error.value)
    assert digest(path) == before


@fuzz_settings()
@given(arbitrary_bytes)
def test_any_bytes_read_or_are_refused_naming_file_and_line(data):
    path = written(data)
    before = digest(path)
    for read in (detect_format, read_corpus_file):
        with deadline():
            try:
                read(path)
            except CorpusError as error:
                line, _ = error_location(str(error), path)
                assert line is None or 1 <= line <= line_count(data), str(error)
    assert digest(path) == before


@fuzz_settings(0.5)
@given(raw_texts())
def test_raw_text_tokenizes_or_is_refused(data):
    path = written(data)
    with deadline():
        try:
            text = read_raw_text(path)
        except CorpusError as error:
            line, message = error_location(str(error), path)
            assert line is not None and message.startswith(("NUL byte", "line longer", "not valid UTF-8")), message
            assert b"\x00" in data or any(len(piece) > SMALL_LINE_CAP for piece in data.splitlines())
            return
        assert text == data.decode("utf-8-sig")  # one BOM dropped, line ends untouched
        for sentence in tokenize(text):
            assert all(text[a:b] == word for word, (a, b) in zip(sentence.words, sentence.spans, strict=True))


@fuzz_settings()
@given(vectors_files(), st.booleans())
def test_valid_vectors_read_back_exactly(vectors, compressed):
    path = written(gzip.compress(vectors.data) if compressed else vectors.data, "vectors.txt")
    with deadline():
        lines = list(iter_vectors(path))
        assert read_header(path).dim == len(vectors.values[0])
    assert [line.word for line in lines] == vectors.words
    assert np.array_equal(np.stack([line.values for line in lines]), np.array(vectors.values, np.float32))


@fuzz_settings()
@given(vectors_files(broken=True))
def test_a_vectors_fault_is_an_error_naming_its_line(vectors):
    path = written(vectors.data, "vectors.txt")
    with deadline():
        try:
            list(iter_vectors(path))
        except CorpusError as error:
            line, _ = error_location(str(error), path)
            if vectors.broken_line is not None:
                assert line == vectors.broken_line, str(error)
            return
    assert vectors.broken_line is None, "a broken vectors file was read without an error"


@fuzz_settings()
@given(arbitrary_bytes)
def test_any_bytes_as_vectors_read_or_are_refused_naming_file(data):
    path = written(data, "vectors.txt")
    with deadline():
        try:
            read_header(path)
            for _ in iter_vectors(path):
                pass
        except CorpusError as error:
            line, _ = error_location(str(error), path)
            assert line is None or 1 <= line <= max(data.count(b"\n") + 1, 1), str(error)
