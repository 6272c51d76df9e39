"""Benchmark of the MNIST sanity check: the default command end to end, and the three gradient-descent modes.

    python -m benchmarks.mnist_sanity [--data-dir DIR] [--epochs 10] [--output-dir benchmarks/results]

1. `postag sanity mnist --data-dir DIR` with default settings, as a user runs it (a fresh process, so the
   TensorFlow import counts): wall time, exit code, last line.
2. batch, stochastic and mini-batch gradient descent in this process, for the same examples seen: accuracy,
   training time, updates and the per-epoch history. The mini-batch row uses the default settings.

Writes mnist_sanity.json and mnist_sanity.md under the output folder (atomically).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from benchmarks.common import ROOT
from common.files import write_atomically  # noqa: E402


def default_data_dir() -> Path:
    configured = os.environ.get("POSTAG_DATA_DIR")
    return (Path(configured) if configured else ROOT.parent / "shared" / "data") / "mnist"


def run_default_command(data_dir: Path) -> dict:
    """The default health check in a fresh process, timed from start to exit."""
    command = [sys.executable, "-c", "from cli import app; app()", "sanity", "mnist", "--data-dir", str(data_dir)]
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    return {"command": f"postag sanity mnist --data-dir {data_dir}", "exit_code": completed.returncode,
            "wall_seconds": round(wall, 2), "last_line": lines[-1] if lines else "",
            "stderr_tail": completed.stderr.strip().splitlines()[-3:] if completed.returncode else []}


def markdown(report: dict) -> str:
    default = report["default_command"]
    lines = [
        "# MNIST sanity check",
        "",
        f"{report['framework']} on {report['device']}; {report['machine']}.",
        f"Data: {report['split']}.",
        "",
        "## Default command (fresh process, TensorFlow import included)",
        "",
        f"`{default['command']}`: exit code {default['exit_code']}, {default['wall_seconds']:.1f} s wall.",
        "",
        f"> {default['last_line']}",
        "",
        f"## Gradient-descent modes, {report['examples_seen']:,} examples seen each",
        "",
        "| mode | examples per update | updates | learning rate | test accuracy | training + test seconds |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for mode in report["modes"]:
        lines.append(f"| {mode['mode']} | {mode['batch_size']:,} | {mode['updates']:,} | {mode['learning_rate']:g} | "
                     f"{mode['accuracy']:.2%} | {mode['seconds']:.1f} |")
    lines += ["", "Training loss by epoch:", "", "| epoch | " + " | ".join(m["mode"] for m in report["modes"]) + " |",
              "|---:|" + "---:|" * len(report["modes"])]
    for index in range(len(report["modes"][0]["history"])):
        losses = [f"{mode['history'][index]['loss']:.4f}" for mode in report["modes"]]
        lines.append(f"| {index + 1} | " + " | ".join(losses) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--epochs", type=int, default=None, help="default: the command's default (10)")
    parser.add_argument("--output-dir", type=Path, default=ROOT / "benchmarks" / "results")
    arguments = parser.parse_args()

    default = run_default_command(arguments.data_dir)
    print(f"default command: exit {default['exit_code']}, {default['wall_seconds']} s: {default['last_line']}",
          flush=True)

    from pipelines.sanity import mnist as mnist_sanity

    epochs = arguments.epochs or mnist_sanity.DEFAULT_EPOCHS

    def show(event) -> None:
        if event.loss is not None:
            print(f"  {event.mode} epoch {event.epoch}/{event.epochs} loss {event.loss:.4f}", flush=True)

    results = mnist_sanity.compare_modes(arguments.data_dir, epochs=epochs, progress=show)
    report = {
        "benchmark": "mnist_sanity",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "framework": mnist_sanity.framework_versions(),
        "device": results[0].device,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}",
        "data_dir": str(arguments.data_dir),
        "split": results[0].split,
        "examples_seen": results[0].examples_seen,
        "default_command": default,
        "modes": [{**asdict(result), "history": [asdict(epoch) for epoch in result.history]} for result in results],
    }
    arguments.output_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(arguments.output_dir / "mnist_sanity.json", json.dumps(report, indent=2) + "\n")
    write_atomically(arguments.output_dir / "mnist_sanity.md", markdown(report))
    for result in results:
        print(f"{result.mode:>10}: accuracy {result.accuracy:.2%}, {result.seconds:.1f} s, {result.updates:,} updates")
    print(f"wrote {arguments.output_dir / 'mnist_sanity.json'} and .md")


if __name__ == "__main__":
    main()
