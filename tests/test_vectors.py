"""Vectors files (word2vec / GloVe / fastText text): reading as it streams, writing, bad input, neighbours."""

import gzip

import numpy as np
import pytest

from corpora import CorpusError
from corpora.vectors import iter_vector_blocks, iter_vectors, read_header, select_vectors, write_vectors
from pipelines.errors import PipelineError
from pipelines.pretraining.embeddings import nearest_neighbours


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_written_vectors_read_back_with_their_header(tmp_path):
    words = ["the", "cat", "Paris", "naïve"]
    vectors = np.random.default_rng(0).normal(size=(4, 7)).astype(np.float32)
    path = write_vectors(tmp_path / "v.txt", words, vectors)
    assert path.read_text(encoding="utf-8").splitlines()[0] == "4 7"
    assert read_header(path).dim == 7 and read_header(path).count == 4
    lines = list(iter_vectors(path))
    assert [line.word for line in lines] == words
    assert [line.number for line in lines] == [2, 3, 4, 5]
    np.testing.assert_allclose(np.stack([line.values for line in lines]), vectors, rtol=1e-5)
    assert [p.name for p in tmp_path.iterdir()] == ["v.txt"]  # no temporary file left behind


def test_glove_without_header_fasttext_trailing_spaces_tabs_bom_and_blank_lines(tmp_path):
    glove = write(tmp_path / "glove.txt", "\ufeffthe 0.1 0.2 0.3\n\ncat -1 2e-1 3\n")
    fasttext = write(tmp_path / "ft.vec", "2 3\nthe 0.1 0.2 0.3 \r\ncat\t-1\t0.2   3 \n")
    for path in (glove, fasttext):
        lines = list(iter_vectors(path))
        assert [line.word for line in lines] == ["the", "cat"]
        np.testing.assert_allclose(lines[1].values, [-1, 0.2, 3], rtol=1e-6)
    assert read_header(glove).count is None and read_header(glove).dim == 3


def test_gzip_files_are_read_by_content_not_name(tmp_path):
    text = "2 2\nthe 1 2\ncat 3 4\n"
    gz = write(tmp_path / "vectors.txt.gz", gzip.compress(text.encode()))
    disguised = write(tmp_path / "vectors.txt", gzip.compress(text.encode()))
    for path in (gz, disguised):
        assert [(line.word, line.values.tolist()) for line in iter_vectors(path)] == [("the", [1, 2]), ("cat", [3, 4])]


@pytest.mark.parametrize("text,line,message", [
    ("the 1 2 3\ncat 1 2\n", 2, "2 values for 'cat', but the first vector gives 3 dimensions"),
    ("2 3\nthe 1 2 3\ncat 1 2 3 4\n", 3, "4 values for 'cat', but the header (line 1) gives 3 dimensions"),
    ("the 1 2 3\ncat 1 x 3\n", 2, "value 'x' is not a number"),
    ("the 1 2 3\ncat 1 2.5.1 3\n", 2, "value '2.5.1' is not a number"),
    ("the 1 2 3\ncat 1 nan 3\n", 2, "value 'nan' is not a finite number"),
    ("the 1 2 3\ncat 1 2 3\nthe 4 5 6\n", 3, "the word 'the' occurs a second time (first on line 1)"),
    ("3 2\nthe 1 2\ncat 3 4\n", 1, "the header says 3 vectors but the file holds 2"),
    ("2 0\nthe\ncat\n", 1, "gives 2 vectors of 0 dimensions"),
    ("2 3 4\nthe 1 2 3\n", 1, "a header line holds two numbers, `count dim`; this one holds 3"),
    ("lonely\n", 1, "expected a word and its values"),
])
def test_bad_vectors_files_name_the_line(tmp_path, text, line, message):
    path = write(tmp_path / "bad.vec", text)
    with pytest.raises(CorpusError) as error:
        list(iter_vectors(path))
    assert f"{path}:{line}: " in str(error.value)
    assert message in str(error.value)


def test_the_first_error_of_the_file_is_reported_even_inside_a_parsed_block(tmp_path):
    # Line 3 has a bad number, line 5 a duplicate: the bad number comes first in the file.
    path = write(tmp_path / "bad.vec", "a 1 2\nb 3 4\nc 5 oops\nd 7 8\na 9 9\n")
    with pytest.raises(CorpusError, match=r"bad\.vec:3: value 'oops'"):
        list(iter_vectors(path))


