"""Penn Treebank tags to UD UPOS as sets of the tags a word can have, never a guess.

A corpus tagged in PTB (MASC, NPS Chat, the WSJ sample) says nothing certain about UPOS for some tags: a VBZ is
AUX or VERB, an IN ADP or SCONJ, a DT DET or PRON. `upos_candidates(word, xpos)` gives every UPOS that EWT's
annotation gives that tag with that word, so a partial-label loss can train a UPOS head on a PTB corpus: the
gold tag lies in the set, and the loss spreads over the set instead of betting on one member.

The sets are derived from UD English EWT v2.16 train (XPOS beside UPOS, 204,577 words) and kept as small as it
allows: a word condition narrows a tag where EWT is consistent about closed-class words (forms of be/have/do/get
are the only VB* that are AUX; this/that/these/those the only DT that are PRON; not/n't the only RB that is
PART), and the rest of the tag's words get its one UPOS. Two choices follow PTB rather than EWT, because the
corpora this is for are PTB: TO is {PART, ADP} (PTB tags the preposition "to" TO, EWT tags it IN), and LS, SYM
are what EWT gives them. What EWT tags X (typos, file names, foreign words tagged as nouns) is left out: no PTB
tag says "typo", and adding X to every set would make them useless. Coverage, set sizes and the cases outside:
benchmarks/upos_candidates.py (train 99.86%, dev 99.71%, test 99.79%, mean set size 1.20).
"""

from __future__ import annotations

import re

UPOS_TAGS = frozenset(
    "ADJ ADP ADV AUX CCONJ DET INTJ NOUN NUM PART PRON PROPN PUNCT SCONJ SYM VERB X".split()
)

# One UPOS for the tag, whatever the word (conditions below widen or narrow some).
BASE = {
    "CC": "CCONJ", "CD": "NUM", "DT": "DET", "EX": "PRON", "IN": "ADP", "JJ": "ADJ", "JJR": "ADJ",
    "JJS": "ADJ", "LS": "NUM", "MD": "AUX", "NN": "NOUN", "NNS": "NOUN", "NNP": "PROPN", "NNPS": "PROPN",
    "PDT": "DET", "POS": "PART", "PRP": "PRON", "PRP$": "PRON", "RB": "ADV", "RBR": "ADV", "RBS": "ADV",
    "RP": "ADP", "SYM": "SYM", "UH": "INTJ", "VB": "VERB", "VBD": "VERB", "VBG": "VERB", "VBN": "VERB",
    "VBP": "VERB", "VBZ": "VERB", "WDT": "PRON", "WP": "PRON", "WP$": "PRON", "WRB": "ADV",
    ".": "PUNCT", ",": "PUNCT", ":": "PUNCT", "``": "PUNCT", "''": "PUNCT", "-LRB-": "PUNCT", "-RRB-": "PUNCT",
    "(": "PUNCT", ")": "PUNCT", "HYPH": "PUNCT", "#": "SYM", "$": "SYM", "XX": "X",
}
# Tags whose UPOS EWT does not fix even with the word: the sets it gives.
SETS = {
    "TO": frozenset({"PART", "ADP"}),
    "NFP": frozenset({"PUNCT", "SYM"}),
    "ADD": frozenset({"X", "PROPN"}),
    "GW": frozenset({"X", "PROPN"}),
    "AFX": frozenset({"X", "ADJ", "ADV", "NOUN", "VERB"}),
    "FW": frozenset({"X"}),
}

# Forms that are AUX or VERB under a VB* tag: be, have, do, get and their clitics (EWT's only VB* AUX).
AUX_VERB_FORMS = frozenset(
    "be is am are was were been being 's ’s `s s 're ’re re r 'm ’m m art ai "
    "have has had having 've ’ve ve v 'd ’d d hav "
    "do does did doing done du "
    "get gets got gotten getting".split()
)
INDEFINITE_PRONOUNS = frozenset(
    "something anything nothing everything someone anyone noone everyone somebody anybody nobody everybody "
    "none".split()
)
DEMONSTRATIVES = frozenset({"this", "that", "these", "those"})
NEGATIONS = frozenset({"not", "n't", "n’t", "nt", "n"})
SCONJ_ONLY = frozenset(
    "that if while whether although unless once so whereas whilst cause albeit".split()
)
WH_DETERMINERS = frozenset({"which", "what", "whatever", "whichever"})
FW_NOUNS = frozenset({"etc", "etc."})
FW_ADVERBS = frozenset({"i.e.", "e.g.", "i.e", "e.g", "ie", "eg", "eg.", "viz."})
# NNP words EWT tags ADJ (United States, New York, National Guard, Islamic, Saudi): adjective endings and a few
# common adjectives that start names.
NAME_ADJECTIVES = frozenset(
    "new united big high red white blue green black grand prime supreme middle royal general little far raw "
    "noble gray grey great old young upper lower holy free civil open southern northern eastern western first "
    "second third last".split()
)
ADJECTIVE_ENDING = re.compile(r".*(?:al|ic|an|ian|ese|ish|i|ed|ern|ive|ary|ous|ful|ent|ant|[0-9](?:st|nd|rd|th))$")
SYMBOLS = re.compile(r"[^\w\s]+")


def upos_candidates(word: str, xpos: str) -> frozenset[str]:
    """The UD UPOS tags `word` can have in EWT's annotation when a PTB corpus tags it `xpos`.

    xpos: a Penn Treebank tag or one of EWT's XPOS additions (ADD, AFX, GW, HYPH, NFP, XX; brackets as -LRB-,
    -RRB- or ( )). An unknown tag gives all 17 UPOS tags (no information), never an error.
    """
    lower = word.lower()
    if xpos in SETS:
        if xpos == "FW" and lower in FW_NOUNS:
            return frozenset({"NOUN"})
        if xpos == "FW" and lower in FW_ADVERBS:
            return frozenset({"ADV"})
        return SETS[xpos]
    base = BASE.get(xpos)
    if base is None:
        return UPOS_TAGS
    if xpos.startswith("VB"):
        return frozenset({"AUX", "VERB"}) if lower in AUX_VERB_FORMS else frozenset({"VERB"})
    if xpos in ("NN", "NNS"):
        if lower in INDEFINITE_PRONOUNS:
            return frozenset({"PRON"})
        if lower == "one":
            return frozenset({"NOUN", "PRON"})
        if SYMBOLS.fullmatch(word):  # % and # are SYM; a quote or $ tagged as a noun stays one
            return frozenset({"SYM", "NOUN"})
    elif xpos == "IN":
        return frozenset({"SCONJ"}) if lower in SCONJ_ONLY else frozenset({"ADP", "SCONJ"})
    elif xpos == "DT":
        return frozenset({"DET", "PRON"}) if lower in DEMONSTRATIVES else frozenset({"DET"})
    elif xpos == "RB":
        return frozenset({"PART"}) if lower in NEGATIONS else frozenset({"ADV"})
    elif xpos == "NNP":
        if lower in NAME_ADJECTIVES or ADJECTIVE_ENDING.fullmatch(lower):
            return frozenset({"PROPN", "ADJ"})
    elif xpos == "WDT":
        return frozenset({"PRON", "DET"}) if lower in WH_DETERMINERS else frozenset({"PRON"})
    elif xpos == "CD":
        if lower == "one":
            return frozenset({"NUM", "PRON"})
    elif xpos in (",", "HYPH") and word == "/":
        return frozenset({"PUNCT", "SYM"})
    return frozenset({base})
