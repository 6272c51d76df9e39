"""Raw text to sentences of words with character offsets, by rules, in pure Python.

The text is cut into pieces that no sentence spans (corpora.pieces: paragraphs, and long paragraphs at line
ends). Each piece is split as NLTK's untrained PunktSentenceTokenizer (with the abbreviations below) splits
sentences, and each sentence as NLTK's TreebankWordTokenizer splits words, with the same words and offsets
(tests compare the two on UD English EWT and NLTK's raw corpora), in a sixth to an eighth of the CPU time
(benchmarks/rule_tokenizer.md):

- sentences: the candidate ends and the contexts Punkt looks at are found by the same regular expressions;
  the decision for a context, which untrained Punkt makes from its words alone, is a short function (and
  is remembered: contexts recur);
- words: Treebank's rules are a cascade of regular-expression substitutions over the sentence, but no rule
  reaches further than one character beyond a run of non-space characters, so a run is split the same
  wherever it stands, given the characters either side of it and whether it starts or ends the sentence.
  Runs without any character a rule looks at are one word; the others go through the cascade once and the
  split is remembered.

NLTK runs its regular expressions with the `regex` module, whose Unicode tables are newer than Python's:
letters and digits added to Unicode after Python's version (14.0 for Python 3.11) count as neither here, so
on text in those scripts a one-letter "initial", a number or a digit after ":" may be judged differently.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

from .pieces import iter_pieces, split_pieces
from .types import Sentence

# Untrained Punkt knows no abbreviations; these common English ones should not end a sentence. Left out on
# purpose: "no", "sat", "sun", "wed" (No., Sat., ...), which end sentences far more often as plain words.
ABBREVIATIONS = (
    "dr mr mrs ms prof sr jr st mt vs etc e.g i.e cf al inc ltd co corp dept est approx fig vol jan feb "
    "mar apr jun jul aug sep sept oct nov dec mon tue thu fri u.s u.k a.m p.m"
).split()
_ABBREVIATIONS = frozenset(ABBREVIATIONS)


def tokenize(text: str) -> list[Sentence]:
    """Sentences of words, each word with its (start, end) offsets into `text`."""
    return [sentence for offset, piece in split_pieces(text) for sentence in _tokenize_piece(piece, offset)]


def tokenize_stream(chunks: Iterable[str]) -> Iterator[Sentence]:
    """The sentences of the text the chunks make up, offsets into that whole text, with memory bounded by the
    piece (corpora.pieces.PIECE_LIMIT characters) rather than the text: the same as tokenize("".join(chunks))."""
    for offset, piece in iter_pieces(chunks):
        yield from _tokenize_piece(piece, offset)


def clear_caches() -> None:
    """Forget the remembered decisions and splits, as in a fresh process (to measure speed on unseen text)."""
    _break_decisions.clear()
    _splits_between_spaces.clear()
    _splits.clear()


def tokenize_with_nltk(text: str) -> list[Sentence]:
    """The same as tokenize(text), computed by NLTK's own classes: kept to check the rules above against."""
    sentence_splitter, word_tokenizer = _nltk_tokenizers()
    sentences: list[Sentence] = []
    for offset, piece in split_pieces(text):
        first_of_piece = len(sentences)
        for start, end in sentence_splitter.span_tokenize(piece):
            shift = offset + start
            spans = [(shift + a, shift + b) for a, b in word_tokenizer.span_tokenize(piece[start:end])]
            if not spans:
                continue
            words = tuple(text[a:b] for a, b in spans)
            if len(sentences) > first_of_piece and not any(c.isalnum() for w in words for c in w):
                previous = sentences.pop()
                sentences.append(Sentence(words=previous.words + words, spans=previous.spans + tuple(spans)))
                continue
            sentences.append(Sentence(words=words, spans=tuple(spans)))
    return sentences


@lru_cache(maxsize=1)
def _nltk_tokenizers():
    from nltk.tokenize import TreebankWordTokenizer
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    parameters = PunktParameters()
    parameters.abbrev_types = set(ABBREVIATIONS)
    return PunktSentenceTokenizer(parameters), TreebankWordTokenizer()


