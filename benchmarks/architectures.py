"""Accuracy, training time, tagging speed and peak memory of each architecture on one corpus.

    python -m benchmarks.architectures                               # fcn, window, rnn on UD EWT UPOS
    python -m benchmarks.architectures --arch rnn --tagset xpos --name architectures-xpos

Each architecture trains in its own child process, so its peak resident memory (VmHWM) is its own.
Writes benchmarks/results/<name>.json and <name>.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import save_results


def peak_rss_kb() -> int:
    """This process's own high-water mark of resident memory (VmHWM; ru_maxrss can include the parent's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_one(corpus_name: str, tagset: str, arch: str, settings: list[str], output: Path) -> dict:
    """Train, evaluate and time one architecture in this process; returns its row."""
    import corpora
    from pipelines.training.tagger import train
    from tagger import TaggerConfig

    corpus = corpora.load_named_corpus(corpus_name, tagset)
    config = TaggerConfig(architecture=arch).with_settings(dict(s.split("=", 1) for s in settings))
    result = train(corpus, config, output=output)
    words = [s.words for s in corpus.test]
    result.tagger.tag_sents(words[:200])  # warm-up: trace the inference function once
    timings = []
    for _ in range(3):  # the fastest of three passes: the least disturbed by other processes
        started = time.perf_counter()
        result.tagger.tag_sents(words)
        timings.append(time.perf_counter() - started)
    tag_seconds = min(timings)
    tokens = corpora.count_tokens(corpus.test)
    return {
        "architecture": arch,
        "corpus": corpus_name,
        "tagset": tagset,
        "settings": settings,
        "test_accuracy": result.test.accuracy,
        "test_oov_accuracy": result.test.oov_accuracy,
        "dev_accuracy": result.dev.accuracy,
        "train_seconds": round(result.train_seconds, 1),
        "epochs_run": len(result.history),
        "best_epoch": result.best_epoch,
        "stopped_because": result.stopped_because,
        "parameters": result.parameters,
        "tag_tokens_per_second": round(tokens / tag_seconds),
        "peak_rss_mb": round(peak_rss_kb() / 1024),
        "load_average_at_end": os.getloadavg()[0],
        "history": [vars(r) for r in result.history],
    }


def markdown(rows: list[dict], command: str) -> str:
    lines = [
        f"Command: `{command}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, no GPU; Python {platform.python_version()}.",
        "",
        "| architecture | tagset | test accuracy | unseen-word accuracy | dev accuracy | training s | epochs (best) "
        "| tagging tokens/s | peak RSS MB | parameters |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    loads = ", ".join(f"{r['architecture']} {r.get('load_average_at_end', float('nan')):.1f}" for r in rows)
    lines.insert(3, f"1-minute load average when each run ended (2 cores; above 2, other work shared the CPU, "
                    f"so seconds and tokens/s are pessimistic): {loads}.")
    lines.insert(4, "")
    for r in rows:
        oov = "—" if r["test_oov_accuracy"] is None else f"{r['test_oov_accuracy']:.2%}"
        lines.append(
            f"| {r['architecture']} | {r['tagset']} | {r['test_accuracy']:.2%} | {oov} | {r['dev_accuracy']:.2%} | "
            f"{r['train_seconds']:.0f} | {r['epochs_run']} ({r['best_epoch']}) | {r['tag_tokens_per_second']:,} | "
            f"{r['peak_rss_mb']:,} | {r['parameters']:,} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="ud:en_ewt")
    parser.add_argument("--tagset", default="upos")
    parser.add_argument("--arch", action="append", help="repeatable; default fcn, window, rnn")
    parser.add_argument("--set", action="append", default=[], dest="settings", help="TaggerConfig KEY=VALUE")
    parser.add_argument("--name", default="architectures")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # internal: train one architecture, print JSON
    args = parser.parse_args(argv)

    if args.worker:
        with tempfile.TemporaryDirectory() as folder:
            row = run_one(args.corpus, args.tagset, args.worker, args.settings, Path(folder) / "model")
        print("RESULT " + json.dumps(row))
        return

    rows = []
    for arch in args.arch or ["fcn", "window", "rnn"]:
        command = [sys.executable, __file__, "--worker", arch, "--corpus", args.corpus, "--tagset", args.tagset]
        for setting in args.settings:
            command += ["--set", setting]
        print(f"training {arch} ...", file=sys.stderr, flush=True)
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        result_lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
        if completed.returncode != 0 or not result_lines:
            sys.exit(f"{arch} failed:\n{completed.stderr[-3000:]}")
        row = json.loads(result_lines[-1][len("RESULT "):])
        rows.append(row)
        print(f"{arch}: test {row['test_accuracy']:.2%}, {row['train_seconds']:.0f} s, "
              f"{row['tag_tokens_per_second']:,} tokens/s", file=sys.stderr, flush=True)

    command = "python -m benchmarks.architectures " + " ".join(argv if argv is not None else sys.argv[1:])
    save_results(args.name, {"command": command, "rows": rows}, markdown(rows, command.strip()))


if __name__ == "__main__":
    main()
