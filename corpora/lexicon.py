"""A lexicon of the Penn Treebank tags each English word form can take, built from sources whose licences let a
table derived from them ship inside a model; read back by `tagger.lexicon.Lexicon` (no corpora, no TensorFlow).

Why: a tagger trained on EWT's 204k words has never seen most English words; a lexicon says, for a word no
training corpus holds, which tags it can take at all (a feature, or a constraint on the output).

Sources (`SOURCES`), and what may go in a shipped table:

- `ewt_train`: UD English EWT v2.16 train, XPOS column. CC BY-SA 4.0: a table derived from it is shared alike,
  as the shipped model already is.
- `masc_train`: MASC (nltk:masc_tagged) train split, normalised by corpora.masc, words whose tag no rule guessed.
  Open (NLTK's index: "linguistic education, research, and development, including commercial development").
  Train only, so that MASC dev and test stay unseen by a model that takes lexicon features.
- `brown`: the Brown Corpus (nltk:brown), its tags mapped to PTB (`BROWN_TO_PTB`; a Brown tag that PTB splits,
  such as VB = VB or VBP, gives both). brown/README in NLTK's package: "Distributed with the permission of the
  copyright holder, redistribution permitted."
- `lemminflect`: the inflection table of the lemminflect package (MIT; its data is derived from the NLM
  SPECIALIST Lexicon, open source under NLM's terms and conditions): NN/NNS, VB/VBP/VBD/VBN/VBG/VBZ,
  JJ/JJR/JJS, RB/RBR/RBS forms of 40k lemmas. Used only where lemminflect is installed
  (`pip install lemminflect`); its gzip CSV is read directly, none of its pickled models is loaded.

Never: the NLTK Penn Treebank sample (nltk:treebank, non-commercial LDC sample), NPS Chat (non-commercial), and
CoNLL-2000 (its POS tags are a rule tagger's output, not gold).

File format (JSON, `FORMAT`, version 1): `tags` lists the tags once; `words` maps each form, as written, to an
integer bitmask (bit i = tags[i]); `sources` records each source's name, licence and what it added; `lowercase`
says how a reader looks a word up. Forms are stored as written; the lookup is "lowercase" (the union of the tags
of every case variant of the word) because on the EWT dev and test words unseen in train it holds the gold tag
for more of them than the exact form does, or the exact form with lowercase as a fallback (46.8% / 46.1% of
unseen dev / test tokens against 43.4% / 41.0% and 46.1% / 45.5%: benchmarks/lexicon.py); the exact case is in
the word itself, which a tagger sees anyway.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from common.files import write_atomically

from .masc import EWT_XPOS, GUESSED_RULES
from .types import CorpusError

FORMAT = "postag-lexicon"
VERSION = 1
# Bit order: EWT's XPOS inventory, sorted, so the same tag keeps the same bit in every file.
LEXICON_TAGS = tuple(sorted(EWT_XPOS))


@dataclass(frozen=True)
class LexiconSource:
    name: str
    licence: str
    description: str
    shippable: bool = True


SOURCES = {
    source.name: source
    for source in [
        LexiconSource("ewt_train", "CC BY-SA 4.0", "UD English EWT v2.16 train, XPOS"),
        LexiconSource("masc_train", "open (NLTK index: linguistic education, research, and development, including "
                      "commercial development)", "MASC train split as corpora.masc normalises it, unguessed tags"),
        LexiconSource("brown", "redistribution permitted (brown/README)", "Brown Corpus, tags mapped to PTB"),
        LexiconSource("lemminflect", "MIT (code); data from the NLM SPECIALIST Lexicon (open source, NLM terms "
                      "and conditions)", "lemminflect's inflection table (infl_lu.csv.gz)"),
    ]
}
DEFAULT_SOURCES = ("ewt_train", "masc_train", "brown", "lemminflect")

# Brown's tags in PTB (a set where PTB distinguishes what Brown does not). Suffixes -TL, -HL, -NC and a FW-
# prefix are taken off first; a tag with + (fused: PPS+BEZ "it's") or a possessive $ / negative * on a word tag
# (NN$ "man's", BEZ* "isn't") names no single PTB tag and is skipped.
BROWN_TO_PTB = {
    ".": {"."}, ",": {","}, ":": {":"}, "--": {":"}, "(": {"-LRB-"}, ")": {"-RRB-"}, "``": {"``"}, "''": {"''"},
    "'": {"''"}, "ABL": {"PDT", "RB"}, "ABN": {"PDT", "DT"}, "ABX": {"DT", "PDT", "CC"}, "AP": {"JJ", "DT"},
    "AT": {"DT"}, "BE": {"VB"}, "BED": {"VBD"}, "BEDZ": {"VBD"}, "BEG": {"VBG"}, "BEM": {"VBP"}, "BEN": {"VBN"},
    "BER": {"VBP"}, "BEZ": {"VBZ"}, "CC": {"CC"}, "CD": {"CD"}, "CS": {"IN"}, "DO": {"VB", "VBP"},
    "DOD": {"VBD"}, "DOZ": {"VBZ"}, "DT": {"DT"}, "DTI": {"DT"}, "DTS": {"DT"}, "DTX": {"DT", "CC"},
    "EX": {"EX"}, "HV": {"VB", "VBP"}, "HVD": {"VBD", "VBN"}, "HVG": {"VBG"}, "HVN": {"VBN"}, "HVZ": {"VBZ"},
    "IN": {"IN"}, "JJ": {"JJ"}, "JJR": {"JJR"}, "JJS": {"JJ"}, "JJT": {"JJS"}, "MD": {"MD"}, "NN": {"NN"},
    "NNS": {"NNS"}, "NP": {"NNP"}, "NPS": {"NNPS"}, "NR": {"NN", "RB"}, "NRS": {"NNS"}, "OD": {"JJ"},
    "PN": {"NN"}, "PP$": {"PRP$"}, "PP$$": {"PRP"}, "PPL": {"PRP"}, "PPLS": {"PRP"}, "PPO": {"PRP"},
    "PPS": {"PRP"}, "PPSS": {"PRP"}, "QL": {"RB"}, "QLP": {"RB"}, "RB": {"RB"}, "RBR": {"RBR"}, "RBT": {"RBS"},
    "RN": {"RB"}, "RP": {"RP"}, "TO": {"TO"}, "UH": {"UH"}, "VB": {"VB", "VBP"}, "VBD": {"VBD"},
    "VBG": {"VBG"}, "VBN": {"VBN"}, "VBZ": {"VBZ"}, "WDT": {"WDT"}, "WP$": {"WP$"}, "WPO": {"WP"},
    "WPS": {"WP"}, "WQL": {"WRB"}, "WRB": {"WRB"}, "*": {"RB"},
}
LEMMINFLECT_TAGS = {  # infl_lu.csv.gz: lemma,category,forms of each slot (slashes between spellings)
    "noun": (("NN",), ("NNS",)),
    "adj": (("JJ",), ("JJR",), ("JJS",)),
    "adv": (("RB",), ("RBR",), ("RBS",)),
    "verb": (("VB", "VBP"), ("VBD",), ("VBN",), ("VBG",), ("VBZ",)),
}


def brown_to_ptb(word: str, tag: str) -> frozenset[str]:
    """The PTB tags a Brown-tagged word stands for; empty where Brown's tag names no single PTB word."""
    for suffix in ("-TL", "-HL", "-NC"):
        while tag.endswith(suffix):
            tag = tag[: -len(suffix)]
    if tag.startswith("FW-"):
        return frozenset({"FW"})
    if "+" in tag or (tag.endswith("*") and tag != "*"):
        return frozenset()
    if word.lower() == "to" and tag == "IN":
        return frozenset({"TO"})  # PTB tags every "to" TO
    return frozenset(BROWN_TO_PTB.get(tag, ()))


