"""How well corpora.tagsets.upos_candidates covers EWT's own UPOS from its XPOS: coverage, set sizes, misses.

    POSTAG_DATA_DIR=../shared/data python -m benchmarks.upos_candidates

Writes benchmarks/results/upos_candidates.json and .md: for UD English EWT v2.16 train, dev and test, the share of
words whose gold UPOS is in upos_candidates(FORM, XPOS), the mean set size, the share with one candidate, and
every (XPOS, UPOS) pair that falls outside with its count (train).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from corpora.tagsets import upos_candidates  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def ewt_rows(path: Path):
    """(FORM, UPOS, XPOS) of every word line (not ranges, not empty nodes)."""
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            columns = line.rstrip("\n").split("\t")
            if len(columns) == 10 and columns[0].isdigit():
                yield columns[1], columns[3], columns[4]


def measure(path: Path) -> dict:
    words = covered = single = size = 0
    outside: Counter = Counter()
    examples: dict = {}
    for form, upos, xpos in ewt_rows(path):
        candidates = upos_candidates(form, xpos)
        words += 1
        size += len(candidates)
        single += len(candidates) == 1
        if upos in candidates:
            covered += 1
        else:
            outside[(xpos, upos)] += 1
            examples.setdefault((xpos, upos), Counter())[form] += 1
    return {
        "words": words, "covered": covered, "coverage": covered / words, "mean_set_size": size / words,
        "single_candidate_share": single / words,
        "outside": [{"xpos": x, "upos": u, "count": n,
                     "forms": [f for f, _ in examples[(x, u)].most_common(5)]} for (x, u), n in outside.most_common()],
    }


def main() -> None:
    root = Path(os.environ.get("POSTAG_DATA_DIR", Path(__file__).resolve().parent.parent.parent / "shared" / "data"))
    folder = root / "ud_english_ewt"
    results = {split: measure(folder / f"en_ewt-ud-{split}.conllu") for split in ("train", "dev", "test")}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "upos_candidates.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = ["# upos_candidates(word, xpos) on UD English EWT v2.16", "",
             "`POSTAG_DATA_DIR=../shared/data python -m benchmarks.upos_candidates`", "",
             "| split | words | gold UPOS in the set | mean set size | one candidate |", "|---|---|---|---|---|"]
    for split, r in results.items():
        lines.append(f"| {split} | {r['words']:,} | {r['coverage']:.4%} ({r['covered']:,}) | {r['mean_set_size']:.3f} "
                     f"| {r['single_candidate_share']:.2%} |")
    lines += ["", "## Outside the set, train", "", "| XPOS | UPOS | words | forms |", "|---|---|---|---|"]
    for row in results["train"]["outside"]:
        lines.append(f"| {row['xpos']} | {row['upos']} | {row['count']} | {', '.join(row['forms'])} |")
    (RESULTS / "upos_candidates.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:9]))


if __name__ == "__main__":
    main()
