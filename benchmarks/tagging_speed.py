"""Tagging speed of a saved model on a corpus split, with the default batching and with fixed batches.

    python -m benchmarks.tagging_speed MODEL_DIR [--corpus ud:en_ewt] [--split test] [--processes 3]

Each measurement runs in a fresh process (this VM's speed varies between processes more than within one),
takes the fastest of --passes timed `tag_sents` passes after a warm-up pass, and alternates the two batchings
so both see the same machine. Writes benchmarks/results/tagging_speed.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import save_results

# Before padding-capped batches, tag_sents used batches of 256 sentences and at most 256 x 64 positions.
FIXED = {"batch_size": 256, "max_tokens": 256 * 64, "max_padding": None}


def measure(model: str, corpus_name: str, split: str, passes: int) -> dict:
    """One process's fastest pass for each batching, in tokens per second."""
    from corpora.registry import load_named_corpus
    from tagger import Tagger

    tagger = Tagger.load(model)
    sentences = [list(s.words) for s in getattr(load_named_corpus(corpus_name), split)]
    tokens = sum(map(len, sentences))
    batchings = {"default": {}, "fixed": FIXED}
    best = {name: float("inf") for name in batchings}
    for round_number in range(passes + 1):  # round 0 warms both up and is not counted
        for name, options in batchings.items():
            started = time.perf_counter()
            tagger.tag_sents(sentences, **options)
            if round_number:
                best[name] = min(best[name], time.perf_counter() - started)
    return {"tokens": tokens, **{f"{k}_tokens_per_second": round(tokens / v) for k, v in best.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--corpus", default="ud:en_ewt")
    parser.add_argument("--split", default="test", choices=("train", "dev", "test"))
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.model, args.corpus, args.split, args.passes)))
        return
    runs = []
    for _ in range(args.processes):
        output = subprocess.run([sys.executable, __file__, args.model, "--corpus", args.corpus, "--split",
                                 args.split, "--passes", str(args.passes), "--child"],
                                check=True, capture_output=True, text=True, env=os.environ).stdout
        runs.append(json.loads(output.strip().splitlines()[-1]))
        print(runs[-1], flush=True)
    command = "python -m benchmarks.tagging_speed " + " ".join(sys.argv[1:])
    config = json.loads((Path(args.model) / "config.json").read_text())
    report = {"command": command, "model": args.model, "architecture": config["tagger"]["architecture"],
              "corpus": args.corpus, "split": args.split, "machine": f"{platform.machine()}, {os.cpu_count()} CPU "
              "cores", "load_average": os.getloadavg()[0], "runs": runs}
    lines = [f"Command: `{command}`", "",
             f"Model: {report['architecture']} ({args.model}); {args.corpus} {args.split}, {runs[0]['tokens']:,} "
             f"tokens. Machine: {report['machine']}; 1-minute load average at the end {report['load_average']:.1f}.",
             "", "Each row is a fresh process, fastest of the timed passes. *default*: `tag_sents` as shipped "
             "(≤ 1,024 sentences, ≤ 8,192 positions, ≤ 10% padding); *fixed*: batches of 256 sentences, the "
             "batching before.", "", "| process | default tokens/s | fixed-256 tokens/s |", "|---|---:|---:|"]
    lines += [f"| {i} | {r['default_tokens_per_second']:,} | {r['fixed_tokens_per_second']:,} |"
              for i, r in enumerate(runs, start=1)]
    save_results("tagging_speed", report, "\n".join(lines))


if __name__ == "__main__":
    main()