@dataclass
class LexiconTable:
    """Word form -> tags, and what each source added: the builder's result before it is written."""

    words: dict[str, set[str]] = field(default_factory=dict)
    sources: list[dict] = field(default_factory=list)

    def add(self, source: str, pairs: Iterable[tuple[str, Iterable[str]]]) -> None:
        tokens = new_words = 0
        seen: set[str] = set()
        for word, tags in pairs:
            tags = [tag for tag in tags if tag in EWT_XPOS]
            if not word or not tags:
                continue
            tokens += 1
            seen.add(word)
            entry = self.words.get(word)
            if entry is None:
                self.words[word] = entry = set()
                new_words += 1
            entry.update(tags)
        info = SOURCES[source]
        self.sources.append({"name": source, "licence": info.licence, "description": info.description,
                             "entries_read": tokens, "forms": len(seen), "new_forms": new_words})

    def to_json(self) -> dict:
        bits = {tag: 1 << index for index, tag in enumerate(LEXICON_TAGS)}
        return {
            "format": FORMAT, "version": VERSION, "tags": list(LEXICON_TAGS), "lowercase": "lowercase",
            "sources": self.sources,
            "words": {word: sum(bits[tag] for tag in tags) for word, tags in sorted(self.words.items())},
        }


def ewt_pairs(path: str | Path) -> Iterator[tuple[str, tuple[str]]]:
    from .conllu import read_conllu

    for sentence in read_conllu(path, "xpos"):
        for word, tag in zip(sentence.words, sentence.tags):
            yield word, (tag,)


