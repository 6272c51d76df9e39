"""What a trained tokenizer shares between training and tokenizing, in numpy: no TensorFlow, no corpora.

- every character of a text gets a label: outside a token (whitespace between tokens), inside a token, the
  last character of a token, or the last character of a token that ends a sentence;
- the network reads a character's id and its class (`CharEncoder`), over windows of characters that
  overlap so that every kept label saw `context` characters on either side (`windows`, `merge_windows`);
- `decode` turns label scores back into sentences of token spans, `TokenMemory` lays the boundaries the
  training tokens settle over the network's, and `MultiwordSplitter` splits a token into its words
  (`don't` = `do` + `n't`, `zum` = `zu` + `dem`) from a dictionary and suffix rules learned from training
  tokens.
"""

from __future__ import annotations

import math
import unicodedata
from collections import ChainMap, Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat

import numpy as np

# Labels: 0 is padding (no loss, never predicted).
PAD_LABEL, OUTSIDE, INSIDE, TOKEN_END, SENTENCE_END = 0, 1, 2, 3, 4
LABEL_NAMES = ("<pad>", "outside", "inside", "token_end", "sentence_end")

# Character classes: 0 is padding, the "character" beyond either end of the text.
CLASS_NAMES = ("<pad>", "space", "line_break", "upper", "lower", "other_letter", "digit", "punctuation", "symbol",
               "mark", "other")
SPACE, LINE_BREAK = 1, 2
_CATEGORY_CLASSES = {"Lu": 3, "Lt": 3, "Ll": 4, "Lm": 5, "Lo": 5, "Nd": 6, "Nl": 6, "No": 6, "Pc": 7, "Pd": 7,
                     "Ps": 7, "Pe": 7, "Pi": 7, "Pf": 7, "Po": 7, "Sm": 8, "Sc": 8, "Sk": 8, "So": 8, "Mn": 9,
                     "Mc": 9, "Me": 9}
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
PAD_ID, UNK_ID = 0, 1
PAD, UNK = "<pad>", "<unk>"
MAX_REMEMBERED_FORMS = 200_000  # the splitter's memory of forms it has split, a few MB at most
BMP = 0x10000  # characters below this are looked up in tables, the rest (emoji, ...) one by one


def char_class(char: str) -> int:
    if char in LINE_BREAKS:
        return LINE_BREAK
    if char.isspace():
        return SPACE
    return _CATEGORY_CLASSES.get(unicodedata.category(char), 10)


@lru_cache(maxsize=1)
def _bmp_classes() -> np.ndarray:
    return np.array([char_class(chr(code)) for code in range(BMP)], dtype=np.int32)


def codepoints(text: str) -> np.ndarray:
    """One code point per character of `text` (lone surrogates included), as uint32."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


class CharEncoder:
    """Character ids and classes of a text, one per character, through lookup tables.

    Whitespace the vocabulary lacks reads as a space or a line end, and the `\\r` of a `\\r\\n` as a space,
    so that Windows line ends look like the `\\n` the training text had, not like a blank line.
    """

    def __init__(self, chars: Sequence[str]):
        if list(chars[:2]) != [PAD, UNK] or len(set(chars)) != len(chars):
            raise ValueError(f"a character vocabulary starts with {PAD}, {UNK} and holds each character once")
        if any(len(char) != 1 for char in chars[2:]):
            raise ValueError("a character vocabulary holds single characters")
        self.chars = list(chars)
        self.index = {char: i for i, char in enumerate(self.chars) if i > UNK_ID}
        self.space_id = self.index.get(" ", UNK_ID)
        self.line_id = self.index.get("\n", self.space_id)
        classes = _bmp_classes()
        self.id_table = np.full(BMP, UNK_ID, dtype=np.int32)
        self.id_table[classes == SPACE] = self.space_id
        self.id_table[classes == LINE_BREAK] = self.line_id
        for char, i in self.index.items():
            if ord(char) < BMP:
                self.id_table[ord(char)] = i
        self.class_table = classes

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(ids, classes) of every character, int32 arrays as long as `text`."""
        codes = codepoints(text)
        small = codes < BMP
        if small.all():
            ids, classes = self.id_table[codes], self.class_table[codes]
        else:
            ids = np.empty(len(codes), np.int32)
            classes = np.empty(len(codes), np.int32)
            ids[small], classes[small] = self.id_table[codes[small]], self.class_table[codes[small]]
            for position in np.flatnonzero(~small):
                char = chr(codes[position])
                ids[position], classes[position] = self.index.get(char, UNK_ID), char_class(char)
        if "\r" in text:
            crlf = np.flatnonzero((codes[:-1] == 13) & (codes[1:] == 10))
            ids[crlf], classes[crlf] = self.space_id, SPACE
        return ids, classes

    @classmethod
    def build(cls, texts: Iterable[str], min_count: int = 1) -> CharEncoder:
        """Characters seen at least `min_count` times, most frequent first (ties by code point)."""
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(text)
        kept = sorted((c for c, n in counts.items() if n >= min_count and c not in (PAD, UNK)),
                      key=lambda c: (-counts[c], ord(c)))
        return cls([PAD, UNK, *kept])


