"""Gold raw text from CoNLL-U: the text UD's `conllu_to_text.pl` lays out, with every token's span in it.

Tagging from raw text is scored against this text (the CoNLL 2018 shared task made its raw-text input the
same way). The layout follows the script:

- a sentence's text is its tokens, each followed by one space unless its MISC has `SpaceAfter=No`
  (a multiword token's `SpaceAfter` is on its range line); the sentences of a paragraph follow one another,
  so they are joined by the last token's space (none when that token has `SpaceAfter=No`);
- a blank line comes before every sentence marked `# newpar` or `# newdoc` (not before the first sentence),
  and before a token whose MISC has `NewPar=Yes` (a paragraph starting inside a sentence);
- lines are broken at whitespace after at most 80 characters, as the script does (`line_width`); the
  space where a line breaks becomes the line end, so offsets do not move. The script's text is the field's
  raw-text input, and a tokenizer trained on it should see the line ends it will meet; `line_width=None`
  keeps each paragraph on one line. The line ends of a paragraph are left with the trailing space the
  script leaves. The script's own layout for Chinese and Japanese (breaking between any two characters) is
  not done here.

The tokens win over `# text`: like the script, the text is rebuilt from the tokens and `SpaceAfter`, and a
sentence's `# text` is not read for it. In UD English EWT 2.16 they disagree in one sentence (test, line
15054: `# text` has a no-break space where the tokens give a space), in German GSD 2.16 dev and test in none
(`text_comment_disagreements` lists them). On EWT train, dev, test and GSD dev, test the text here is
identical to the script's output.

The sentences are word-level `Sentence(words, tags=UPOS, spans)`; the words of a multiword token
(`3-4 Google's` = `Google` + `'s`) all carry the span of that token, so consecutive words with identical
spans form one multiword token (see `corpora.types.token_ranges`). Empty nodes (`8.1`) are skipped. Tags
are kept as written, `_` included.

Where this is more lenient than the script: a last sentence without its closing blank line is kept (the
script drops it), and `# newpar`/`# newdoc` on a comment-only block carry over to the next sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .conllu import N_FIELDS, conllu_fields
from .textfile import read_lines, truncation_hint
from .types import CorpusError, Sentence

LINE_WIDTH = 80  # conllu_to_text.pl's line length

_TEXT_COMMENT = re.compile(r"#\s*text\s*=\s*(.*)")
_NEWPAR = re.compile(r"#\s*newpar(\s|$)", re.IGNORECASE)
_NEWDOC = re.compile(r"#\s*newdoc(\s|$)", re.IGNORECASE)
_RANGE_ID = re.compile(r"(\d+)-(\d+)")
_EMPTY_NODE_ID = re.compile(r"\d+\.\d+")


@dataclass(frozen=True)
class TokenizedText:
    """A raw text and its sentences of words, each word with the character span of its token in `text`.

    Gold text read from CoNLL-U and a tokenizer's output on raw text are both held this way.
    `sentences[i].tags` are UPOS tags (empty when unknown) and `xpos[i]` the XPOS tags of the same words
    (`xpos` is empty when unknown). `paragraph_starts` and `document_starts` are the indices of the
    sentences marked `# newpar` and `# newdoc`; `sentence_lines` the line each sentence starts on in its
    CoNLL-U file (empty when the text did not come from a file).
    """

    text: str
    sentences: tuple[Sentence, ...]
    xpos: tuple[tuple[str, ...], ...] = ()
    paragraph_starts: tuple[int, ...] = ()
    document_starts: tuple[int, ...] = ()
    sentence_lines: tuple[int, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if self.xpos and len(self.xpos) != len(self.sentences):
            raise ValueError(f"{len(self.sentences)} sentences but XPOS for {len(self.xpos)}")
        for sentence, tags in zip(self.sentences, self.xpos):
            if len(tags) != len(sentence.words):
                raise ValueError(f"a sentence of {len(sentence.words)} words has {len(tags)} XPOS tags")


@dataclass
class _Token:
    form: str
    space_after: bool
    opens_paragraph: bool  # NewPar=Yes: a paragraph starts at this token, inside the sentence
    words: list[tuple[str, str, str]] = field(default_factory=list)  # (form, UPOS, XPOS)


@dataclass
class _SentenceBlock:
    """One sentence as read, before the layout gives its tokens their offsets."""

    line: int
    tokens: list[_Token] = field(default_factory=list)
    text_comment: str | None = None
    new_paragraph: bool = False
    new_document: bool = False

    def token_text(self) -> str:
        """The sentence's text as its tokens and SpaceAfter give it (what `# text` should say)."""
        return "".join(t.form + (" " if t.space_after else "") for t in self.tokens).rstrip(" ")


