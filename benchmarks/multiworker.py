"""One process against N local workers (MultiWorkerMirroredStrategy on 127.0.0.1), same global batch.

    python -m benchmarks.multiworker [--corpus ud:en_ewt] [--arch rnn] [--epochs 2] [--workers 1,1mw,2]

Each setting is a `postag train` command of its own, run to the end (`--set patience=0`, so every run has the
same epochs): workers 1 is plain single-process training (Keras' fit); workers N adds `--local-workers N`, and
`1mw` is `--local-workers 1`: the multi-worker step with nobody to talk to, which separates its own cost from
that of the all-reduce.
Reports seconds per epoch (from metrics.json's history), the command's wall time (start-up, TensorFlow's
tracing, dev and test scoring and saving included), dev and test accuracy. Writes
benchmarks/results/multiworker.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, save_results


def run(corpus: str, arch: str, epochs: int, workers: str, folder: Path, more: list[str]) -> dict:
    output = folder / f"workers-{workers}"
    command = [sys.executable, str(ROOT / "cli.py"), "train", "--corpus", corpus, "--arch", arch, "--epochs",
               str(epochs), "--set", "patience=0", "--output", str(output), "--json", *more]
    if workers != "1":
        command += ["--local-workers", workers.removesuffix("mw")]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - started
    metrics = json.loads((output / "metrics.json").read_text())
    seconds = [record["seconds"] for record in metrics["history"]]
    return {"workers": workers, "wall_seconds": round(wall, 1), "epoch_seconds": [round(s, 1) for s in seconds],
            "train_seconds": metrics["train_seconds"], "dev_accuracy": metrics["dev"]["accuracy"],
            "test_accuracy": metrics["test"]["accuracy"], "losses": [r["train_loss"] for r in metrics["history"]],
            "distributed": metrics.get("distributed"), "load_average_after": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="ud:en_ewt")
    parser.add_argument("--arch", default="rnn")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--workers", default="1,1mw,2", help="comma-separated worker counts (1mw: --local-workers 1)")
    parser.add_argument("--set", action="append", default=[], help="more KEY=VALUE settings for every run")
    parser.add_argument("--name", default="multiworker")
    args = parser.parse_args()
    more = [item for setting in args.set for item in ("--set", setting)]
    with tempfile.TemporaryDirectory(prefix="postag-multiworker-") as scratch:
        runs = []
        for workers in args.workers.split(","):
            runs.append(run(args.corpus, args.arch, args.epochs, workers, Path(scratch), more))
            print(json.dumps(runs[-1]), flush=True)
    command = "python -m benchmarks.multiworker " + " ".join(sys.argv[1:])
    report = {"command": command, "corpus": args.corpus, "architecture": args.arch, "epochs": args.epochs,
              "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, no GPU", "runs": runs}
    lines = [f"Command: `{command}`", "",
             f"{args.arch} on {args.corpus}, {args.epochs} epochs, global batch 64 sentences (the default) in every "
             f"run. Machine: {report['machine']}, shared with other work (1-minute load average after each run in "
             "the last column). *workers 1*: one process, Keras' fit; *1mw*: `--local-workers 1`, the multi-worker "
             "step alone; *N*: `--local-workers N`, MultiWorkerMirroredStrategy on 127.0.0.1, each worker with "
             "cores/N TensorFlow threads.", "",
             "| workers | seconds per epoch | wall seconds | dev accuracy | test accuracy | sentences encoded per "
             "worker | load |", "|---:|---|---:|---:|---:|---|---:|"]
    for r in runs:
        encoded = ", ".join(f"{n:,}" for n in r["distributed"]["sentences_encoded"]) if r["distributed"] else "all"
        lines.append(f"| {r['workers']} | {' / '.join(f'{s:.0f}' for s in r['epoch_seconds'])} | "
                     f"{r['wall_seconds']:.0f} | {r['dev_accuracy']:.2%} | {r['test_accuracy']:.2%} | {encoded} | "
                     f"{r['load_average_after']:.1f} |")
    save_results(args.name, report, "\n".join(lines))


if __name__ == "__main__":
    main()
