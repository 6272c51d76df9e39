"""MASC (`nltk:masc_tagged`) and NPS Chat (`nltk:nps_chat`) read the way UD English EWT tokenizes and tags.

Both corpora carry Penn Treebank tags, but neither is tokenized or tagged quite as EWT is, and a tagger that
learns from them beside EWT would learn the differences as habits. NLTK's readers give the files as they are;
this module turns each sentence into EWT's tokens and EWT's XPOS inventory (PTB plus HYPH, NFP, ADD, AFX, GW,
XX, with brackets as -LRB-/-RRB-), and records, for every word, which rule (if any) made it: `Normalised.rules`
is "" where the word and its tag are the corpus's own, else the rule's name. A consumer that trusts only the
annotators' own tags (a partial-label loss, an evaluation) can widen or mask the words a rule guessed
(`GUESSED_RULES`); the others are certain rewrites (a bracket's tag, a quote glyph's direction).

What MASC's files hold, and what is done (counts for the whole corpus: benchmarks/masc_survey.py):

- Tokens written with spaces (". . ." or "M. B." as one token): NLTK splits them at the spaces and leaves the
  first pieces untagged. Dots are joined into one token ("..."); initials become one NNP each, as EWT tags
  "M."; any other untagged piece drops its sentence (URLs cut at a space, a stray "intervie="). A tag with no
  word before it (`_NN`: a "/" or "_" lost in MASC's export) is dropped.
- Tags that are not PTB: `-` (MASC's own tag for a hyphen: HYPH between two words in written text, else ':'),
  `...` (':' as PTB tags an ellipsis), `"` and `'` (a quote: see below), `(` `)` (-LRB- -RRB-, EWT's tags),
  typos (PP, PRN -> PRP; UH` -> UH; LRB on the screenplay "INT" -> NNP; VBG|NN -> VBG, the first); any other
  drops its sentence.
- Punctuation tagged as a word: parts of MASC were not checked by hand (“ ” [ ] * / tagged NN, curly
  apostrophes split off and tagged NN). A token of punctuation or symbols with a word's tag gets the tag of
  its glyph: brackets -LRB-/-RRB-, opening/closing quotes ``/'', dashes ':', ! ? . ',' : ; as PTB, math and
  currency signs SYM, other marks NFP (what EWT gives * | • ~ _). % & @ # keep NN/CC/IN/NN, as in EWT.
- Quote direction: MASC tags almost every straight " as '' (5,495 of 5,504); EWT has `` 819 and '' 784. Within a
  sentence straight quotes alternate ``, '', ... from the first, except that an odd first quote with only
  punctuation after it closes. On EWT's own straight quotes this rule gives the gold tag for 97.8% of " (1,568
  of 1,603) and 99.2% of ' (238 of 240).
- Curly apostrophes split off (`don ’ t`, `world ’ s`, `I ’ ll`): joined to EWT's tokens `do n’t`, `world ’s`,
  `I ’ll`, keeping the curly glyph as EWT does (`n’t`, `’s` are EWT forms). The tags come from the form:
  n’t RB; ’ll MD; ’re ’m ’ve VBP; ’d MD; the verb before n’t by its form (did VBD, ca MD, ...). Two are
  guesses, marked: `do` before n’t is VB at the start of a sentence, else VBP (293 of 349 = 84% right on EWT),
  and ’s is POS after a noun, VBZ after a pronoun, PRP after "let" (1,164 of 1,181 = 98.6% right on EWT).
- Fused forms that EWT splits (its multiword tokens): gonna -> gon/VBG na/TO, wanna -> wan/VBP na/TO,
  gotta -> got/VBN ta/TO, cannot -> can/MD not/RB, outta -> out/IN ta/IN, the tags EWT gives them every time.
- ICSI meeting transcripts write spelled letters with underscores (`O_K`, `X_M_L`, `E _ D _ U`): joined
  ("OK", "XML", "EDU"); a run split into pieces becomes one NNP.
- Hyphenated compounds: EWT splits `long-term` into long/JJ -/HYPH term/NN, except after a bound prefix
  (e-mail, non-, anti-, pre-, mid-, ...: KEEP_PREFIXES, every first part EWT train keeps whole and never splits)
  and for numbers, codes and addresses (phone numbers, dates, URLs). MASC keeps 2.9k compounds whole and already
  splits about as many (its `-` tag). `split_compounds` splits the whole ones as EWT would; the parts' tags are
  not in MASC, so each part gets its form's most frequent tag among MASC train's words that no rule set, else a
  tag by shape, and the last part of a noun compound keeps the compound's noun tag. On the parts of EWT's own
  split compounds that guess gives EWT's tag for 72.3% (1,126 of 1,557: benchmarks/masc_survey.py), so the
  parts are marked `compound_part` (guessed), the hyphen (certain) `compound_hyphen`.

NPS Chat (posts from chat rooms, PTB tags, non-commercial: for evaluation only) has its own marks: `^TAG`
(a non-standard spelling of a TAG word) becomes TAG; `^A^B` (a fused token tagged in parts) drops its post;
Switchboard's BES and HVS ('s for is/has) become VBZ as EWT tags them; X becomes XX; tokens with spaces lose them
where they are punctuation (". ." -> ".."), else drop the post. Fused forms and punctuation are treated as in
MASC; compounds are kept whole (an evaluation set gets no guessed tags).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .types import Sentence

# EWT's XPOS inventory: Penn Treebank tags, brackets as -LRB-/-RRB-, and EWT's additions.
PTB_TAGS = frozenset(
    "CC CD DT EX FW IN JJ JJR JJS LS MD NN NNS NNP NNPS PDT POS PRP PRP$ RB RBR RBS RP SYM TO UH "
    "VB VBD VBG VBN VBP VBZ WDT WP WP$ WRB # $ . , : `` '' -LRB- -RRB-".split()
)
EWT_EXTRA_TAGS = frozenset({"ADD", "AFX", "GW", "HYPH", "NFP", "XX"})
EWT_XPOS = PTB_TAGS | EWT_EXTRA_TAGS

# Tags a rule guessed (the corpus did not give them): a consumer may widen these to sets or leave them out.
GUESSED_RULES = frozenset({"compound_part", "do_before_nt", "clitic_s", "quote_direction", "hyphen_tag"})

PUNCT_TAGS = frozenset({".", ",", ":", "``", "''", "-LRB-", "-RRB-", "#", "$", "SYM", "HYPH", "NFP"})
# A punctuation or symbol token whose tag is a word's tag that EWT gives it too: kept.
WORDLIKE_SYMBOLS = {"%": "NN", "#": "NN", "&": "CC", "@": "IN", "'": "POS", "’": "POS", "$": "$"}
TAG_TYPOS = {"PP": "PRP", "PRN": "PRP", "UH`": "UH", "LRB": "NNP", "VBG|NN": "VBG"}
NLTK_BRACKET_TAGS = {"(": "-LRB-", ")": "-RRB-"}
OPENING = {"(": "-LRB-", "[": "-LRB-", "{": "-LRB-", "<": "-LRB-"}
CLOSING = {")": "-RRB-", "]": "-RRB-", "}": "-RRB-", ">": "-RRB-"}
# Glyph -> tag for punctuation tagged as a word, where the Unicode class would not give EWT's tag.
GLYPH_TAGS = {
    "/": ",", "+": "SYM", "=": "SYM", "\\": "SYM", "^": "SYM", "~": "NFP", "*": "NFP", "|": "NFP", "_": "NFP",
    "…": ":", "...": ":", "“": "``", "‘": "``", "‚": "``", "„": "``", "”": "''", "’": "''", "`": "``",
    ";": ":", "!": ".", "?": ".",
}
STRAIGHT_QUOTES = ('"', "'")
QUOTE_TAGS = frozenset({"``", "''", '"', "'"})

# n't contractions: the form before n't (lowercase) -> the verb EWT writes and its tag (do: see DO_RULE).
NT_BASES = {
    "don": ("do", None), "didn": ("did", "VBD"), "doesn": ("does", "VBZ"), "isn": ("is", "VBZ"),
    "aren": ("are", "VBP"), "wasn": ("was", "VBD"), "weren": ("were", "VBD"), "hasn": ("has", "VBZ"),
    "haven": ("have", "VBP"), "hadn": ("had", "VBD"), "couldn": ("could", "MD"), "wouldn": ("would", "MD"),
    "shouldn": ("should", "MD"), "mustn": ("must", "MD"), "mightn": ("might", "MD"), "needn": ("need", "MD"),
    "can": ("ca", "MD"), "won": ("wo", "MD"), "ain": ("ai", "VBP"), "shan": ("sha", "MD"),
}
CLITIC_TAGS = {"ll": "MD", "re": "VBP", "m": "VBP", "ve": "VBP", "d": "MD"}
# Words after which 's is the verb (is/has), as EWT tags it; after "let" it is us (PRP); else possessive.
S_VERB_HOSTS = frozenset(
    "it that he she there here what who where how this everyone everything everybody someone something "
    "somebody nobody nothing one when why which i you we they".split()
)
# Fused forms EWT splits, with the tags it gives the parts every time (its multiword tokens).
FUSED = {
    "gonna": (("gon", "VBG"), ("na", "TO")),
    "wanna": (("wan", "VBP"), ("na", "TO")),
    "gotta": (("got", "VBN"), ("ta", "TO")),
    "cannot": (("can", "MD"), ("not", "RB")),
    "outta": (("out", "IN"), ("ta", "IN")),
}
# First parts EWT train keeps whole before a hyphen and never splits (counts: benchmarks/masc_survey.py).
KEEP_PREFIXES = frozenset(
    "e non mid pre anti re post co over multi pro ex sub semi psycho neo cross un intra counter arch socio".split()
)
KEEP_SUFFIXES = frozenset({"wise", "esque"})
COMPOUND = re.compile(r"[^\W_]+(?:-[^\W_]+)+")
NOT_A_COMPOUND = re.compile(r"[\d-]+|.*[@/:.].*")  # numbers, dates, phone numbers; addresses and file names
NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS"})
ICSI_SPELLED = re.compile(r"(?:[A-Za-z]_)+[A-Za-z]")
PUNCTUATION_ONLY = re.compile(r"[^\w\s]+|_+")
EMOTICON = re.compile(r"[:;=][-o']?[()\[\]DPpO/\\|*@3$]+|\^_\^")  # EWT tags :) :-( :D ;) ^_^ as NFP


@dataclass(frozen=True)
class Normalised:
    """One sentence as EWT would tokenize and tag it, with the rule behind each word ("" where none)."""

    words: tuple[str, ...]
    tags: tuple[str, ...]
    rules: tuple[str, ...]
    document: str = ""  # the file it came from

    def sentence(self) -> Sentence:
        intern = sys.intern
        return Sentence(tuple(map(intern, self.words)), tuple(map(intern, self.tags)))


Token = tuple[str, str, str]  # word, tag, rule


def _glyph_tag(word: str) -> str:
    """The tag a punctuation or symbol token gets when its corpus tag is a word's tag."""
    if word in GLYPH_TAGS:
        return GLYPH_TAGS[word]
    if word in OPENING:
        return OPENING[word]
    if word in CLOSING:
        return CLOSING[word]
    if set(word) == {"."}:
        return "." if len(word) != 3 else ":"
    if set(word) <= {"-", "–", "—"}:
        return ":" if len(word) <= 2 else "NFP"  # a dash; a run of them is a line drawn in text
    category = unicodedata.category(word[0])
    if category == "Ps":
        return "-LRB-"
    if category == "Pe":
        return "-RRB-"
    if category == "Pi":
        return "``"
    if category == "Pf":
        return "''"
    if category == "Pd":
        return ":"
    if category[0] == "S":
        return "SYM"
    return "NFP"


