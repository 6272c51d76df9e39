"""Speed of the rule tokenizer on UD English EWT's raw text: NLTK's Punkt + Treebank against corpora.tokenize.

    python -m benchmarks.rule_tokenizer [--passes 3] [--splits train dev test]

The text is the `# text` lines of the chosen EWT files, joined into their paragraphs (`# newpar`, `# newdoc`)
with a blank line between paragraphs: raw text as a user would give it. Both tokenizers run in the same
process, passes alternating so both see the same machine, and the fastest pass of each is kept:
- nltk: corpora.tokenize.tokenize_with_nltk, the implementation before (NLTK's PunktSentenceTokenizer and
  TreebankWordTokenizer, on the same pieces);
- rules, fresh: corpora.tokenize with its caches cleared before each pass, as a process meets new text;
- rules, warm: the same with its caches kept from the pass before (a long stream of similar text).
It also checks that both give the same sentences, words and offsets. EWT is found in $POSTAG_DATA_DIR (or
../shared/data). Writes benchmarks/results/rule_tokenizer.json and .md (atomically).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from pathlib import Path

from benchmarks.common import ROOT, save_results


def ewt_raw_text(path: Path) -> str:
    """A treebank file's `# text` lines, joined into its paragraphs."""
    paragraphs, sentences = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(("# newpar", "# newdoc")) and sentences:
            paragraphs.append(" ".join(sentences))
            sentences = []
        elif line.startswith("# text = "):
            sentences.append(line[len("# text = ") :])
    return "\n\n".join([*paragraphs, " ".join(sentences)]) + "\n"


def find_ewt() -> Path:
    for root in (os.environ.get("POSTAG_DATA_DIR"), ROOT.parent / "shared" / "data"):
        if root and (Path(root) / "ud_english_ewt" / "en_ewt-ud-train.conllu").is_file():
            return Path(root) / "ud_english_ewt"
    sys.exit("UD English EWT not found: set POSTAG_DATA_DIR to a folder holding ud_english_ewt/")


def measure(text: str, passes: int) -> dict:
    # corpora/__init__ exports the function `tokenize`, which hides the module of the same name.
    rules = importlib.import_module("corpora.tokenize")
    rules.tokenize("Warm up the regular expressions.")
    rules.tokenize_with_nltk("Warm up NLTK's imports.")
    runs = {
        "nltk": (rules.tokenize_with_nltk, None),
        "rules_fresh": (rules.tokenize, rules.clear_caches),
        "rules_warm": (rules.tokenize, None),
    }
    best = {name: float("inf") for name in runs}
    best_cpu = {name: float("inf") for name in runs}
    outputs = {}
    for _ in range(passes):
        for name, (tokenize, before) in runs.items():
            if before:
                before()
            started, cpu = time.perf_counter(), time.process_time()
            outputs[name] = tokenize(text)
            best[name] = min(best[name], time.perf_counter() - started)
            best_cpu[name] = min(best_cpu[name], time.process_time() - cpu)
    sentences = outputs["nltk"]
    tokens = sum(len(s) for s in sentences)
    return {
        "characters": len(text), "sentences": len(sentences), "tokens": tokens,
        "identical": outputs["rules_fresh"] == sentences and outputs["rules_warm"] == sentences,
        **{f"{name}_seconds": round(best[name], 3) for name in runs},
        **{f"{name}_cpu_seconds": round(best_cpu[name], 3) for name in runs},
        **{f"{name}_tokens_per_second": round(tokens / best[name]) for name in runs},
        **{f"{name}_tokens_per_cpu_second": round(tokens / best_cpu[name]) for name in runs},
        "speedup_fresh": round(best["nltk"] / best["rules_fresh"], 1),
        "speedup_warm": round(best["nltk"] / best["rules_warm"], 1),
    }


def markdown(report: dict) -> str:
    r = report["result"]
    rows = [("NLTK Punkt + Treebank (before)", "nltk", "1.0"),
            ("rules, caches cleared each pass", "rules_fresh", r["speedup_fresh"]),
            ("rules, caches kept", "rules_warm", r["speedup_warm"])]
    lines = [
        "# Rule tokenizer speed",
        "",
        f"{report['machine']}; load average at start {report['load_average']}. UD English EWT "
        f"{'/'.join(report['splits'])} raw text: {r['characters']:,} characters in paragraphs, {r['sentences']:,} "
        f"sentences, {r['tokens']:,} tokens. Fastest of {report['passes']} passes each, alternating, in one "
        f"process; wall-clock (CPU in brackets: the machine is shared). Same sentences, words and offsets: "
        f"{'yes' if r['identical'] else '**no**'}.",
        "",
        "| tokenizer | seconds | tokens/s | tokens per CPU second | speed-up |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, name, speedup in rows:
        lines.append(f"| {label} | {r[name + '_seconds']} ({r[name + '_cpu_seconds']} CPU) | "
                     f"{r[name + '_tokens_per_second']:,} | {r[name + '_tokens_per_cpu_second']:,} | {speedup}x |")
    lines += ["", f"Command: `{report['command']}`", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--splits", nargs="+", default=["train", "dev", "test"], choices=("train", "dev", "test"))
    args = parser.parse_args()
    folder = find_ewt()
    text = "".join(ewt_raw_text(folder / f"en_ewt-ud-{split}.conllu") for split in args.splits)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    result = measure(text, args.passes)
    report = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
                   f"{platform.python_version()}",
        "load_average": round(load, 2) if load is not None else None,
        "passes": args.passes, "splits": args.splits,
        "command": "python -m benchmarks.rule_tokenizer"
                   + (f" --passes {args.passes}" if args.passes != 3 else "")
                   + (f" --splits {' '.join(args.splits)}" if args.splits != ["train", "dev", "test"] else ""),
        "result": result,
    }
    save_results("rule_tokenizer", report, markdown(report))


if __name__ == "__main__":
    main()