def _misc_flags(misc: str) -> tuple[bool, bool]:
    """(space after, new paragraph) from a MISC field."""
    items = misc.split("|")
    return "SpaceAfter=No" not in items, "NewPar=Yes" in items


def _sentence_blocks(lines: Iterable[tuple[int, str]], source: str) -> Iterator[_SentenceBlock]:
    """The sentences of numbered CoNLL-U lines, checked as far as raw text needs: ids, ranges, forms."""
    block: _SentenceBlock | None = None
    words_read = 0  # in the current sentence
    range_end = 0  # the last word of the open multiword token; 0 when none is open
    range_line = 0

    def finished(number: int) -> _SentenceBlock:
        if range_end:
            raise CorpusError(
                f"{source}:{range_line}: the multiword token's words (up to {range_end}) are missing "
                f"before line {number}")
        return block

    for number, raw_line in lines:
        line = raw_line.rstrip(" \t")
        if not line.strip():
            if block is not None and block.tokens:
                yield finished(number)
                block, range_end, words_read = None, 0, 0
            continue  # a block of comments only goes on into the next sentence, its markers with it
        if block is None:
            block = _SentenceBlock(number)
        if line.startswith("#"):
            if match := _TEXT_COMMENT.match(line):
                block.text_comment = match.group(1).strip()
            block.new_paragraph |= bool(_NEWPAR.match(line))
            block.new_document |= bool(_NEWDOC.match(line))
            continue
        fields = conllu_fields(line)
        if fields is None:
            raise CorpusError(
                f"{source}:{number}: cannot parse CoNLL-U line: expected {N_FIELDS} tab-separated fields, "
                f"found {len(line.split(chr(9)))}{truncation_hint(source, number)}")
        token_id, form = fields[0], fields[1]
        if _EMPTY_NODE_ID.fullmatch(token_id):
            continue
        if not form.strip():
            raise CorpusError(f"{source}:{number}: empty FORM in CoNLL-U line")
        expected = words_read + 1
        if match := _RANGE_ID.fullmatch(token_id):
            first, last = int(match.group(1)), int(match.group(2))
            if range_end:
                raise CorpusError(f"{source}:{number}: multiword token {token_id} starts inside the one "
                                  f"on line {range_line}")
            if first != expected or last <= first:
                raise CorpusError(f"{source}:{number}: multiword token {token_id} should cover words "
                                  f"{expected} to at least {expected + 1}")
            space_after, opens_paragraph = _misc_flags(fields[9])
            block.tokens.append(_Token(form, space_after, opens_paragraph))
            range_end, range_line = last, number
            continue
        if not token_id.isdigit():
            raise CorpusError(f"{source}:{number}: CoNLL-U ID {token_id!r} is neither a word number, "
                              f"a multiword range (3-4) nor an empty node (8.1)")
        if int(token_id) != expected:
            raise CorpusError(f"{source}:{number}: word ID {token_id}, expected {expected}")
        word = (form, fields[3], fields[4])
        words_read += 1
        if range_end:
            block.tokens[-1].words.append(word)  # a word of a multiword token: its MISC says nothing of spaces
            if int(token_id) == range_end:
                range_end = 0
            continue
        space_after, opens_paragraph = _misc_flags(fields[9])
        block.tokens.append(_Token(form, space_after, opens_paragraph, [word]))
    if block is not None and block.tokens:  # a last sentence without its closing blank line
        yield finished(number + 1)


