"""Tagging speed of several models beside a reference model, measured in one run: tokens/s and the ratio.

    python -m benchmarks.speed_ratio REFERENCE_DIR NAME=MODEL_DIR ... [--corpus ud:en_ewt] [--split test]
                                     [--passes 5] [--name speed_ratio]

Every model is loaded in this one process through `tagger.load(dir)` (ONNX Runtime, no TensorFlow) and
tags the split's words with `tag_sents`. The passes go round-robin over the models, so a burst of load
from other processes slows them all alike, and each model's fastest pass counts (after one warm-up pass).
The ratio is a model's tokens/s over the reference's: below 0.8 is flagged (the model costs more than 20%
of the speed). Writes benchmarks/results/<name>.json and .md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

from benchmarks.common import FLAG_BELOW, measure_speeds, save_results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reference", help="The model the others are measured against (today's rnn).")
    parser.add_argument("models", nargs="*", help="NAME=MODEL_DIR")
    parser.add_argument("--corpus", default="ud:en_ewt")
    parser.add_argument("--split", default="test", choices=("train", "dev", "test"))
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--name", default="speed_ratio")
    args = parser.parse_args()
    models = {"rnn (reference)": args.reference}
    for item in args.models:
        name, _, path = item.partition("=")
        models[name if path else Path(name).name] = path or name
    load_before = os.getloadavg()[0]
    measured = measure_speeds(models, args.corpus, args.split, args.passes)
    command = "python -m benchmarks.speed_ratio " + " ".join(sys.argv[1:])
    report = {"command": command, "corpus": args.corpus, "split": args.split, "passes": args.passes,
              "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
              "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)], **measured}
    lines = [f"Command: `{command}`", "",
             f"{args.corpus} {args.split}, {measured['tokens']:,} tokens, through `tagger.load(dir).tag_sents` "
             f"(ONNX Runtime, all cores). Machine: {report['machine']}; 1-minute load average "
             f"{report['load_average'][0]:.1f} before, {report['load_average'][1]:.1f} after. Fastest of "
             f"{args.passes} passes, round-robin over the models; *ratio*: tokens/s over the reference's; "
             f"flagged: below {FLAG_BELOW} (costs more than 20% of the speed).", "",
             "| model | tokens/s | ratio | flagged | size for tagging |", "|---|---:|---:|---|---:|"]
    lines += [f"| {r['name']} | {r['tokens_per_second']:,} | {r['ratio']:.2f} | {'yes' if r['flagged'] else ''} | "
              f"{r['tagging_size_bytes'] / 1e6:.1f} MB |" for r in measured["rows"]]
    save_results(args.name, report, "\n".join(lines))


if __name__ == "__main__":
    main()
