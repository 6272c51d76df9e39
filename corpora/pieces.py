"""Raw text cut into pieces that no sentence spans, by one rule that gives the same pieces whether the text
comes whole or in chunks of any size (a file read block by block, standard input).

The rule, applied from the start of the text and again from the end of each piece:

1. a blank line (a line end, then a line of nothing but spaces or tabs, then its line end: Unix, Windows or
   old Mac) ends the piece, as a paragraph ends, if it starts at most `limit` characters after the piece
   start and ends less than `limit + lookahead` characters after it;
2. otherwise, if more than `limit` characters are left, the piece is cut inside its first `limit`
   characters, at the last of these that exists, in this order:
   a. a line end just after sentence-final punctuation (".", "?" or "!", then any closing quotes or brackets
      and spaces or tabs);
   b. any line end;
   c. a whitespace character just after sentence-final punctuation (and its closing quotes or brackets);
   d. any whitespace character;
   e. the limit itself;
   never between the two characters of a Windows line end, except in case e;
3. otherwise the rest of the text is the last piece.

Pieces of nothing but whitespace are dropped; no piece is longer than `limit`. Every decision reads at most
`limit + lookahead` characters from the piece start, which is why a reader of chunks can make the same
decisions holding about that much. Text with paragraphs shorter than the limit is cut into exactly its
paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# 50,000 characters (about 10,000 words). Real paragraphs are almost never longer, so the cut of rule 2, which
# may split a sentence, is rare: on EWT's train sentences as one line of 1 MB it changes the count by one in
# ten thousand (10,195 sentences, against 10,196 with a limit of 200,000 and 10,206 with 5,000). NLTK's
# tokenizer takes about 0.1 s on a piece this long (0.35 s at 200,000), far below its regular-expression time
# limit of 5 s, even on a loaded machine; the rule tokenizer's speed does not depend on the limit, and a
# streaming reader holds little.
PIECE_LIMIT = 50_000

# How far past the limit a blank line may end and still count as one: a blank line of more than a thousand
# spaces that straddles the limit is cut by rule 2 instead (the pieces are still correct, just cut earlier).
LOOKAHEAD = 1_000

_BLANK_LINE = re.compile(r"(?:\r\n|\n|\r(?!\n))[ \t]*(?:\r\n|\n|\r)")
_LINE_END = r"(?:\r\n|\n|\r)"
_SENTENCE_END = r"[.?!][\"'\u2019\u201d\xbb)\]}]*"
# Where the cut may go, best first (the cut goes at the end of the last match within the limit).
_CUT_PLACES = (
    re.compile(_SENTENCE_END + r"[ \t]*" + _LINE_END),
    re.compile(_LINE_END),
    re.compile(_SENTENCE_END + r"\s"),
    re.compile(r"\s"),
)
_NON_SPACE = re.compile(r"\S")


def split_pieces(text: str, limit: int = PIECE_LIMIT, lookahead: int = LOOKAHEAD) -> Iterator[tuple[int, str]]:
    """(offset of the piece in `text`, piece) for the whole text at once."""
    window = limit + lookahead
    start = 0
    while start < len(text):
        stop = min(len(text), start + window)
        cut = _cut(text, start, stop, start, stop == len(text), limit, window)
        assert cut is not None  # the whole window or the rest of the text is always enough to decide
        end, resume = cut
        if _NON_SPACE.search(text, start, end):
            yield start, text[start:end]
        start = resume


def iter_pieces(
    chunks: Iterable[str], limit: int = PIECE_LIMIT, lookahead: int = LOOKAHEAD
) -> Iterator[tuple[int, str]]:
    """The same pieces as `split_pieces` of the chunks joined, holding about `limit + lookahead` characters
    beyond the chunk being read. A piece ended by a blank line is given as soon as that line is read."""
    window = limit + lookahead
    buffer, start, offset = "", 0, 0  # offset: where buffer[0] is in the whole text
    search_from = 0  # no blank line can start between `start` and here: the search resumes here
    chunk_iterator = iter(chunks)
    exhausted = False
    while True:
        if not exhausted and len(buffer) - start < window:
            chunk = next(chunk_iterator, None)
            if chunk is None:
                exhausted = True
            elif not chunk:
                continue
            else:
                if start > 0 and start >= len(buffer) // 2:
                    buffer, offset, search_from = buffer[start:], offset + start, search_from - start
                    start = 0
                waiting_on_line_end = search_from < len(buffer)
                buffer += chunk
                if len(buffer) - start < window and not waiting_on_line_end and "\n" not in chunk \
                        and "\r" not in chunk:
                    search_from = len(buffer)  # no blank line can end in text without a line end
                    continue
        stop = min(len(buffer), start + window)
        final = exhausted and stop == len(buffer)
        if start == stop and exhausted:
            return
        cut = _cut(buffer, start, stop, search_from, final, limit, window)
        if cut is None:
            search_from = _where_a_blank_line_may_start(buffer, search_from, stop)
            continue
        end, resume = cut
        if _NON_SPACE.search(buffer, start, end):
            yield offset + start, buffer[start:end]
        start = search_from = resume


def _cut(
    text: str, start: int, stop: int, search_from: int, final: bool, limit: int, window: int
) -> tuple[int, int] | None:
    """(end of the piece starting at `start`, start of what follows), decided from text[start:stop], where
    stop is start + window or the end of the text (`final`); None when more text is needed."""
    blank = _BLANK_LINE.search(text, search_from, stop)
    whole_window = stop - start == window
    # A blank line that reaches the end of a whole window might go on ("\r" then "\n"): too long, whether
    # the text ends there or not, so that a reader of chunks need not know whether more text follows.
    if blank and blank.start() - start <= limit and (blank.end() < stop or (final and not whole_window)):
        return blank.start(), blank.end()
    if not final and not whole_window:
        return None
    if stop - start <= limit:
        return stop, stop
    cut = _cut_inside(text, start, start + limit)
    return cut, cut


def _cut_inside(text: str, start: int, limit_end: int) -> int:
    """Where to cut text[start:] that is longer than the limit: see rule 2 in the module docstring."""
    for place in _CUT_PLACES:
        last = None
        for match in place.finditer(text, start, limit_end + 1):  # one character more: is "\r" followed by "\n"?
            end = match.end()
            if end > limit_end:
                break
            if not (text[end - 1] == "\r" and text[end] == "\n"):
                last = end
        if last is not None:
            return last
    return limit_end


def _where_a_blank_line_may_start(text: str, search_from: int, stop: int) -> int:
    """Where the search for a blank line resumes once text[:stop] is followed by more text: at the blank line
    found that may still grow ("\r" becoming "\r\n"), else at the last line end if only spaces or tabs
    follow it, else at `stop`."""
    blank = _BLANK_LINE.search(text, search_from, stop)
    if blank:
        return blank.start()
    last = search_from + len(text[search_from:stop].rstrip(" \t")) - 1
    if last < search_from or text[last] not in "\r\n":
        return stop
    if text[last] == "\n" and last > search_from and text[last - 1] == "\r":
        last -= 1
    return last