def _respace(pieces: list[tuple[str, str | None]], counts: Counter) -> list[Token] | None:
    """One MASC token that held spaces, as NLTK split it: the untagged first pieces and the tagged last."""
    words = [word for word, _ in pieces]
    tag = pieces[-1][1]
    if all(set(word) == {"."} for word in words):
        counts["respaced_dots"] += 1
        return [("".join(words), tag, "respaced")]
    if all(re.fullmatch(r"[A-Z]\.", word) for word in words):
        counts["respaced_initials"] += len(words)
        return [(word, "NNP", "respaced") for word in words]
    if len(words) == 2 and words[1] == "" and tag:  # "www.example.com _NN": the tag was spaced off
        counts["respaced_tag"] += 1
        return [(words[0], tag, "respaced")]
    return None


def _nltk_tokens(tagged: Sequence[tuple[str, str | None]], counts: Counter) -> list[Token] | None:
    """NLTK's (word, tag) pairs with split tokens put back together and tag typos fixed; None drops the sentence."""
    tokens: list[Token] = []
    pending: list[tuple[str, str | None]] = []
    for word, tag in tagged:
        pending.append((word, tag))
        if tag is None:
            continue
        if len(pending) > 1:
            joined = _respace(pending, counts)
            if joined is None:
                counts["dropped_untagged_piece"] += 1
                return None
            tokens.extend(joined)
        else:
            rule = ""
            if tag in TAG_TYPOS:
                counts[f"tag_typo {tag}"] += 1
                tag, rule = TAG_TYPOS[tag], "tag_typo"
            if word:
                tokens.append((word, tag, rule))
            else:  # "_NN": a token with nothing before its tag (a lost "/" or "_"); nothing of the text is lost
                counts["dropped_empty_token"] += 1
        pending = []
    if pending:
        counts["dropped_untagged_piece"] += 1
        return None
    return tokens


