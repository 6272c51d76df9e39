"""Benchmark of `postag compare` on UD English EWT (UPOS): the issue's target run, end to end.

    POSTAG_DATA_DIR=/work/shared/data NLTK_DATA=/work/shared/nltk_data python -m benchmarks.compare_ewt \
        [--output /tmp/postag-compare-ewt] [--seeds 1] [--epochs N] [--set KEY=VALUE ...] [--resume]

Runs `postag compare --corpus ud:en_ewt --tagset upos --arch fcn --arch window --arch rnn` with default settings
in a fresh process (so TensorFlow's import and every worker process count), timed from start to exit. The
output folder is emptied first unless --resume is given (a resumed run reuses models, so its time says nothing).

Checks the targets: finished in 30 minutes or less, and test accuracy ordered fcn < window < rnn with McNemar
p-values. Writes compare_ewt.json, compare_ewt.md and compare_ewt.png under benchmarks/results/ (atomically);
the models stay in --output, outside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import ROOT
from common.files import write_atomically  # noqa: E402

TARGET_SECONDS = 30 * 60
ARCHITECTURES = ("fcn", "window", "rnn")


def run_comparison(output: Path, seeds: str | None, epochs: int | None, settings: list[str]) -> dict:
    command = [sys.executable, "-c", "from cli import app; app()", "compare", "--corpus", "ud:en_ewt",
               "--tagset", "upos"]
    for arch in ARCHITECTURES:
        command += ["--arch", arch]
    if seeds:
        command += ["--seeds", seeds]
    if epochs:
        command += ["--epochs", str(epochs)]
    for setting in settings:
        command += ["--set", setting]
    command += ["--output", str(output)]
    environment = dict(os.environ)
    environment.setdefault("POSTAG_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    environment.setdefault("NLTK_DATA", str(ROOT.parent / "shared" / "nltk_data"))
    environment.setdefault("COLUMNS", "160")  # one wide table in the captured output
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=None,
                               text=True, check=False)
    wall = time.perf_counter() - started
    shown = "postag " + " ".join(command[3:])
    return {"command": shown, "exit_code": completed.returncode, "wall_seconds": round(wall, 1),
            "stdout": completed.stdout}


def check_targets(report: dict, wall_seconds: float) -> dict:
    rows = {row["name"]: row for row in report["rows"]}
    accuracy = {name: rows[name]["test_accuracy"]["mean"] for name in ARCHITECTURES if name in rows}
    ordered = all(name in accuracy for name in ARCHITECTURES) and \
        accuracy["fcn"] < accuracy["window"] < accuracy["rnn"]
    return {
        "default_settings": not report["command"] or " --set " not in report["command"]
        and " --epochs " not in report["command"],
        "within_30_minutes": wall_seconds <= TARGET_SECONDS,
        "wall_seconds": wall_seconds,
        "ordering_fcn_lt_window_lt_rnn": ordered,
        "test_accuracy": accuracy,
        "best": report["best"],
        "mcnemar_p_vs_best": {entry["row"]: entry["p_value"] for entry in report["significance"]},
        "holm_p_vs_best": {entry["row"]: entry["holm_p_value"] for entry in report["significance"]},
        "reused_runs": sum(1 for run in report["runs"] if run["reused"]),
    }


def markdown(run: dict, targets: dict, report_markdown: str) -> str:
    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    accuracy = ", ".join(f"{name} {value:.2%}" for name, value in targets["test_accuracy"].items())
    p_values = ", ".join(f"{name} {value:.2g}" for name, value in targets["mcnemar_p_vs_best"].items())
    lines = [
        "# Benchmark: `postag compare` on UD English EWT (UPOS)",
        "",
        f"`{run['command']}`: exit code {run['exit_code']}, {run['wall_seconds'] / 60:.1f} min wall "
        f"(fresh process: TensorFlow import, data loading, every worker process included; "
        f"{targets['reused_runs']} runs reused).",
        "",
        f"- Finishes in 30 min or less: {verdict(targets['within_30_minutes'])} ({run['wall_seconds'] / 60:.1f} min"
        f"{', default settings' if targets['default_settings'] else ', NOT default settings: see the command'}).",
        f"- Test accuracy ordered fcn < window < rnn: {verdict(targets['ordering_fcn_lt_window_lt_rnn'])} "
        f"({accuracy}).",
        f"- McNemar p against the best ({targets['best']}): {p_values}.",
        "",
        "The report as `postag compare` wrote it follows.",
        "",
    ]
    body = report_markdown.replace("](learning_curves.png)", "](compare_ewt.png)")
    body = body.replace("# Tagger comparison:", "## Tagger comparison:", 1)
    return "\n".join(lines) + "\n" + body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("/tmp/postag-compare-ewt"),
                        help="comparison folder (models, logs); outside the repository")
    parser.add_argument("--seeds", default=None, help="e.g. 1,2,3 (default: the command's default, one seed)")
    parser.add_argument("--epochs", type=int, default=None, help="default: the command's default")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                        help="passed on to postag compare, e.g. max_seconds=480 (default: none, default settings)")
    parser.add_argument("--resume", action="store_true", help="keep the output folder and reuse its models")
    parser.add_argument("--results-dir", type=Path, default=ROOT / "benchmarks" / "results")
    arguments = parser.parse_args()

    if arguments.output.exists() and not arguments.resume:
        shutil.rmtree(arguments.output)
    run = run_comparison(arguments.output, arguments.seeds, arguments.epochs, arguments.settings)
    print(run["stdout"], end="")
    if run["exit_code"] != 0:
        sys.exit(f"postag compare failed with exit code {run['exit_code']} after {run['wall_seconds']} s")
    report = json.loads((arguments.output / "report.json").read_text(encoding="utf-8"))
    targets = check_targets(report, run["wall_seconds"])
    report.pop("per_token_correct", None)  # 25,094 characters per run; the output folder keeps them
    results = {"benchmark": "compare_ewt", "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
               "command": run["command"], "exit_code": run["exit_code"], "wall_seconds": run["wall_seconds"],
               "output": str(arguments.output), "targets": targets, "report": report}
    arguments.results_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(arguments.results_dir / "compare_ewt.json", json.dumps(results, indent=1) + "\n")
    write_atomically(arguments.results_dir / "compare_ewt.png", (arguments.output / "learning_curves.png").read_bytes())
    report_markdown = (arguments.output / "report.md").read_text(encoding="utf-8")
    write_atomically(arguments.results_dir / "compare_ewt.md", markdown(run, targets, report_markdown))
    print(f"within 30 min: {targets['within_30_minutes']} ({run['wall_seconds'] / 60:.1f} min); "
          f"fcn < window < rnn: {targets['ordering_fcn_lt_window_lt_rnn']}; "
          f"wrote {arguments.results_dir / 'compare_ewt.json'}, .md and .png")


if __name__ == "__main__":
    main()