# ---- one piece ------------------------------------------------------------------------------------------------

_ALNUM = re.compile(r"[^\W_]")  # str.isalnum, as Python's re defines \w
_NON_SPACE_RUN = re.compile(r"\S+")  # str.split's runs
_SPACE_BUT_BLANK = re.compile(r"[^\S ]")


def _tokenize_piece(piece: str, offset: int) -> list[Sentence]:
    sentences: list[Sentence] = []
    for start, end in _sentence_bounds(piece):
        words: list[str] = []
        spans: list[tuple[int, int]] = []
        _split_words(piece, start, end, offset, words, spans)
        if not spans:
            continue
        if sentences and not _ALNUM.search(piece, start, end):
            # Untrained Punkt ends a sentence at "!" and again at "?" in "ok!?": punctuation alone is the
            # tail of the sentence before it, not a sentence of its own.
            previous = sentences.pop()
            sentences.append(Sentence(words=previous.words + tuple(words), spans=previous.spans + tuple(spans)))
            continue
        sentences.append(Sentence(words=tuple(words), spans=tuple(spans)))
    return sentences


# ---- sentences: untrained Punkt -----------------------------------------------------------------------------

# Punkt's regular expressions use the `regex` module, whose \s is Unicode's White_Space: Python's \s also
# takes the separators \x1c-\x1f.
_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_S = f"[{_SPACE}]"
_NOT_S = f"[^{_SPACE}]"
_NON_WORD = "[)\";}\\]*:@'({\\[\u2018\u2019\u201c\u201d\xab\xbb?!]"  # cannot be inside a Punkt word
_MULTI_CHARACTER = f"(?:-{{2,}}|\\.{{2,}}|(?:\\.{_S}){{2,}}\\.)"

# A possible sentence end: ".", "?" or "!" followed by punctuation, or by space and the next word.
_END_CONTEXT = re.compile(f"[.?!](?=(?P<after>{_NON_WORD}|{_S}+(?P<next>{_NOT_S}+)))")
# Punkt's words, in which it looks for sentence ends.
_PUNKT_WORD = re.compile(
    f"{_MULTI_CHARACTER}"
    f"|(?=[^(\"`{{\\[:;&#*@)}}\\]\\-,]){_NOT_S}+?"
    f"(?={_S}|$|{_NON_WORD}|{_MULTI_CHARACTER}|,(?=$|{_S}|{_NON_WORD}|{_MULTI_CHARACTER}))"
    f"|{_NOT_S}"
)
# Closing quotes and brackets after a sentence end belong to that sentence.
_REALIGN = re.compile(
    f"[\"')\\]}}\u2018\u2019\u201c\u201d\xab\xbb]+?(?:{_S}+|(?=--)|$)", re.MULTILINE
)
_ELLIPSIS = re.compile(r"\.\.+$")
_NUMBER = re.compile(r"^-?[.,]?\d[\d,.-]*\.?$")
_ASCII_SPACES = " \t\n\r\x0b\x0c"
_PUNKT_PUNCTUATION = frozenset(";:,.!?")
# Letters as the `regex` module counts them and Python's isalpha does not: circled and squared letters.
_LETTER_SYMBOLS = re.compile("[\u24b6-\u24e9\U0001f130-\U0001f149\U0001f150-\U0001f169\U0001f170-\U0001f189]")

_break_decisions: dict[str, bool] = {}
# Entries per cache (all of EWT's raw text makes 48,000 in three, 6 MB); then it starts again, so that a long
# stream's memory stays bounded.
_CACHE_SIZE = 50_000