def _spelled_letters(tokens: list[Token], counts: Counter) -> list[Token]:
    """ICSI's spelled letters: `O_K` -> OK; `E`, `_`, `D`, `_`, `U` -> EDU (NNP)."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        word, tag, rule = tokens[index]
        if ICSI_SPELLED.fullmatch(word):
            counts["spelled_letters"] += 1
            out.append((word.replace("_", ""), tag, "spelled_letters"))
            index += 1
            continue
        end = index
        while (end + 2 < len(tokens) and len(tokens[end][0]) == 1 and tokens[end][0].isalpha()
               and tokens[end + 1][0] == "_" and len(tokens[end + 2][0]) == 1 and tokens[end + 2][0].isalpha()):
            end += 2
        if end > index:
            counts["spelled_letters"] += 1
            out.append(("".join(tokens[k][0] for k in range(index, end + 1, 2)), "NNP", "spelled_letters"))
            index = end + 1
            continue
        out.append(tokens[index])
        index += 1
    return out


def _clitics(tokens: list[Token], counts: Counter) -> list[Token]:
    """`don ’ t` -> do n’t; `X ’ s|ll|re|m|ve|d` -> X ’s ...: a curly (or straight) apostrophe split off."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        if index + 2 < len(tokens) and tokens[index + 1][0] in ("’", "'") and tokens[index][0][-1:].isalpha():
            host, host_tag, host_rule = tokens[index]
            apostrophe, clitic = tokens[index + 1][0], tokens[index + 2][0]
            lower = clitic.lower()
            if lower == "t" and host.lower() in NT_BASES and tokens[index + 1][1] not in ("POS",):
                base, tag = NT_BASES[host.lower()]
                base = base.upper() if host.isupper() else base.capitalize() if host[0].isupper() else base
                rule = "clitic_apostrophe"
                if tag is None:  # do: imperative at the start of a sentence (VB), else present (VBP)
                    first = not any(word[:1].isalnum() for word, _, _ in out)
                    tag, rule = ("VB" if first else "VBP"), "do_before_nt"
                nt = ("N" if clitic.isupper() else "n") + apostrophe + clitic
                out += [(base, tag, rule), (nt, "RB", "clitic_apostrophe")]
                counts["clitic n't"] += 1
                index += 3
                continue
            if lower in CLITIC_TAGS or (lower == "s" and tokens[index + 1][1] != "POS"):
                if lower == "s":
                    previous = host.lower()
                    tag = "PRP" if previous == "let" else "VBZ" if previous in S_VERB_HOSTS else "POS"
                    rule = "clitic_s"
                else:
                    tag, rule = CLITIC_TAGS[lower], "clitic_apostrophe"
                    if lower == "ve" and host_tag == "MD":
                        tag = "VB"
                out += [tokens[index], (apostrophe + clitic, tag, rule)]
                counts[f"clitic '{lower}"] += 1
                index += 3
                continue
        out.append(tokens[index])
        index += 1
    return out


