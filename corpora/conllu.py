"""CoNLL-U: read (word, tag) sentences from UPOS or XPOS, write tagged sentences back.

Written by hand rather than through the `conllu` package so that every error names the file and line.
CoNLL-X files (the same ten columns, CPOSTAG and POSTAG where CoNLL-U has UPOS and XPOS) read the same way.

Lenient where the intent is clear: comment lines, multiword token lines (`3-4`) and empty nodes (`8.1`)
are skipped; trailing spaces or tabs are dropped; a line whose fields are separated by spaces instead of
tabs (or by a mixture) is split on whitespace when that gives exactly ten fields; a sentence with no word
lines at all (only comments) is skipped; a last sentence without its closing blank line is kept.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path

from common.errors import quoted

from .textfile import format_hint, read_lines, truncation_hint
from .types import CorpusError, Sentence, token_ranges

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


def parse_conllu(lines: Iterable[tuple[int, str]], source: str, tagset: str = "upos",
                 untagged_ok: Collection[str] = ()) -> Iterator[Sentence]:
    """Sentences from numbered lines; `source` names the file in error messages.

    `untagged_ok`: further tagsets (not the first) a sentence may leave out entirely (every word `_`), read as an
    empty layer of Sentence.more_tags; a sentence tagged in only some of its words is still an error.
    """
    tagsets = tagset.split(",")  # "upos,xpos": both columns, the first as Sentence.tags
    for name in tagsets:
        if name not in TAG_COLUMNS:
            raise CorpusError(f"{source}: CoNLL-U has no tagset {quoted(name)}; choose from upos, xpos or upos,xpos")
    columns = [TAG_COLUMNS[name] for name in tagsets]
    strings: dict[str, str] = {}
    intern = strings.setdefault  # one string object per distinct word or tag: memory for big corpora
    words: list[str] = []
    layers: list[list[str | None]] = [[] for _ in columns]  # None: a word untagged in an untagged_ok tagset
    id_lines: dict[str, int] = {}  # the sentence's word IDs so far -> their lines

    def layer_tags(name: str, layer: list[str | None]) -> tuple[str, ...]:
        if not untagged_ok or None not in layer:
            return tuple(layer)
        if any(tag is not None for tag in layer):
            raise CorpusError(f"{source}:{number}: the sentence ending here has {name.upper()} tags for only some "
                              "of its words; tag every word or none")
        return ()

    def sentence() -> Sentence:
        return Sentence(tuple(words), tuple(layers[0]),
                        more_tags=tuple(layer_tags(name, layer) for name, layer in zip(tagsets[1:], layers[1:])))

    for number, raw_line in lines:
        line = raw_line.rstrip(" \t")
        if not line.strip():
            if words:
                yield sentence()
                words, layers = [], [[] for _ in columns]
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
        form = fields[1]
        if not form:
            raise CorpusError(f"{source}:{number}: empty FORM in CoNLL-U line")
        for index, (name, column, layer) in enumerate(zip(tagsets, columns, layers)):
            tag = fields[column]
            if not tag or tag == "_":
                if index and name in untagged_ok:
                    layer.append(None)
                    continue
                other = "upos" if name == "xpos" else "xpos"
                raise CorpusError(
                    f"{source}:{number}: no {name.upper()} tag (column {column + 1}) for {quoted(form)}; "
                    f"if the file has no {name.upper()} tags, use --tagset {other}"
                )
            layer.append(intern(tag, tag))
        words.append(intern(form, form))
    if words:  # a file whose last sentence lacks the closing blank line
        yield sentence()


def read_conllu(path: str | Path, tagset: str = "upos", untagged_ok: Collection[str] = ()) -> list[Sentence]:
    return list(parse_conllu(read_lines(path), str(path), tagset, untagged_ok))


def format_conllu(
    sentences: Iterable[Sentence],
    tag_column: str = "upos",
    text: Iterable[str] | None = None,
    *,
    source: str | None = None,
    paragraph_starts: Collection[int] = (),
    document_starts: Collection[int] = (),
) -> str:
    """CoNLL-U text with the tags in `tag_column`; SpaceAfter=No where the spans touch.

    Consecutive words with one span are a multiword token: they are written under an `N-M` range line
    whose FORM is its surface form, `source[start:end]` (`source` is the text the spans point into, needed
    only when there are multiword tokens), and which carries the token's SpaceAfter=No. With `source`, all
    spans point into that one text, so a sentence's last token also gets SpaceAfter=No when the next sentence
    starts where it ends (as UD marks it). `text` gives each sentence's `# text`; without it, and with
    `source`, it is rebuilt from the tokens and their spaces.
    Sentences whose index (from 0) is in `document_starts` or `paragraph_starts` get `# newdoc` or `# newpar`.
    """
    if tag_column not in TAG_COLUMNS:
        raise ValueError(f"unknown CoNLL-U tag column {tag_column!r}")
    texts = list(text) if text is not None else None
    sentences = list(sentences)
    out: list[str] = []
    for index, sentence in enumerate(sentences):
        tokens = token_ranges(sentence)
        following = sentences[index + 1] if index + 1 < len(sentences) else None
        glued_to_next = (source is not None and bool(sentence.spans) and following is not None
                         and bool(following.spans) and sentence.spans[-1][1] == following.spans[0][0])
        # glued[k]: no space after token k, where its span touches the next token's
        glued = [bool(sentence.spans) and sentence.spans[first][1] == sentence.spans[tokens[k + 1][0]][0]
                 if k + 1 < len(tokens) else glued_to_next for k, (first, _) in enumerate(tokens)]
        comments = (["# newdoc"] if index in document_starts else []) + \
                   (["# newpar"] if index in paragraph_starts else [])
        if texts is not None:
            sentence_text = texts[index]
        elif source is not None and sentence.spans:
            surfaces = [_surface(sentence, first, stop, source) for first, stop in tokens]
            sentence_text = "".join(f + ("" if g else " ") for f, g in zip(surfaces, glued)).rstrip(" ")
        else:
            sentence_text = None
        out.append(conllu_sentence(sentence, (tag_column,), index + 1, sentence_text,
                                   ["" if g else " " for g in glued], source, comments))
    return "".join(out)


def conllu_sentence(sentence: Sentence, tag_columns: Sequence[str], sent_id: int | str, text: str | None,
                    spaces_after: Sequence[str] | None = None, source: str | None = None,
                    comments: Sequence[str] = (), spaces_before: str = "") -> str:
    """One sentence as CoNLL-U lines, with its closing blank line.

    `tag_columns` names the column of `sentence.tags`, then of each `sentence.more_tags` layer (upos, xpos).
    `spaces_after[k]` is the whitespace after token k: "" writes SpaceAfter=No, " " nothing, anything else
    SpacesAfter= (UDPipe's convention, with \\s \\t \\n \\r escapes), so that the original text can be
    rebuilt from the output exactly; `spaces_before` is text before the first token (SpacesBefore=).
    """
    for column in tag_columns:
        if column not in TAG_COLUMNS:
            raise ValueError(f"unknown CoNLL-U tag column {column!r}")
    tokens = token_ranges(sentence)
    layers = [sentence.tags, *sentence.more_tags]
    out = [*comments, f"# sent_id = {sent_id}"]
    if text is not None:
        out.append(f"# text = {_one_line(text)}")
    for k, (first, stop) in enumerate(tokens):
        misc = [_space_misc(spaces_after[k])] if spaces_after is not None else []
        if k == 0 and spaces_before:
            misc.insert(0, f"SpacesBefore={_escape_spaces(spaces_before)}")
        misc_field = "|".join(m for m in misc if m) or "_"
        if stop - first > 1:
            out.append("\t".join([f"{first + 1}-{stop}", _surface(sentence, first, stop, source)]
                                  + ["_"] * 7 + [misc_field]))
            misc_field = "_"  # the words of a multiword token say nothing of spaces
        for i in range(first, stop):
            word = sentence.words[i]
            if not word or "\t" in word or "\n" in word:
                raise ValueError(f"word {word!r} cannot be written to CoNLL-U (empty, or holds a tab or newline)")
            fields = [str(i + 1), word, "_", "_", "_", "_", "_", "_", "_", misc_field]
            for column, tags in zip(tag_columns, layers):
                if tags:
                    fields[TAG_COLUMNS[column]] = tags[i]
            out.append("\t".join(fields))
    return "\n".join(out) + "\n\n"


_SPACE_ESCAPES = {" ": "\\s", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\", "|": "\\p"}


def _escape_spaces(spaces: str) -> str:
    return "".join(_SPACE_ESCAPES.get(char, char) for char in spaces)


def _space_misc(spaces: str) -> str:
    if spaces == " ":
        return ""
    if spaces == "":
        return "SpaceAfter=No"
    return f"SpacesAfter={_escape_spaces(spaces)}"


_UNESCAPES = {"s": " ", "t": "\t", "n": "\n", "r": "\r", "\\": "\\", "p": "|"}


def _unescape_spaces(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        out.append(_UNESCAPES.get(next(chars, ""), "") if char == "\\" else char)
    return "".join(out)


def text_of_conllu(lines: Iterable[str]) -> str:
    """The text a CoNLL-U document was made from: token forms with their SpacesBefore / SpaceAfter=No /
    SpacesAfter (as `postag tag --format conllu` writes them; a token without them is followed by one space)."""
    out: list[str] = []
    inside_range = 0  # words of a multiword token still to skip: the range line carries the form and spaces
    for line in lines:
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if "." in fields[0]:
            continue
        if inside_range:
            inside_range -= 1
            continue
        if "-" in fields[0]:
            first, last = fields[0].split("-")
            inside_range = int(last) - int(first) + 1
        misc = dict(item.partition("=")[::2] for item in fields[9].split("|")) if fields[9] != "_" else {}
        out.append(_unescape_spaces(misc.get("SpacesBefore", "")))
        out.append(fields[1])
        if "SpacesAfter" in misc:
            out.append(_unescape_spaces(misc["SpacesAfter"]))
        elif misc.get("SpaceAfter") != "No":
            out.append(" ")
    return "".join(out)


def _one_line(text: str) -> str:
    """A comment holds one line: line ends inside a sentence's text become spaces."""
    return text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")


def _surface(sentence: Sentence, first: int, stop: int, source: str | None) -> str:
    """A token's form: its one word, or a multiword token's span in the source text."""
    if stop - first == 1:
        return sentence.words[first]
    if source is None:
        raise ValueError(f"words {sentence.words[first:stop]} share one span (a multiword token): give the source "
                         f"text to write its surface form")
    surface = source[slice(*sentence.spans[first])]
    if not surface.strip() or "\t" in surface or "\n" in surface:
        raise ValueError(f"multiword token {surface!r} cannot be written to CoNLL-U (empty, or holds a tab or newline)")
    return surface
