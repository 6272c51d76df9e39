"""Raw text cut into pieces no sentence spans: paragraphs, long ones cut inside the limit, the same pieces
whether the text comes whole or in chunks of any size."""

import io
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from corpora.pieces import PIECE_LIMIT, iter_pieces, split_pieces

BLANK_LINE = re.compile(r"(?:\r\n|\n|\r(?!\n))[ \t]*(?:\r\n|\n|\r)")


def paragraphs(text):
    """The paragraphs the tokenizer used before pieces: text between blank lines."""
    start = 0
    for match in BLANK_LINE.finditer(text):
        if text[start : match.start()].strip():
            yield start, text[start : match.start()]
        start = match.end()
    if text[start:].strip():
        yield start, text[start:]


def pieces(text, limit=PIECE_LIMIT, lookahead=1000):
    found = list(split_pieces(text, limit, lookahead))
    for offset, piece in found:
        assert text[offset : offset + len(piece)] == piece
        assert len(piece) <= limit and piece.strip()
    return found


def test_blank_lines_end_pieces_with_any_line_ends():
    for line_end in ("\n", "\r\n", "\r"):
        text = f"One.{line_end}Two.{line_end} \t{line_end}Three.{line_end}{line_end}{line_end}"
        assert [piece for _, piece in pieces(text)] == [f"One.{line_end}Two.", "Three."], repr(line_end)


def test_whitespace_only_text_has_no_pieces():
    assert pieces("") == [] and pieces(" \n\t\r\n\n  ") == []


def test_a_long_paragraph_is_cut_at_the_last_line_end_after_a_sentence_end():
    text = "One sentence.\nA line that goes on\nand ends here.\nMore text\nto come"
    assert pieces(text, limit=50) == [(0, "One sentence.\nA line that goes on\nand ends here.\n"),
                                      (49, "More text\nto come")]


def test_without_a_sentence_end_the_last_line_end_within_the_limit():
    text = "no end here\nnor here\nnor there"
    assert [piece for _, piece in pieces(text, limit=25)] == ["no end here\nnor here\n", "nor there"]


def test_a_long_line_is_cut_after_a_sentence_end_then_at_whitespace_then_hard():
    assert [p for _, p in pieces('He left. "Yes." She came back later', limit=20)] == \
        ['He left. "Yes." ', "She came back later"]
    assert [p for _, p in pieces("no sentence ends in this line", limit=12)] == \
        ["no sentence ", "ends in ", "this line"]
    assert [p for _, p in pieces("abcdefghijklmnopqrstuvwxyz", limit=10)] == ["abcdefghij", "klmnopqrst", "uvwxyz"]


def test_a_windows_line_end_is_never_split():
    # The limit falls between "\r" and "\n": the cut goes to the line end before.
    text = "First line.\r\nSecond line\r\nthird"
    assert [p for _, p in pieces(text, limit=25)] == ["First line.\r\n", "Second line\r\nthird"]


def test_paragraphs_shorter_than_the_limit_are_the_pieces():
    text = "A.\n\nB b b.\r\n\r\n\r\nC\n \nD\r\rE" * 50
    assert pieces(text) == list(paragraphs(text))


def test_a_file_read_line_by_line_gives_the_same_pieces():
    text = "".join(f"Sentence {n} of a long paragraph.\n" for n in range(5000)) + "\nLast.\n"
    assert len(text) > 3 * PIECE_LIMIT
    whole = pieces(text)
    assert len(whole) == 5 and whole[-1][1] == "Last.\n"
    assert list(iter_pieces(io.StringIO(text))) == whole
    assert list(iter_pieces(text[i : i + 4096] for i in range(0, len(text), 4096))) == whole


def test_a_paragraph_is_given_as_soon_as_its_blank_line_is_read():
    given_chunks = []

    def chunks():
        for chunk in ("First paragraph.\n", "\n", "Second", " paragraph.\n\n", "Third."):
            given_chunks.append(chunk)
            yield chunk

    stream = iter_pieces(chunks())
    assert next(stream) == (0, "First paragraph.")
    assert given_chunks == ["First paragraph.\n", "\n", "Second"]  # "\n" then a character: the blank line ends
    assert next(stream) == (18, "Second paragraph.")
    assert list(stream) == [(37, "Third.")]


LINE_TEXT = st.lists(st.sampled_from(["a", "b", " ", "\t", "\n", "\r", "\r\n", ".", "?", '"', ")", "x. ", " \n"]),
                     max_size=80).map("".join)


@st.composite
def chunked(draw, texts=LINE_TEXT):
    text = draw(texts)
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=12)))
    return text, [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


@settings(max_examples=400, deadline=None)
@given(chunked(), st.sampled_from([1, 3, 7, 20, 1000]), st.sampled_from([1, 2, 5, 1000]))
def test_chunked_text_gives_the_pieces_of_the_whole_text(text_and_chunks, limit, lookahead):
    text, chunks = text_and_chunks
    whole = pieces(text, limit, lookahead)
    assert list(iter_pieces(chunks, limit, lookahead)) == whole
    # Nothing but whitespace is left out.
    assert re.sub(r"\s", "", "".join(piece for _, piece in whole)) == re.sub(r"\s", "", text)
    if limit == lookahead == 1000:
        assert whole == list(paragraphs(text))