def _fused(tokens: list[Token], counts: Counter) -> list[Token]:
    out: list[Token] = []
    for word, tag, rule in tokens:
        parts = FUSED.get(word.lower())
        if parts is None:
            out.append((word, tag, rule))
            continue
        counts[f"fused {word.lower()}"] += 1
        cut = len(parts[0][0])
        first_tag = parts[0][1]
        if word.lower() == "wanna" and tag in ("VB", "VBP"):
            first_tag = tag  # MASC says which: want (VB) or want (VBP)
        out += [(word[:cut], first_tag, "fused_split"), (word[cut:], parts[1][1], "fused_split")]
    return out


def _punctuation(tokens: list[Token], spoken: bool, counts: Counter) -> list[Token]:
    """Brackets, ellipses, hyphens and punctuation tagged as words get EWT's punctuation tags."""
    out: list[Token] = []
    for index, (word, tag, rule) in enumerate(tokens):
        new = tag
        if tag in NLTK_BRACKET_TAGS:
            new, rule = NLTK_BRACKET_TAGS[tag], "bracket"
        elif tag == "...":
            new, rule = ":", "ellipsis"
        elif tag == "-" and set(word) <= {"-", "–", "—"}:
            before = tokens[index - 1][0] if index else ""
            after = tokens[index + 1][0] if index + 1 < len(tokens) else ""
            between_words = before[-1:].isalnum() and after[:1].isalnum() and before.lower() != after.lower()
            new, rule = ("HYPH" if between_words and not spoken and word == "-" else ":"), "hyphen_tag"
        elif word in STRAIGHT_QUOTES and tag != "POS":
            if tag not in ("``", "''"):  # tagged " or ' or as a word: a quote all the same, its direction decided below
                new, rule = "''", ("quote_direction" if tag in QUOTE_TAGS else "symbol")
        elif (EMOTICON.fullmatch(word) or tag == "UH" and PUNCTUATION_ONLY.fullmatch(word)) and tag != "NFP":
            new, rule = "NFP", "emoticon"
        elif word in ("“", "‘", "”") and tag != _glyph_tag(word):
            new, rule = _glyph_tag(word), "quote_glyph"
        elif PUNCTUATION_ONLY.fullmatch(word) and tag not in PUNCT_TAGS:
            if WORDLIKE_SYMBOLS.get(word) != tag and tag not in ("``", "''"):
                new, rule = _glyph_tag(word), "symbol"
        if new not in EWT_XPOS:
            return []  # an unknown tag: the caller drops the sentence
        if new != tag:
            counts[f"{rule} {tag}->{new}"] += 1
        out.append((word, new, rule))
    return out