def masc_pairs(fetch: bool = False) -> Iterator[tuple[str, tuple[str]]]:
    from . import nltk_corpora

    for sentence in nltk_corpora.normalised_splits("nltk:masc_tagged", fetch)["train"]:
        for word, tag, rule in zip(sentence.words, sentence.tags, sentence.rules):
            if rule not in GUESSED_RULES:
                yield word, (tag,)


def brown_pairs(fetch: bool = False) -> Iterator[tuple[str, frozenset[str]]]:
    from . import nltk_corpora

    reader = nltk_corpora._reader(nltk_corpora.nltk_corpus("nltk:brown"), fetch)
    for word, tag in reader.tagged_words():
        yield word, brown_to_ptb(word, tag)


def lemminflect_table() -> Path | None:
    """lemminflect's inflection table, found without importing the package (nor unpickling anything)."""
    spec = importlib.util.find_spec("lemminflect")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "infl_lu.csv.gz"
    return path if path.is_file() else None


def lemminflect_pairs(path: str | Path) -> Iterator[tuple[str, tuple[str, ...]]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            parts = line.rstrip("\n").split(",")
            if len(parts) < 2:
                raise CorpusError(f"{path}:{number}: expected 'lemma,category,forms...'")
            lemma, category, forms = parts[0], parts[1], parts[2:]
            slots = LEMMINFLECT_TAGS.get(category)
            if slots is None:
                continue  # aux, modal: closed classes the corpora cover
            yield lemma, slots[0]
            for tags, spellings in zip(slots[1:], forms):
                for spelling in spellings.split("/"):
                    if spelling:
                        yield spelling, tags


def build_lexicon(sources: Sequence[str] = DEFAULT_SOURCES, ewt_train: str | Path | None = None,
                  fetch: bool = False) -> LexiconTable:
    """A lexicon from the named sources (see SOURCES); a source that is not available here is skipped, and
    `sources` in the result says which were used. ewt_train: the EWT train file (default: the data directory's)."""
    unknown = [name for name in sources if name not in SOURCES]
    if unknown:
        raise CorpusError(f"unknown lexicon source {unknown[0]!r}; known: {', '.join(SOURCES)}")
    table = LexiconTable()
    for name in sources:
        if name == "ewt_train":
            if ewt_train is None:
                from .registry import data_dir

                ewt_train = data_dir() / "ud_english_ewt" / "en_ewt-ud-train.conllu"
            table.add(name, ewt_pairs(ewt_train))
        elif name == "masc_train":
            table.add(name, masc_pairs(fetch))
        elif name == "brown":
            table.add(name, brown_pairs(fetch))
        elif name == "lemminflect":
            path = lemminflect_table()
            if path is not None:
                table.add(name, lemminflect_pairs(path))
    return table


def write_lexicon(table: LexiconTable, path: str | Path) -> Path:
    """The lexicon as compact JSON (one line), written atomically."""
    return write_atomically(path, json.dumps(table.to_json(), ensure_ascii=False, separators=(",", ":")))


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m corpora.lexicon OUTPUT.json [SOURCE ...]`: build and write a lexicon (default: every source)."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0].startswith("-"):
        raise SystemExit(f"usage: python -m corpora.lexicon OUTPUT.json [SOURCE ...]; sources: {', '.join(SOURCES)}")
    table = build_lexicon(args[1:] or DEFAULT_SOURCES)
    write_lexicon(table, args[0])
    used = ", ".join(f"{s['name']} ({s['forms']:,} forms)" for s in table.sources)
    print(f"{args[0]}: {len(table.words):,} word forms from {used}")


if __name__ == "__main__":
    main()