def _sentence_bounds(piece: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, as PunktSentenceTokenizer.span_tokenize gives them."""
    slices = []
    last_break = 0
    # Punkt decides at each candidate from a context: the word before it (back to the last ASCII whitespace,
    # but not into the word of the candidate before: then that candidate is dropped), the end character, and
    # what follows. Runs like "?!" thus count once, at their last character.
    previous = None
    previous_word_start = previous_stop = 0
    spaces = [c for c in _ASCII_SPACES if c in piece]
    for match in _END_CONTEXT.finditer(piece):
        match_start = match.start()
        space = max([piece.rfind(c, previous_stop, match_start) for c in spaces], default=-1)
        word_start = space + 1 if space > previous_stop else previous_word_start
        if previous is not None and previous_stop <= word_start:
            if _is_break(piece[previous_word_start : previous.end("after")]):
                slices.append((last_break, previous.end()))
                last_break = previous.start("next") if previous.group("next") else previous.end()
        previous, previous_word_start, previous_stop = match, word_start, match_start
    if previous is not None and _is_break(piece[previous_word_start : previous.end("after")]):
        slices.append((last_break, previous.end()))
        last_break = previous.start("next") if previous.group("next") else previous.end()
    slices.append((last_break, len(piece.rstrip())))

    bounds = []
    realign = 0
    for index, (start, end) in enumerate(slices):
        start += realign
        if index + 1 == len(slices):
            if start < end:
                bounds.append((start, end))
            break
        next_start, next_end = slices[index + 1]
        closing = _REALIGN.match(piece, next_start, next_end)
        if closing:
            bounds.append((start, next_start + len(closing.group().rstrip())))
            realign = closing.end() - next_start
        else:
            realign = 0
            if start < end:
                bounds.append((start, end))
    return bounds


def _is_break(context: str) -> bool:
    """Whether untrained Punkt finds a sentence end followed by another word in `context`."""
    decision = _break_decisions.get(context)
    if decision is None:
        tokens = []
        for line in context.split("\n"):
            if line.strip():
                tokens += _PUNKT_WORD.findall(line)
        decision = any(_ends_sentence(token, following) for token, following in zip(tokens, tokens[1:]))
        if len(_break_decisions) >= _CACHE_SIZE:
            _break_decisions.clear()
        _break_decisions[context] = decision
    return decision


def _ends_sentence(token: str, following: str) -> bool:
    """Punkt's two annotation passes for one token and the next, with no learned parameters."""
    if token in ("?", "!", "."):
        return True
    if not token.endswith(".") or token.endswith("..") or _ELLIPSIS.match(token):
        return False
    stem = token[:-1].lower()
    if stem in _ABBREVIATIONS or stem.split("-")[-1] in _ABBREVIATIONS:
        return False
    initial = len(token) == 2 and _is_letter(token[0])
    word_type = _NUMBER.sub("##number##", token.lower())
    if len(word_type) > 1 and word_type.endswith("."):
        word_type = word_type[:-1]
    if initial or word_type == "##number##":
        # With no learned orthography, only punctuation or a lower-case word says "not a sentence start";
        # after an initial, so does an upper-case word.
        if following in _PUNKT_PUNCTUATION or following[0].islower():
            return False
        if initial and following[0].isupper():
            return False
    return True


def _is_letter(character: str) -> bool:
    """`regex`'s [^\\W\\d]: a word character but not a digit."""
    if character.isalpha():
        return True
    category = unicodedata.category(character)
    return (
        category[0] == "M"
        or category in ("Pc", "Nl")
        or character in "\u200c\u200d"
        or _LETTER_SYMBOLS.match(character) is not None
    )


# ---- words: Treebank ------------------------------------------------------------------------------------------

# Characters some Treebank rule looks at, and words a contraction rule splits: a run of non-space characters
# with neither is one word.
_TREEBANK_CHARACTERS = re.compile(r"[\"'`:,.;@#$%&?!\[\](){}<>\-]")
_CONTRACTIONS = [
    re.compile(pattern)
    for pattern in (
        r"(?i)\b(can)(not)\b",
        r"(?i)\b(d)('ye)\b",
        r"(?i)\b(gim)(me)\b",
        r"(?i)\b(gon)(na)\b",
        r"(?i)\b(got)(ta)\b",
        r"(?i)\b(lem)(me)\b",
        r"(?i)\b(more)('n)\b",
        r"(?i)\b(wan)(na)(?=\s)",
        r"(?i) ('t)(is)\b",
        r"(?i) ('t)(was)\b",
    )
]
_CONTRACTION_WORDS = re.compile(r"(?i)cannot|gimme|gonna|gotta|lemme|wanna")

_DOUBLE_BACKTICK = re.compile(r"(``)")
_OPENING_QUOTE = re.compile(r"([ (\[{<])(\"|\'{2})")
_COLON_OR_COMMA = re.compile(r"([:,])([^\d])")
_SYMBOLS = re.compile(r"[;@#$%&]")
_FINAL_PERIOD = re.compile(f"([^\\.])(\\.)([\\]\\)}}>\"\\']*){_S}*$")
_QUESTION_OR_EXCLAMATION = re.compile(r"[?!]")
_QUOTE_BEFORE_SPACE = re.compile(r"([^'])' ")
_BRACKETS = re.compile(r"[\]\[(){}<>]")
_CLITIC = re.compile(r"([^' ])('[sS]|'[mM]|'[dD]|') ")
_CLITIC_2 = re.compile(r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ")
_QUOTES_IN_TEXT = re.compile(r"``|''|\"")

_splits_between_spaces: dict[str, tuple[int, ...]] = {}
_splits: dict[tuple[str, str, str], tuple[int, ...]] = {}


def _split_words(piece: str, start: int, end: int, offset: int, words: list, spans: list) -> None:
    """Treebank's words of piece[start:end], each with its span (shifted by `offset`), appended."""
    sentence = piece[start:end]
    if not sentence or sentence[0] == " " or sentence[-1] == " " or "  " in sentence \
            or _SPACE_BUT_BLANK.search(sentence):
        _split_words_anywhere(piece, start, end, offset, words, spans)
        return
    # Words separated by single spaces, the usual case: the runs between first and last have a space either
    # side. (A sentence never ends with a space.)
    runs = sentence.split(" ")
    position = offset + start
    if len(runs) == 1:
        _append_run(runs[0], position, "", "", words, spans)
        return
    _append_run(runs[0], position, "", " ", words, spans)
    position += len(runs[0]) + 1
    split_between_spaces = _splits_between_spaces.get
    for index in range(1, len(runs) - 1):
        run = runs[index]
        lengths = split_between_spaces(run)
        if lengths is None:
            lengths = _remember(_splits_between_spaces, run, _split_run(run, " ", " "))
        run_end = position + len(run)
        if lengths:
            _append_split(run, position, lengths, words, spans)
        else:
            words.append(run)
            spans.append((position, run_end))
        position = run_end + 1
    _append_run(runs[-1], position, " ", "", words, spans)


def _append_run(run: str, position: int, before: str, after: str, words: list, spans: list) -> None:
    key = (before, run, after)
    lengths = _splits.get(key)
    if lengths is None:
        lengths = _remember(_splits, key, _split_run(run, before, after))
    if lengths:
        _append_split(run, position, lengths, words, spans)
    else:
        words.append(run)
        spans.append((position, position + len(run)))


def _split_words_anywhere(piece: str, start: int, end: int, offset: int, words: list, spans: list) -> None:
    """_split_words for a sentence with line ends, tabs or runs of spaces."""
    for run in _NON_SPACE_RUN.finditer(piece, start, end):
        run_start, run_end = run.span()
        text = run.group()
        key = (piece[run_start - 1] if run_start > start else "", text, piece[run_end] if run_end < end else "")
        lengths = _splits.get(key)
        if lengths is None:
            lengths = _remember(_splits, key, _split_run(text, key[0], key[2]))
        if lengths:
            _append_split(text, offset + run_start, lengths, words, spans)
        else:
            words.append(text)
            spans.append((offset + run_start, offset + run_end))


def _append_split(run: str, start: int, lengths: tuple[int, ...], words: list, spans: list) -> None:
    position = 0
    for length in lengths:
        words.append(run[position : position + length])
        spans.append((start + position, start + position + length))
        position += length


def _remember(cache: dict, key, value):
    if len(cache) >= _CACHE_SIZE:
        cache.clear()
    cache[key] = value
    return value


def _split_run(text: str, before: str, after: str) -> tuple[int, ...]:
    """The lengths of the words Treebank makes of a run of non-space characters; () for one word. `before`
    and `after` are the space characters either side, or "" where the sentence starts or ends."""
    if not _CONTRACTION_WORDS.search(text):
        special = _TREEBANK_CHARACTERS.search(text)
        if not special:
            return ()
        if special.start() == len(text) - 1 > 0 and text[-1] in ",:;?!.":
            # A word and one mark after it, the commonest case by far: the mark's own rule alone applies, and
            # a period is split off only at the end of the sentence.
            return (len(text) - 1, 1) if text[-1] != "." or not after else ()
    # Stand-ins either side keep ^ and $ from matching where the sentence goes on.
    sentence = ("x" + before if before else "") + text + (after + "x" if after else "")
    tokens = _treebank(sentence).split()
    tokens = tokens[1 if before else 0 : len(tokens) - 1 if after else len(tokens)]
    # Treebank writes quotes as `` and ''; NLTK's span_tokenize puts the original characters back, in order.
    originals = iter(_QUOTES_IN_TEXT.findall(text))
    tokens = [next(originals, token) if token in ('"', "``", "''") else token for token in tokens]
    if "".join(tokens) != text:  # not seen: quotes out of step; keep the run whole rather than guess
        return ()
    return tuple(len(token) for token in tokens) if len(tokens) > 1 else ()


def _treebank(text: str) -> str:
    """TreebankWordTokenizer.tokenize before its final split, each rule tried only when it can apply.
    Replacements are functions: a template string costs a Python call per substitution in Python 3.11."""
    if text.startswith('"'):
        text = "``" + text[1:]
    if "``" in text:
        text = _DOUBLE_BACKTICK.sub(_spaced, text)
    if '"' in text or "''" in text:
        text = _OPENING_QUOTE.sub(_opening_quote, text)
    if ":" in text or "," in text:
        text = _COLON_OR_COMMA.sub(_colon_or_comma, text)
        if text.endswith((":", ",")):
            text = text[:-1] + " " + text[-1] + " "
    if "..." in text:
        text = text.replace("...", " ... ")
    text = _SYMBOLS.sub(_spaced, text)
    if "." in text:
        text = _FINAL_PERIOD.sub(_final_period, text)
    text = _QUESTION_OR_EXCLAMATION.sub(_spaced, text)
    if "' " in text:
        text = _QUOTE_BEFORE_SPACE.sub(_quote_before_space, text)
    text = _BRACKETS.sub(_spaced, text)
    if "--" in text:
        text = text.replace("--", " -- ")
    text = " " + text + " "
    if "''" in text:
        text = text.replace("''", " '' ")
    if '"' in text:
        text = text.replace('"', " '' ")
    if "'" in text:
        text = _CLITIC.sub(_clitic, text)
        text = _CLITIC_2.sub(_clitic, text)
    if "'" in text or _CONTRACTION_WORDS.search(text):
        for pattern in _CONTRACTIONS:
            text = pattern.sub(_clitic_spaced, text)
    return text


def _spaced(match: re.Match) -> str:
    return f" {match.group()} "


def _opening_quote(match: re.Match) -> str:
    return f"{match.group(1)} `` "


def _colon_or_comma(match: re.Match) -> str:
    return f" {match.group(1)} {match.group(2)}"


def _final_period(match: re.Match) -> str:
    return f"{match.group(1)} {match.group(2)}{match.group(3)} "


def _quote_before_space(match: re.Match) -> str:
    return f"{match.group(1)} ' "


def _clitic(match: re.Match) -> str:
    return f"{match.group(1)} {match.group(2)} "


def _clitic_spaced(match: re.Match) -> str:
    return f" {match.group(1)} {match.group(2)} "