def quote_directions(words: Sequence[str], quote: str) -> dict[int, str]:
    """Index -> `` or '' for each straight `quote` in a sentence: alternate from the first, except that an odd first
    quote followed only by punctuation closes (a quotation begun in an earlier sentence)."""
    positions = [i for i, word in enumerate(words) if word == quote]
    directions: dict[int, str] = {}
    opening = True
    for number, index in enumerate(positions):
        rest = words[index + 1:]
        if number == 0 and len(positions) % 2 == 1 and index > 0 and all(PUNCTUATION_ONLY.fullmatch(w) for w in rest):
            directions[index] = "''"
            continue
        directions[index] = "``" if opening else "''"
        opening = not opening
    return directions


def _quotes(tokens: list[Token], counts: Counter) -> list[Token]:
    words = [word for word, _, _ in tokens]
    out = list(tokens)
    for quote in STRAIGHT_QUOTES:
        candidates = {i for i, (word, tag, _) in enumerate(tokens) if word == quote and tag in QUOTE_TAGS}
        if not candidates:
            continue
        # Only quotes take part: an apostrophe tagged POS is not one.
        directions = quote_directions([w if i in candidates or w != quote else "\0" for i, w in enumerate(words)],
                                      quote)
        for index in candidates:
            word, tag, rule = tokens[index]
            new = directions[index]
            if new != tag:
                counts[f"quote_direction {tag}->{new}"] += 1
            out[index] = (word, new, "quote_direction" if new != tag else rule)
    return out


