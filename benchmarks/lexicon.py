"""What the word-tag lexicon (corpora.lexicon) knows about the words EWT train never shows a tagger.

    POSTAG_DATA_DIR=../shared/data NLTK_DATA=../shared/nltk_data python -m benchmarks.lexicon [--output LEXICON.json]

For UD English EWT v2.16 dev and test, the words unseen in EWT train (their lowercased form never occurs there,
as tagger.SeenInTraining counts them): the share of those tokens and of those word types the lexicon holds, and
how often the gold XPOS is in the lexicon's set, for each source alone, all sources, all but one, and the three
lookups (exact form, lowercase, exact then lowercase). Writes benchmarks/results/lexicon.json and .md; with
--output also the full lexicon file (derived data: it is not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from pathlib import Path

from corpora import read_conllu  # noqa: E402
from corpora.lexicon import DEFAULT_SOURCES, LEXICON_TAGS, LexiconTable, build_lexicon, write_lexicon  # noqa: E402
from tagger.lexicon import Lexicon  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def lexicon_of(tables: dict[str, LexiconTable], names, lookup: str) -> Lexicon:
    bits = {tag: 1 << index for index, tag in enumerate(LEXICON_TAGS)}
    masks: dict[str, int] = {}
    for name in names:
        for word, tags in tables[name].words.items():
            masks[word] = masks.get(word, 0) | sum(bits[tag] for tag in tags)
    return Lexicon(LEXICON_TAGS, masks, lookup)


def measure(lexicon: Lexicon, tokens: list[tuple[str, str]]) -> dict:
    held = gold_in = set_sizes = 0
    missed: Counter = Counter()
    types: set[str] = set()
    held_types: set[str] = set()
    for word, tag in tokens:
        types.add(word)
        tags = lexicon.tag_set(word)
        if tags:
            held += 1
            held_types.add(word)
            gold_in += tag in tags
            set_sizes += len(tags)
            if tag not in tags:
                missed[tag] += 1
    n = len(tokens)
    return {"tokens": n, "held": held, "token_coverage": held / n if n else 0.0,
            "gold_in_set_of_held": gold_in / held if held else 0.0, "gold_in_set_of_all": gold_in / n if n else 0.0,
            "types": len(types), "type_coverage": len(held_types) / len(types) if types else 0.0,
            "mean_set_size_of_held": set_sizes / held if held else 0.0,
            "gold_tags_missed": dict(missed.most_common(8))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", help="also write the full lexicon file here")
    args = parser.parse_args()
    root = Path(os.environ.get("POSTAG_DATA_DIR", Path(__file__).resolve().parent.parent.parent / "shared" / "data"))
    folder = root / "ud_english_ewt"
    train = read_conllu(folder / "en_ewt-ud-train.conllu", "xpos")
    seen = {word.lower() for sentence in train for word in sentence.words}
    splits = {}
    for split in ("dev", "test"):
        sentences = read_conllu(folder / f"en_ewt-ud-{split}.conllu", "xpos")
        pairs = [(w, t) for s in sentences for w, t in zip(s.words, s.tags)]
        splits[split] = {"all": pairs, "unseen": [(w, t) for w, t in pairs if w.lower() not in seen]}
    started = time.perf_counter()
    tables = {name: build_lexicon([name], ewt_train=folder / "en_ewt-ud-train.conllu") for name in DEFAULT_SOURCES}
    build_seconds = time.perf_counter() - started
    available = [name for name in DEFAULT_SOURCES if tables[name].sources]
    combos = {f"{name} alone": [name] for name in available}
    combos["all"] = available
    combos.update({f"all but {name}": [n for n in available if n != name] for name in available})
    results: dict = {"sources": {name: tables[name].sources[0] for name in available}, "build_seconds": build_seconds,
                     "lookups": {}, "sources_lowercase": {}}
    for lookup in ("exact", "lowercase", "fallback"):
        lexicon = lexicon_of(tables, available, lookup)
        results["lookups"][lookup] = {split: {kind: measure(lexicon, pairs[kind]) for kind in ("unseen", "all")}
                                      for split, pairs in splits.items()}
    for label, names in combos.items():
        lexicon = lexicon_of(tables, names, "lowercase")
        results["sources_lowercase"][label] = {split: measure(lexicon, pairs["unseen"])
                                              for split, pairs in splits.items()}
    full = lexicon_of(tables, available, "lowercase")
    results["forms"] = len(full)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "lexicon.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = ["# Word-tag lexicon on the EWT words a tagger trained on EWT train has not seen", "",
             "`POSTAG_DATA_DIR=../shared/data NLTK_DATA=../shared/nltk_data python -m benchmarks.lexicon`", "",
             f"Sources available: {', '.join(available)}; {len(full):,} word forms; built in {build_seconds:.1f} s.",
             "", "## Lookup (all sources)", "",
             "| lookup | split | unseen tokens | held | gold XPOS in set (of held) | of all unseen | unseen types held "
             "| mean set size (held) | all tokens held | gold in set (all tokens) | gold tags missed most (unseen) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for lookup, by_split in results["lookups"].items():
        for split, r in by_split.items():
            u, a = r["unseen"], r["all"]
            lines.append(f"| {lookup} | {split} | {u['tokens']:,} | {u['token_coverage']:.1%} | "
                         f"{u['gold_in_set_of_held']:.1%} | {u['gold_in_set_of_all']:.1%} | {u['type_coverage']:.1%} | "
                         f"{u['mean_set_size_of_held']:.2f} | {a['token_coverage']:.1%} | "
                         f"{a['gold_in_set_of_held']:.1%} | "
                         + ", ".join(f"{t} {n}" for t, n in list(u["gold_tags_missed"].items())[:5]) + " |")
    lines += ["", "## Sources (lowercase lookup), unseen words", "",
              "| sources | split | held (tokens) | held (types) | gold XPOS in set (of held) | of all unseen |",
              "|---|---|---|---|---|---|"]
    for label, by_split in results["sources_lowercase"].items():
        for split, r in by_split.items():
            lines.append(f"| {label} | {split} | {r['token_coverage']:.1%} | {r['type_coverage']:.1%} | "
                         f"{r['gold_in_set_of_held']:.1%} | {r['gold_in_set_of_all']:.1%} |")
    lines += ["", "## What each source added (all sources, in this order)", "",
              "| source | licence | entries read | forms | forms no earlier source had |", "|---|---|---|---|---|"]
    order = build_lexicon(available, ewt_train=folder / "en_ewt-ud-train.conllu")
    for source in order.sources:
        lines.append(f"| {source['name']} | {source['licence']} | {source['entries_read']:,} | {source['forms']:,} | "
                     f"{source['new_forms']:,} |")
    (RESULTS / "lexicon.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if args.output:
        write_lexicon(order, args.output)
        print(f"wrote {args.output} ({Path(args.output).stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