# ---- labels ---------------------------------------------------------------------------------------------

def character_labels(length: int, sentences: Iterable[Sequence[tuple[int, int]]]) -> np.ndarray:
    """The label of every character of a text of `length` characters, from each sentence's token spans
    (the words of a multiword token repeat its span: repeats count once); unlabelled characters are outside."""
    labels = np.full(length, OUTSIDE, dtype=np.int32)
    for spans in sentences:
        last_end = None
        for start, end in spans:
            if end <= start or (start, end) == last_end:
                continue
            labels[start:end] = INSIDE
            labels[end - 1] = TOKEN_END
            last_end = (start, end)
        if last_end is not None:
            labels[last_end[1] - 1] = SENTENCE_END
    return labels


def segment(logits: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(token starts, token ends, sentence stops) from label logits [n, labels] and character classes [n]:
    token i spans [starts[i], ends[i]); sentence k holds tokens stops[k - 1] (0 for the first) to stops[k].

    Whitespace is outside a token unless the network says it is inside one whose characters go on after
    it; every other character is in a token. A sentence ends where the network says so, at a blank line,
    and at the end of the text.
    """
    if len(classes) == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    space = (classes == SPACE) | (classes == LINE_BREAK)
    word_labels = logits[:, INSIDE:].argmax(axis=1) + INSIDE
    labels = np.where(space, OUTSIDE, word_labels).astype(np.int32)
    inner_spaces = np.flatnonzero(space & (logits[:, INSIDE] > logits[:, OUTSIDE]))
    if len(inner_spaces):
        _keep_spaces_inside_tokens(labels, inner_spaces, space)
    in_token = labels != OUTSIDE
    following = np.append(in_token[1:], False)
    ends = in_token & ((labels >= TOKEN_END) | ~following)
    starts = in_token & ~np.insert(in_token[:-1] & ~ends[:-1], 0, False)
    token_starts, token_ends = np.flatnonzero(starts), np.flatnonzero(ends) + 1
    if len(token_starts) == 0:
        return token_starts, token_ends, np.zeros(0, np.int64)
    sentence_end = labels[token_ends - 1] == SENTENCE_END
    sentence_end[:-1] |= blank_lines_between(line_breaks_before(classes), token_ends[:-1], token_starts[1:])
    sentence_end[-1] = True
    return token_starts, token_ends, np.flatnonzero(sentence_end) + 1


def line_breaks_before(classes: np.ndarray) -> np.ndarray:
    """[n + 1]: how many line breaks (characters of class LINE_BREAK; CR LF is one) come before each offset."""
    return np.concatenate([[0], np.cumsum(classes == LINE_BREAK)])


def blank_lines_between(line_breaks: np.ndarray, ends, starts) -> np.ndarray:
    """Whether a blank line (two line breaks) lies between each end offset and the start offset paired with it:
    a sentence always ends there."""
    return (line_breaks[starts] - line_breaks[ends]) >= 2


def decode(logits: np.ndarray, classes: np.ndarray) -> list[list[tuple[int, int]]]:
    """Sentences of token spans (see `segment`)."""
    starts, ends, stops = segment(logits, classes)
    spans = list(zip(starts.tolist(), ends.tolist()))
    return [spans[a:b] for a, b in zip([0, *stops[:-1].tolist()], stops.tolist())]


def _keep_spaces_inside_tokens(labels: np.ndarray, candidates: np.ndarray, space: np.ndarray) -> None:
    """Runs of whitespace the network puts inside a token stay there when the token goes on after them
    (a character before the run is inside and not a token's end; a non-space character follows)."""
    run_start = None
    for position, following in zip(candidates.tolist(), [*candidates[1:].tolist(), -1]):
        run_start = position if run_start is None else run_start
        if following == position + 1:
            continue
        after = position + 1
        if run_start > 0 and labels[run_start - 1] == INSIDE and after < len(labels) and not space[after]:
            labels[run_start : after] = INSIDE
        run_start = None


# ---- windows --------------------------------------------------------------------------------------------

def windows(values: np.ndarray, window: int, context: int) -> np.ndarray:
    """[windows, window] slices of `values` padded with zeros: window k holds the `core` values from k * core
    with `context` values before and after, where core = window - 2 * context."""
    core = window - 2 * context
    count = max(1, -(-len(values) // core))
    padded = np.zeros(count * core + 2 * context, dtype=values.dtype)
    padded[context : context + len(values)] = values
    return np.lib.stride_tricks.sliding_window_view(padded, window)[::core]


def merge_windows(outputs: np.ndarray, length: int, context: int) -> np.ndarray:
    """The outputs [windows, window, k] of `windows(...)` put back in text order: [length, k]."""
    window = outputs.shape[1]
    core = window - 2 * context
    return outputs[:, context : context + core].reshape(-1, outputs.shape[-1])[:length]


def window_size(length: int, window: int, context: int, multiple: int = 16) -> int:
    """A short text is read in one window just long enough for it (a multiple of `multiple`), not padded to
    a full one."""
    needed = length + 2 * context
    return window if needed >= window else min(window, -(-max(needed, 2 * context + 1) // multiple) * multiple)


# ---- multiword tokens -----------------------------------------------------------------------------------

@dataclass
class MultiwordSplitter:
    """Splits a token into its words: `don't` -> `do` `n't`, `zum` -> `zu` `dem`, `Google's` -> `Google` `'s`.

    Learned from training tokens: a form seen split in at least `min_share` of its occurrences is split the
    way it was most often (`words`, exact form; else `lower_words` by its lower case, the case carried
    over); an unseen form ending in a suffix that training tokens were split at often enough (`suffixes`,
    lower case, say `'s` or `n't`) is split there, unless training saw it unsplit (`unsplit`).
    """

    words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lower_words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    suffixes: tuple[str, ...] = ()  # longest first
    unsplit: frozenset[str] = frozenset()  # lower-cased forms ending in a suffix, seen mostly unsplit
    # Forms already split, and how: most tokens of a text are forms seen before.
    _known: dict[str, tuple[str, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def learn(cls, tokens: Iterable[tuple[str, Sequence[str]]], min_share: float = 0.5,
              min_count: int = 3) -> MultiwordSplitter:
        """From (surface form, words) of every training token; a single-word token has words (form,)."""
        totals: Counter[str] = Counter()
        splits: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
        for form, words in tokens:
            totals[form] += 1
            if len(words) > 1:
                splits[form][tuple(words)] += 1
        words = _majority_splits(totals, splits, min_share)
        lower_totals: Counter[str] = Counter()
        lower_splits: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
        for form, count in totals.items():
            lower_totals[form.lower()] += count
            for split, n in splits.get(form, {}).items():
                lower_splits[form.lower()][tuple(w.lower() for w in split)] += n
        lower_words = _majority_splits(lower_totals, lower_splits, min_share)
        suffixes, unsplit = _suffix_rules(lower_totals, lower_splits, min_share, min_count)
        return cls(words, lower_words, suffixes, unsplit)

    def split(self, form: str) -> tuple[str, ...]:
        found = self._known.get(form)
        if found is None:
            found = self._split(form)
            if len(self._known) < MAX_REMEMBERED_FORMS:
                self._known[form] = found
        return found

    def multiword_tokens(self, forms: Sequence[str]) -> list[tuple[int, tuple[str, ...]]]:
        """(index, words) of the forms that are several words, in order: `split` of every form, with the
        lookups of forms split before done in bulk (most of a text's tokens)."""
        known = self._known
        new = set(forms).difference(known)
        lookup = known.__getitem__
        if new:
            fresh = {form: self._split(form) for form in new}
            if len(known) + len(fresh) <= MAX_REMEMBERED_FORMS:
                known.update(fresh)
            else:
                lookup = ChainMap(fresh, known).__getitem__
        words = list(map(lookup, forms))
        several = np.flatnonzero(np.fromiter(map(len, words), np.int64, len(words)) > 1).tolist()
        return [(index, words[index]) for index in several]

    def _split(self, form: str) -> tuple[str, ...]:
        found = self.words.get(form)
        if found is not None:
            return found
        lower = form.lower()
        found = self.lower_words.get(lower)
        if found is not None:
            return _carry_case(form, found)
        if lower in self.unsplit:
            return (form,)
        for suffix in self.suffixes:
            if len(lower) > len(suffix) and lower.endswith(suffix):
                return form[: -len(suffix)], form[-len(suffix) :]
        return (form,)

    def to_json(self) -> dict:
        return {"words": {k: list(v) for k, v in sorted(self.words.items())},
                "lower_words": {k: list(v) for k, v in sorted(self.lower_words.items())},
                "suffixes": list(self.suffixes), "unsplit": sorted(self.unsplit)}

    @classmethod
    def from_json(cls, data: dict) -> MultiwordSplitter:
        """Type-checked: a damaged file is a ValueError."""
        if not isinstance(data, dict):
            raise ValueError("malformed multiword table: expected a JSON object")

        def table(name: str) -> dict[str, tuple[str, ...]]:
            value = data.get(name, {})
            if not isinstance(value, dict) or not all(
                    isinstance(k, str) and isinstance(v, list) and len(v) > 1 and all(isinstance(w, str) and w
                                                                                     for w in v)
                    for k, v in value.items()):
                raise ValueError(f"malformed multiword table: {name!r} must map forms to lists of 2+ words")
            return {k: tuple(v) for k, v in value.items()}

        def strings(name: str) -> list[str]:
            value = data.get(name, [])
            if not isinstance(value, list) or not all(isinstance(s, str) and s for s in value):
                raise ValueError(f"malformed multiword table: {name!r} must be a list of strings")
            return value

        suffixes = sorted(strings("suffixes"), key=lambda s: (-len(s), s))
        return cls(table("words"), table("lower_words"), tuple(suffixes), frozenset(strings("unsplit")))


def _majority_splits(totals: Counter[str], splits: dict[str, Counter[tuple[str, ...]]],
                     min_share: float) -> dict[str, tuple[str, ...]]:
    chosen = {}
    for form, counter in splits.items():
        split_count = sum(counter.values())
        if split_count / totals[form] >= min_share:
            chosen[form] = min(counter.items(), key=lambda item: (-item[1], item[0]))[0]
    return chosen


def _suffix_rules(totals: Counter[str], splits: dict[str, Counter[tuple[str, ...]]], min_share: float,
                  min_count: int) -> tuple[tuple[str, ...], frozenset[str]]:
    """Suffixes that training tokens were split at (form = rest + suffix, two words), kept where at least
    `min_count` tokens and `min_share` of the tokens ending in them were split there."""
    candidates: Counter[str] = Counter()
    for form, counter in splits.items():
        for split, n in counter.items():
            if len(split) == 2 and split[0] and "".join(split) == form:
                candidates[split[1]] += n
    rules = []
    for suffix, hits in candidates.items():
        ending = sum(n for form, n in totals.items() if len(form) > len(suffix) and form.endswith(suffix))
        if hits >= min_count and hits / ending >= min_share:
            rules.append(suffix)
    rules.sort(key=lambda s: (-len(s), s))
    unsplit = set()
    for form, total in totals.items():
        if not any(len(form) > len(s) and form.endswith(s) for s in rules):
            continue
        split_count = sum(n for split, n in splits.get(form, {}).items())
        if split_count / total < min_share:
            unsplit.add(form)
    return tuple(rules), frozenset(unsplit)


def _carry_case(form: str, lower_split: tuple[str, ...]) -> tuple[str, ...]:
    """The words of a lower-cased split in the case of `form`: cut `form` itself where the words spell it,
    else capitalise the first word of a capitalised form (`Zum` -> `Zu dem`), upper-case all of an upper one."""
    if "".join(lower_split) == form.lower() and len(form.lower()) == len(form):
        words, position = [], 0
        for word in lower_split:
            words.append(form[position : position + len(word)])
            position += len(word)
        return tuple(words)
    if form.isupper() and len(form) > 1:
        return tuple(word.upper() for word in lower_split)
    if form[:1].isupper():
        return (lower_split[0][:1].upper() + lower_split[0][1:], *lower_split[1:])
    return lower_split


# ---- token boundaries remembered from training ----------------------------------------------------------

@dataclass
class TokenMemory:
    """Token boundaries the training data settles, laid over the network's where they differ.

    A small network misses boundaries that the training tokens show plainly (EWT: `Inc` `.` for `Inc.`,
    `anti-` `gay` for `anti-gay`, `?"` for `?` `"`). Learned from the gold tokens of the training text:

    - `joins`: strings kept as one token at least `min_count` times, and more often than written as several
      tokens; cut up by the network (its tokens touching, no whitespace between), they are joined again.
      Only strings with a character other than a letter or digit: the network does not cut inside words.
    - `cuts`: strings written as several touching tokens at least `min_count` times, more often than as one;
      kept whole by the network, they are cut where the training tokens were most often cut.
    - `prefixes`: the part before the hyphen of words that training keeps whole (`anti-gay`, `re-start`),
      lower-cased, where that happens at least `min_count` times and more often than `anti` `-` `X`: any
      word with such a prefix that the network cuts at the hyphen is joined again (`anti-Shiite`).

    A form seen in training as often whole as cut, or less than `min_count` times, is left to the network.
    """

    joins: frozenset[str] = frozenset()
    cuts: dict[str, tuple[int, ...]] = field(default_factory=dict)  # string -> offsets of the cuts inside it
    prefixes: frozenset[str] = frozenset()

    @classmethod
    def learn(cls, text: str, tokens: Sequence[tuple[int, int]], min_count: int = 2) -> TokenMemory:
        """From the [start, end) spans of every gold token of `text`, in order."""
        whole: Counter[str] = Counter()
        written_cut: Counter[str] = Counter()
        cut_at: dict[str, Counter[tuple[int, ...]]] = defaultdict(Counter)
        prefix_whole: Counter[str] = Counter()
        prefix_cut: Counter[str] = Counter()
        forms = [text[start:end] for start, end in tokens]
        for form in forms:
            whole[form] += 1
            prefix = _hyphen_prefix(form)
            if prefix:
                prefix_whole[prefix] += 1
        touching = [tokens[i][1] == tokens[i + 1][0] for i in range(len(tokens) - 1)]
        for i, touches in enumerate(touching):
            if not touches:
                continue
            first = forms[i]
            written_cut[first + forms[i + 1]] += 1
            cut_at[first + forms[i + 1]][(len(first),)] += 1
            if i + 1 < len(touching) and touching[i + 1]:
                joined = first + forms[i + 1] + forms[i + 2]
                written_cut[joined] += 1
                cut_at[joined][(len(first), len(first) + len(forms[i + 1]))] += 1
                if forms[i + 1] == "-" and first.isalpha() and forms[i + 2][:1].isalpha():
                    prefix_cut[first.lower()] += 1
        joins = frozenset(form for form, n in whole.items()
                          if n >= min_count and n > written_cut[form] and not form.isalnum() and len(form) > 1)
        cuts = {form: min(counter.items(), key=lambda item: (-item[1], item[0]))[0]
                for form, counter in cut_at.items()
                if written_cut[form] >= min_count and written_cut[form] > whole[form]}
        prefixes = frozenset(prefix for prefix, n in prefix_whole.items() if n >= min_count and n > prefix_cut[prefix])
        return cls(joins, cuts, prefixes)

    def __bool__(self) -> bool:
        return bool(self.joins or self.cuts or self.prefixes)

    def apply(self, text: str, starts: np.ndarray, ends: np.ndarray, stops: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The network's tokens (span arrays) and sentences (`stops`: the index after each sentence's last
        token) with the remembered boundaries; a joined group ends a sentence where any of its tokens did."""
        if not self or len(starts) == 0:
            return starts, ends, stops
        count = len(starts)
        sentence_end = np.zeros(count, dtype=bool)
        sentence_end[stops - 1] = True
        starts_list = starts.tolist()
        ends_list = ends.tolist()
        forms = [text[start:end] for start, end in zip(starts_list, ends_list)]
        # pieces[k]: the tokens network token k becomes: 0 inside a joined group (after its first token), 1
        # unchanged or first of a group, 1 + cuts when cut.
        pieces = np.ones(count, dtype=np.int64)
        new_ends = ends.copy()
        # Joins: only a token touching the next one (no whitespace between) can start a group.
        touching = np.flatnonzero(ends[:-1] == starts[1:]).tolist()
        touching_set = set(touching)
        joins, prefixes = self.joins, self.prefixes
        joined_until = -1
        for i in touching:
            if i <= joined_until:
                continue
            first, second = forms[i], forms[i + 1]
            pair = first + second
            if i + 1 in touching_set and (
                    pair + forms[i + 2] in joins
                    or (second == "-" and first.lower() in prefixes and forms[i + 2][:1].isalpha())):
                joined_until = i + 2
            elif pair in joins or (prefixes and _hyphen_prefix(pair) in prefixes
                                   and (first.endswith("-") or second.startswith("-"))):
                joined_until = i + 1
            else:
                continue
            new_ends[i] = ends_list[joined_until]
            sentence_end[i] = sentence_end[i : joined_until + 1].any()
            sentence_end[i + 1 : joined_until + 1] = False
            pieces[i + 1 : joined_until + 1] = 0
        # Cuts: a token not in a joined group, looked up by its string; its sentence end goes to its last piece.
        # Looked up as it is, else by its lower case (`Alot` as `alot`); most tokens are in neither.
        cuts = self.cuts
        found = [(k, cuts[form]) for k, form in enumerate(forms) if form in cuts]
        found += [(k, cuts[form.lower()]) for k, form in enumerate(forms)
                  if not form.islower() and form not in cuts and form.lower() in cuts
                  and len(form.lower()) == len(form)]
        hits = sorted((k, offsets) for k, offsets in found if pieces[k] == 1 and new_ends[k] == ends_list[k])
        for k, offsets in hits:
            pieces[k] += len(offsets)
        last_piece = np.cumsum(pieces) - 1
        kept = pieces > 0
        first_piece = (last_piece - pieces + 1)[kept]
        new_starts = np.empty(int(last_piece[-1]) + 1, dtype=np.int64)
        result_ends = np.empty_like(new_starts)
        new_starts[first_piece] = starts[kept]
        result_ends[last_piece[kept]] = new_ends[kept]
        for k, offsets in hits:
            start, first = starts_list[k], int(last_piece[k] - pieces[k] + 1)
            for n, offset in enumerate(offsets):
                result_ends[first + n] = new_starts[first + n + 1] = start + offset
        new_sentence_end = np.zeros(len(new_starts), dtype=bool)
        new_sentence_end[last_piece[sentence_end]] = True
        return new_starts, result_ends, np.flatnonzero(new_sentence_end) + 1

    def to_json(self) -> dict:
        return {"joins": sorted(self.joins), "cuts": {k: list(v) for k, v in sorted(self.cuts.items())},
                "prefixes": sorted(self.prefixes)}

    @classmethod
    def from_json(cls, data: dict) -> TokenMemory:
        """Type-checked: a damaged file is a ValueError (a cut must fall strictly inside its string)."""
        if not isinstance(data, dict):
            raise ValueError("malformed token memory: expected a JSON object")
        joins, prefixes, cuts = data.get("joins", []), data.get("prefixes", []), data.get("cuts", {})
        for name, value in (("joins", joins), ("prefixes", prefixes)):
            if not isinstance(value, list) or not all(isinstance(s, str) and s for s in value):
                raise ValueError(f"malformed token memory: {name!r} must be a list of strings")
        if not isinstance(cuts, dict) or not all(
                isinstance(offsets, list) and offsets and all(type(o) is int for o in offsets)
                and all(a < b for a, b in zip([0, *offsets], [*offsets, len(form)]))
                for form, offsets in cuts.items()):
            raise ValueError("malformed token memory: 'cuts' must map strings to increasing offsets inside them")
        return cls(frozenset(joins), {k: tuple(v) for k, v in cuts.items()}, frozenset(prefixes))


def _hyphen_prefix(form: str) -> str:
    """The lower-cased letters before the first hyphen of a word made of letters around it ('anti-gay' ->
    'anti'), else ''."""
    prefix, hyphen, rest = form.partition("-")
    return prefix.lower() if hyphen and prefix.isalpha() and rest[:1].isalpha() else ""


# ---- a second look at sentence ends, by the words around them ---------------------------------------------

@dataclass
class SentenceClassifier:
    """Decides the sentence ends the network is unsure of from the words around them.

    Characters alone rarely show a sentence boundary without punctuation ("Hope all is well | Take care");
    the words on either side often do. Every token end whose network probability of ending a sentence lies in
    [low, high), and that no blank line follows, is decided again by a logistic regression over that
    probability (its log-odds, and a coarse bin of it) and the words around: the token, the one before and the
    two after, in lower case and by shape (`Xx`, `x.`, `d`), the pairs they make, and the whitespace to the
    next token. Other token ends keep the network's decision. Learned from the network's own tokenization of
    its training text against the gold sentence ends (`learn`); the weights are a JSON object of feature
    strings.
    """

    weights: dict[str, float] = field(default_factory=dict)
    logit_weight: float = 0.0
    low: float = 0.05
    high: float = 0.9

    def __bool__(self) -> bool:
        return bool(self.weights)

    @classmethod
    def learn(cls, text: str, classes: np.ndarray, starts: Sequence[int], ends: Sequence[int],
              probabilities: np.ndarray, gold_ends: set[int], epochs: int = 15, seed: int = 1, low: float = 0.05,
              high: float = 0.9, learning_rate: float = 0.1, l2: float = 1e-4, min_weight: float = 0.05,
              train_low: float = 0.003, train_high: float = 0.98) -> SentenceClassifier:
        """From a tokenization of the training text (its character classes, token spans, each token's
        probability of ending a sentence) and the character offsets where gold sentences end. Stochastic
        gradient descent on the log loss, L2-regularised, the rate decaying by 0.8 an epoch. Features whose
        weight stays below `min_weight` are dropped: on EWT that keeps a quarter of them, at the same dev F1. It
        learns from the
        token ends in [train_low, train_high) but decides only those in [low, high): on EWT dev, learning from
        the wider band scored 89.70 against 89.30 (learning from [0.01, 0.98)), while on dev it never turned
        an end outside [0.05, 0.9) around, and deciding those took three times as long (a fifth of all
        tokenizing)."""
        import random

        forms = [text[start:end] for start, end in zip(starts, ends)]
        examples = [(_sentence_features(text, forms, starts, ends, k, float(probabilities[k])),
                     _log_odds(float(probabilities[k])), ends[k] in gold_ends)
                    for k in _candidates(classes, starts, ends, probabilities, train_low, train_high)]
        weights: dict[str, float] = defaultdict(float)
        logit_weight = 0.0
        order = random.Random(seed)
        for _ in range(epochs):
            order.shuffle(examples)
            for features, log_odds, is_end in examples:
                score = logit_weight * log_odds + sum(weights[f] for f in features)
                gradient = _sigmoid(score) - is_end
                logit_weight -= learning_rate * gradient * log_odds
                for f in features:
                    weights[f] -= learning_rate * (gradient + l2 * weights[f])
            learning_rate *= 0.8
        kept = {f: round(w, 4) for f, w in weights.items() if abs(w) >= min_weight}
        return cls(kept, round(logit_weight, 4), low, high)

    def decide(self, text: str, classes: np.ndarray, starts: Sequence[int], ends: Sequence[int],
               forms: Sequence[str], stops: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
        """The sentence stops (index after each sentence's last token) with the unsure ends decided again."""
        if not self or len(forms) < 2:
            return stops
        candidates = _candidates(classes, starts, ends, probabilities, self.low, self.high)
        if not candidates:
            return stops
        weights, logit_weight, zeros = self.weights, self.logit_weight, repeat(0.0)
        chances = probabilities[candidates].tolist()
        decisions = [logit_weight * _log_odds(chance)
                     + sum(map(weights.get, _sentence_features(text, forms, starts, ends, k, chance), zeros)) > 0.0
                     for k, chance in zip(candidates, chances)]
        sentence_end = np.zeros(len(forms), dtype=bool)
        sentence_end[stops - 1] = True
        sentence_end[candidates] = decisions
        return np.flatnonzero(sentence_end) + 1

    def to_json(self) -> dict:
        return {"weights": dict(sorted(self.weights.items())), "logit_weight": self.logit_weight,
                "low": self.low, "high": self.high}

    @classmethod
    def from_json(cls, data: dict) -> SentenceClassifier:
        """Type-checked: a damaged file is a ValueError."""
        if not isinstance(data, dict):
            raise ValueError("malformed sentence classifier: expected a JSON object")
        weights = data.get("weights", {})
        numbers = [data.get("logit_weight", 0.0), data.get("low", 0.05), data.get("high", 0.9)]
        if not isinstance(weights, dict) or not all(
                isinstance(k, str) and type(v) in (int, float) and np.isfinite(v) for k, v in weights.items()):
            raise ValueError("malformed sentence classifier: 'weights' must map feature strings to numbers")
        if not all(type(v) in (int, float) and np.isfinite(v) for v in numbers) or not (
                0 <= numbers[1] <= numbers[2] <= 1):
            raise ValueError("malformed sentence classifier: logit_weight, low and high must be numbers, "
                             "0 <= low <= high <= 1")
        return cls({k: float(v) for k, v in weights.items()}, *(float(v) for v in numbers))


def token_end_probabilities(logits: np.ndarray, ends: Sequence[int]) -> np.ndarray:
    """Each token's probability of ending a sentence: the softmax of its last character's label logits."""
    if len(ends) == 0:
        return np.zeros(0, np.float32)
    rows = logits[np.asarray(ends, dtype=np.int64) - 1].astype(np.float64)
    rows = np.exp(rows - rows.max(axis=1, keepdims=True))
    return rows[:, SENTENCE_END] / rows.sum(axis=1)


def _candidates(classes: np.ndarray, starts: Sequence[int], ends: Sequence[int], probabilities: np.ndarray,
                low: float, high: float) -> list[int]:
    """Tokens (all but the last) whose probability lies in [low, high) and that no blank line follows (the
    blank lines `segment` ends sentences at)."""
    unsure = np.flatnonzero((probabilities[:-1] >= low) & (probabilities[:-1] < high))
    if len(unsure) == 0:
        return []
    blank = blank_lines_between(line_breaks_before(classes), [ends[k] for k in unsure.tolist()],
                                [starts[k + 1] for k in unsure.tolist()])
    return unsure[~blank].tolist()


def _sentence_features(text: str, forms: Sequence[str], starts: Sequence[int], ends: Sequence[int], k: int,
                       probability: float) -> list[str]:
    last = len(forms) - 1
    before = forms[k - 1].lower() if k else "<start>"
    token = forms[k].lower()
    after = forms[k + 1].lower() if k < last else "<end>"
    second = forms[k + 2].lower() if k + 1 < last else "<end>"
    shapes = [_shape(forms[i]) if 0 <= i <= last else "<none>" for i in (k - 1, k, k + 1, k + 2)]
    gap = text[ends[k]:starts[k + 1]] if k < last else ""
    odds_bin = min(int(-2 * math.log10(probability if probability > 1e-6 else 1e-6)), 12)
    return ["bias", f"bin={odds_bin}", f"t={token}", f"a={after}", f"b={before}", f"a2={second}",
            f"ts={shapes[1]}", f"as={shapes[2]}", f"bs={shapes[0]}", f"a2s={shapes[3]}",
            f"t|a={token}|{after}", f"b|t={before}|{token}", f"ts|as={shapes[1]}|{shapes[2]}",
            f"lines={min(gap.count(chr(10)), 2)}", f"gap={'none' if not gap else 'space' if gap == ' ' else 'other'}"]


@lru_cache(maxsize=65536)  # the words of a text come back: most shapes are looked up, not made
def _shape(form: str) -> str:
    """Upper X, lower x, digit d, other characters as they are; runs collapsed; the first 6 characters."""
    out: list[str] = []
    for char in form[:6]:
        kind = "X" if char.isupper() else "x" if char.isalpha() else "d" if char.isdigit() else char
        if not out or out[-1] != kind:
            out.append(kind)
    return "".join(out)


def _log_odds(probability: float) -> float:
    probability = min(max(probability, 1e-6), 1 - 1e-6)
    return math.log(probability / (1 - probability))


def _sigmoid(score: float) -> float:
    return 1.0 / (1.0 + math.exp(-min(max(score, -30.0), 30.0)))