def normalise_masc(tagged: Sequence[tuple[str, str | None]], spoken: bool = False,
                   counts: Counter | None = None, document: str = "") -> Normalised | None:
    """One sentence of NLTK's masc_tagged reader as EWT tokens and tags (compounds are split later, by
    split_compounds, which needs MASC train's tags); None where the sentence cannot be repaired."""
    counts = Counter() if counts is None else counts
    tokens = _nltk_tokens(tagged, counts)
    if not tokens:
        return None
    tokens = _spelled_letters(tokens, counts)
    tokens = _clitics(tokens, counts)
    tokens = _fused(tokens, counts)
    tokens = _punctuation(tokens, spoken, counts)
    if not tokens:
        counts["dropped_unknown_tag"] += 1
        return None
    tokens = _quotes(tokens, counts)
    return Normalised(*map(tuple, zip(*tokens)), document=document)


def normalise_nps(tagged: Sequence[tuple[str, str]], counts: Counter | None = None,
                  document: str = "") -> Normalised | None:
    """One NPS Chat post as EWT tokens and tags; None where it cannot be repaired."""
    counts = Counter() if counts is None else counts
    tokens: list[Token] = []
    for word, tag in tagged:
        rule = ""
        if not tag or tag.count("^") > 1:
            counts["dropped_fused_or_untagged"] += 1
            return None
        if tag.startswith("^"):
            tag, rule = tag[1:], "nps_caret"
            counts["nps_caret"] += 1
        if tag in ("BES", "HVS"):
            counts[f"nps_switchboard {tag}->VBZ"] += 1
            tag, rule = "VBZ", "nps_switchboard"
        elif tag == "X":
            counts["nps_x X->XX"] += 1
            tag, rule = "XX", "nps_x"
        stripped = word.strip()
        if re.search(r"\s", stripped):
            if PUNCTUATION_ONLY.fullmatch(re.sub(r"\s+", "", stripped)):
                stripped, rule = re.sub(r"\s+", "", stripped), "respaced"
                counts["respaced"] += 1
            else:
                counts["dropped_space_in_word"] += 1
                return None
        if not stripped:
            counts["dropped_empty_word"] += 1
            return None
        tokens.append((stripped, tag, rule))
    if not tokens:
        return None
    tokens = _fused(tokens, counts)
    tokens = _punctuation(tokens, False, counts)
    if not tokens:
        counts["dropped_unknown_tag"] += 1
        return None
    tokens = _quotes(tokens, counts)
    return Normalised(*map(tuple, zip(*tokens)), document=document)