def test_errors_far_into_the_file_name_their_own_line(tmp_path):
    rows = [f"w{i} {i} {i + 1}" for i in range(1, 300)] + ["w300 1", "w301 1 2"]
    path = write(tmp_path / "long.vec", "\n".join(rows) + "\n")
    with pytest.raises(CorpusError, match=r"long\.vec:300: 1 values for 'w300'"):
        list(iter_vector_blocks(path, block_lines=64))


def test_invalid_utf8_empty_file_missing_file(tmp_path):
    with pytest.raises(CorpusError, match=r"latin\.vec:2: not valid UTF-8"):
        list(iter_vectors(write(tmp_path / "latin.vec", "the 1 2\ncaf\xe9 3 4\n", encoding="latin-1")))
    with pytest.raises(CorpusError, match="holds no vectors"):
        list(iter_vectors(write(tmp_path / "empty.vec", "\n\n")))
    with pytest.raises(CorpusError, match="no such file"):
        read_header(tmp_path / "missing.vec")


def test_blocks_stream_a_bounded_number_of_vectors(tmp_path):
    words = [f"w{i}" for i in range(1000)]
    path = write_vectors(tmp_path / "v.txt", words, np.arange(3000, dtype=np.float32).reshape(1000, 3))
    sizes = [len(block.words) for block in iter_vector_blocks(path, block_lines=128)]
    assert max(sizes) == 128 and sum(sizes) == 1000
    selected = select_vectors(path, lambda word: word in {"w7", "w999"})
    assert selected.words == ["w7", "w999"] and selected.total == 1000 and selected.vectors.shape == (2, 3)
    np.testing.assert_allclose(selected.vectors[1], [2997, 2998, 2999])


def test_extra_words_are_the_first_new_ones_and_keep_a_later_exact_form(tmp_path):
    text = "the 1 0\nApple 2 0\nthe_end 3 0\napple 4 0\nBanana 5 0\ncherry 6 0\n"
    path = write(tmp_path / "v.txt", text)
    selected = select_vectors(path, lambda word: word == "the", extra=2, extra_key=str.lower,
                              known=lambda key: key == "the")
    assert selected.extra == ["Apple", "the_end"]
    # "apple" (the exact lowercased key of the extra "Apple") is kept too; Banana, cherry are not.
    assert selected.words == ["the", "Apple", "the_end", "apple"]


def test_write_refuses_words_that_cannot_be_read_back(tmp_path):
    with pytest.raises(ValueError, match="cannot be written"):
        write_vectors(tmp_path / "v.txt", ["two words"], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="not unique"):
        write_vectors(tmp_path / "v.txt", ["a", "a"], np.zeros((2, 2)))
    assert not list(tmp_path.iterdir())


@pytest.fixture
def compass(tmp_path):
    """Vectors on a circle: neighbours are known exactly."""
    angles = {"north": 90, "northeast": 45, "east": 0, "south": 270, "northwest": 135, "west": 180, "Up": 91}
    lines = [f"{word} {np.cos(np.radians(a)):.6f} {np.sin(np.radians(a)):.6f}" for word, a in angles.items()]
    return write(tmp_path / "compass.txt", "\n".join(lines) + "\n")


def test_nearest_neighbours_by_cosine(compass):
    result = nearest_neighbours(compass, "north", k=3)
    assert [word for word, _ in result.neighbours] == ["Up", "northeast", "northwest"]
    assert result.neighbours[0][1] == pytest.approx(np.cos(np.radians(1)), abs=1e-5)
    assert result.vectors == 7 and result.dim == 2
    farthest = nearest_neighbours(compass, "north", k=10).neighbours
    assert len(farthest) == 6 and farthest[-1][0] == "south"


def test_neighbours_fall_back_to_the_lowercased_form_and_refuse_unknown_words(compass):
    assert nearest_neighbours(compass, "East", k=1).found_as == "east"
    assert nearest_neighbours(compass, "Up", k=1).found_as == "Up"
    with pytest.raises(PipelineError, match=r"'Zenith' \(nor 'zenith'\) is not in .*compass.txt \(7 words\)"):
        nearest_neighbours(compass, "Zenith")