class _Layout:
    """conllu_to_text.pl's output, built piece by piece, knowing where every character lands."""

    def __init__(self, line_width: int | None) -> None:
        self.line_width = line_width
        self.pieces: list[str] = []
        self.length = 0  # characters in `pieces`
        self.paragraph = ""  # the end of the current paragraph, not yet broken into lines
        self.started = False  # a sentence has been laid out: paragraph breaks go before later ones

    def next_offset(self) -> int:
        return self.length + len(self.paragraph)

    def _emit(self, piece: str) -> None:
        self.pieces.append(piece)
        self.length += len(piece)

    def break_paragraph(self) -> None:
        if self.paragraph:
            self._emit(self.paragraph + "\n")
            self.paragraph = ""
        self._emit("\n")

    def add(self, piece: str, glued: bool) -> None:
        """Append text to the paragraph; `glued`: it ends in a token with SpaceAfter=No."""
        self.paragraph += piece
        if self.line_width is None:
            return
        while len(self.paragraph) >= self.line_width:
            cut = self._line_end()
            if cut > 0:
                # The whitespace at `cut` becomes the line end: the same length, so no offset moves.
                self._emit(self.paragraph[:cut] + "\n")
                self.paragraph = self.paragraph[cut + 1 :]
            elif glued:
                break  # one long word that the next sentence continues: wait for the rest of it
            else:
                self._emit(self.paragraph + "\n")
                self.paragraph = ""

    def _line_end(self) -> int:
        """The last whitespace at or before the line width, else the first after it; 0 when none."""
        found = None
        for index, char in enumerate(self.paragraph):
            if index > self.line_width and found is not None:
                break
            if char.isspace():
                found = index
        return found or 0

    def end_paragraph_inside_sentence(self) -> None:
        self._emit(self.paragraph + "\n\n")
        self.paragraph = ""

    def text(self) -> str:
        return "".join(self.pieces) + (self.paragraph + "\n" if self.paragraph else "")


def _segments(tokens: list[_Token]) -> list[list[_Token]]:
    """The sentence's tokens cut before each token that opens a paragraph (NewPar=Yes)."""
    segments: list[list[_Token]] = [[]]
    for token in tokens:
        if token.opens_paragraph:
            segments.append([])
        segments[-1].append(token)
    return segments


def _lay_out(blocks: list[_SentenceBlock], line_width: int | None) -> tuple[str, list[list[tuple[int, int]]]]:
    """The text, and each sentence's token spans in it."""
    layout = _Layout(line_width)
    all_spans: list[list[tuple[int, int]]] = []
    for block in blocks:
        spans: list[tuple[int, int]] = []
        breaks_before = block.new_paragraph or block.new_document
        segments = _segments(block.tokens)
        for number, segment in enumerate(segments):
            if number > 0:  # the script ends the paragraph at once, the sentence's text so far on its last line
                layout.end_paragraph_inside_sentence()
                layout.started, breaks_before = True, False
            if layout.started and breaks_before:
                layout.break_paragraph()
            offset = layout.next_offset()
            piece = []
            for token in segment:
                spans.append((offset, offset + len(token.form)))
                piece.append(token.form + (" " if token.space_after else ""))
                offset += len(piece[-1])
            last_segment = number == len(segments) - 1
            layout.add("".join(piece), glued=last_segment and not block.tokens[-1].space_after)
        layout.started = True
        all_spans.append(spans)
    return layout.text(), all_spans


def parse_ud_text(lines: Iterable[tuple[int, str]], source: str, line_width: int | None = LINE_WIDTH) -> TokenizedText:
    """The raw text of numbered CoNLL-U lines, laid out as `conllu_to_text.pl` does, with its sentences;
    `source` names the file in error messages."""
    blocks = list(_sentence_blocks(lines, source))
    text, spans = _lay_out(blocks, line_width)
    sentences = []
    xpos = []
    for block, token_spans in zip(blocks, spans):
        words: list[str] = []
        upos_tags: list[str] = []
        xpos_tags: list[str] = []
        word_spans: list[tuple[int, int]] = []
        for token, span in zip(block.tokens, token_spans):
            for form, upos, xpos_tag in token.words:
                words.append(form)
                upos_tags.append(upos)
                xpos_tags.append(xpos_tag)
                word_spans.append(span)
        sentences.append(Sentence(tuple(words), tuple(upos_tags), tuple(word_spans)))
        xpos.append(tuple(xpos_tags))
    return TokenizedText(
        text=text,
        sentences=tuple(sentences),
        xpos=tuple(xpos),
        paragraph_starts=tuple(i for i, b in enumerate(blocks) if b.new_paragraph),
        document_starts=tuple(i for i, b in enumerate(blocks) if b.new_document),
        sentence_lines=tuple(b.line for b in blocks),
    )


def read_ud_text(path: str | Path, line_width: int | None = LINE_WIDTH) -> TokenizedText:
    """A CoNLL-U file's raw text (as UD's `conllu_to_text.pl` lays it out) and its sentences with spans."""
    return parse_ud_text(read_lines(path), str(path), line_width)