def keeps_hyphen(word: str) -> bool:
    """Whether EWT keeps this hyphenated word whole: a bound prefix or suffix, or a number, code or address."""
    parts = word.lower().split("-")
    return parts[0] in KEEP_PREFIXES or parts[-1] in KEEP_SUFFIXES or bool(NOT_A_COMPOUND.fullmatch(word))


def shape_tag(word: str) -> str:
    """A tag by the word's look, for a compound part no MASC train word tells about."""
    if re.fullmatch(r"[\d.,]+", word):
        return "CD"
    if word[:1].isupper():
        return "NNP"
    return "NN"


def majority_tags(sentences: Iterable[Normalised]) -> dict[str, str]:
    """Word form -> its most frequent tag (ties: the tag first seen), over words no rule made."""
    counts: dict[str, Counter] = {}
    for sentence in sentences:
        for word, tag, rule in zip(sentence.words, sentence.tags, sentence.rules):
            if not rule:
                counts.setdefault(word, Counter())[tag] += 1
    return {word: tags.most_common(1)[0][0] for word, tags in counts.items()}


def split_compounds(sentence: Normalised, lexicon: Mapping[str, str], counts: Counter | None = None) -> Normalised:
    """Hyphenated compounds EWT would split, split: part HYPH part, parts tagged from `lexicon` (majority_tags)."""
    counts = Counter() if counts is None else counts
    words: list[str] = []
    tags: list[str] = []
    rules: list[str] = []
    for word, tag, rule in zip(sentence.words, sentence.tags, sentence.rules):
        if not COMPOUND.fullmatch(word) or keeps_hyphen(word):
            words.append(word)
            tags.append(tag)
            rules.append(rule)
            continue
        counts["compound_split"] += 1
        parts = word.split("-")
        for number, part in enumerate(parts):
            if number:
                words.append("-")
                tags.append("HYPH")
                rules.append("compound_hyphen")
            guess = lexicon.get(part) or lexicon.get(part.lower()) or shape_tag(part)
            if number == len(parts) - 1 and tag in NOUN_TAGS and guess in NOUN_TAGS:
                guess = tag  # a noun compound's head carries its number: health-care/NN, follow-ups/NNS
            words.append(part)
            tags.append(guess)
            rules.append("compound_part")
    return Normalised(tuple(words), tuple(tags), tuple(rules), sentence.document)


def read_masc(reader, parts: Mapping[str, Sequence[str]], counts: Counter | None = None) -> dict[str, list[Normalised]]:
    """NLTK's masc_tagged reader -> {split: normalised sentences} for the file ids of each split in `parts`
    (nltk_corpora.document_split), compounds split with the "train" split's own majority tags."""
    counts = Counter() if counts is None else counts
    splits: dict[str, list[Normalised]] = {}
    for split, fileids in parts.items():
        sentences = []
        for fileid in fileids:
            spoken = fileid.startswith("spoken/")
            for tagged in reader.tagged_sents(fileid):
                counts["sentences_read"] += 1
                counts["words_read"] += len(tagged)
                if not tagged:
                    counts["dropped_empty_sentence"] += 1
                    continue
                normalised = normalise_masc(tagged, spoken, counts, fileid)
                if normalised is not None:
                    sentences.append(normalised)
        splits[split] = sentences
    lexicon = majority_tags(splits.get("train", []))
    return {split: [split_compounds(s, lexicon, counts) for s in sentences] for split, sentences in splits.items()}


def read_nps_chat(reader, counts: Counter | None = None) -> dict[str, list[Normalised]]:
    """NLTK's nps_chat reader -> every normalised post in test, files in sorted order; train and dev empty."""
    counts = Counter() if counts is None else counts
    posts = []
    for fileid in sorted(reader.fileids()):
        for tagged in reader.tagged_posts(fileid):
            counts["sentences_read"] += 1
            counts["words_read"] += len(tagged)
            normalised = normalise_nps(tagged, counts, fileid) if tagged else None
            if normalised is not None:
                posts.append(normalised)
    return {"train": [], "dev": [], "test": posts}
