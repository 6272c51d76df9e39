"""The accuracy ablation: each ingredient added to today's rnn, trained and scored by `postag compare`.

    postag embeddings train nltk:brown:all nltk:movie_reviews nltk:abc nltk:state_union nltk:webtext \\
        nltk:inaugural ud:en_ewt --output models/en-vectors.txt     # the vectors variant reads this file
    python -m benchmarks.ablation --configs benchmarks/ablation_ewt.json --seeds 1 --output /tmp/ablation \\
                                  --name ablation_ewt_screen [--corpus ud:en_ewt] [--tagset upos]

Runs `postag compare` with the variants of --configs (one of them named `rnn`: today's default, the
reference), then measures every variant's tagging speed beside the reference's in one process
(benchmarks/speed_ratio.py's method). The table gives, per variant: test accuracy, accuracy on unseen
words, McNemar's p against `rnn` (the largest over seeds), training seconds, best epoch, tagging tokens/s and
its ratio to `rnn`, and the 1-minute load average when the comparison started and ended (training seconds
on this shared machine depend on it). Rerunning reuses the models that `compare` already finished. Writes
benchmarks/results/<name>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import ROOT, save_results

REFERENCE = "rnn"


def run_compare(args) -> tuple[dict, list[float], float]:
    command = [sys.executable, "-c", "import cli; cli.app()", "compare", "--corpus", args.corpus, "--tagset",
               args.tagset, "--configs", str(args.configs), "--seeds", args.seeds, "--output", str(args.output),
               "--force", *sum((["--set", s] for s in args.set), [])]
    loads = [round(os.getloadavg()[0], 2)]
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    loads.append(round(os.getloadavg()[0], 2))
    return json.loads((args.output / "report.json").read_text()), loads, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", type=Path, required=True)
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--name", default="ablation_ewt_screen")
    parser.add_argument("--corpus", default="ud:en_ewt")
    parser.add_argument("--tagset", default="upos")
    parser.add_argument("--set", action="append", default=[], help="KEY=VALUE for every variant")
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()
    report, loads, wall = run_compare(args)
    configs = json.loads(args.configs.read_text())
    rows = {row["name"]: row for row in report["rows"]}
    if REFERENCE not in rows:
        raise SystemExit(f"--configs needs a variant named {REFERENCE!r}: today's default, the reference")

    from benchmarks.common import measure_speeds

    seed = report["seeds"][0]
    neural = [name for name in configs if rows.get(name, {}).get("kind") == "neural"]
    models = {name: str(args.output / "models" / f"{name}-seed{seed}") for name in [REFERENCE] + [
        n for n in neural if n != REFERENCE]}
    speed_loads = [round(os.getloadavg()[0], 2)]
    speeds = {row["name"]: row for row in measure_speeds(models, args.corpus, "test", args.passes)["rows"]}
    speed_loads.append(round(os.getloadavg()[0], 2))
    pairwise = report["pairwise"]["p_values"]

    def stat(row, key, percent=True):
        value = row.get(key)
        if not value:
            return "—"
        scale = 100 if percent else 1
        text = f"{value['mean'] * scale:.2f}" if percent else f"{value['mean']:,.0f}"
        if value.get("std") is not None:
            text += f" ± {value['std'] * scale:.2f}" if percent else f" ± {value['std']:,.0f}"
        return text

    table = []
    for name in [REFERENCE] + [n for n in neural if n != REFERENCE]:
        row, speed = rows[name], speeds[name]
        p = pairwise.get(name, {}).get(REFERENCE)
        settings = {k: v for k, v in configs[name].items() if k != "architecture"}
        table.append({"name": name, "settings": settings, "test_accuracy": row["test_accuracy"],
                      "test_unseen_accuracy": row["test_unseen_accuracy"], "dev_accuracy": row["dev_accuracy"],
                      "train_seconds": row["train_seconds"], "best_epoch": row["best_epoch"],
                      "p_vs_rnn": p, "tokens_per_second": speed["tokens_per_second"], "speed_ratio": speed["ratio"],
                      "speed_flagged": speed["flagged"], "tagging_size_bytes": speed["tagging_size_bytes"],
                      "seeds": row["seeds"]})
    command = "python -m benchmarks.ablation " + " ".join(sys.argv[1:])
    result = {"command": command, "compare_command": report.get("command"), "corpus": args.corpus,
              "tagset": args.tagset, "seeds": report["seeds"], "compare_load_average": loads,
              "compare_wall_seconds": round(wall), "speed_load_average": speed_loads, "rows": table}
    lines = [f"# Ablation: {args.corpus} ({args.tagset}), seeds {', '.join(map(str, report['seeds']))}", "",
             f"Command: `{command}` (runs `postag compare --configs {args.configs} --seeds {args.seeds}`; "
             f"{wall / 60:.0f} min wall). 1-minute load average: {loads[0]:.1f} when the comparison started, "
             f"{loads[1]:.1f} when it ended ({os.cpu_count()} cores shared with other work: training seconds "
             f"are pessimistic and noisy). Tagging speed: {args.corpus} test through `tagger.load(dir).tag_sents`, "
             f"fastest of {args.passes} round-robin passes in one process (load {speed_loads[0]:.1f} → "
             f"{speed_loads[1]:.1f}); *ratio* to `rnn` measured in the same run, ⚠ below 0.8.", "",
             "| variant | settings added to rnn | test acc | unseen acc | McNemar p vs rnn | train s | best epoch "
             "| tokens/s | ratio |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for entry in table:
        settings = ", ".join(f"{k}={v}" for k, v in entry["settings"].items()) or "(today's defaults)"
        p = entry["p_vs_rnn"]
        lines.append(
            f"| {entry['name']} | {settings} | {stat(entry, 'test_accuracy')} | "
            f"{stat(entry, 'test_unseen_accuracy')} | {'—' if p is None else f'{p:.2g}'} | "
            f"{stat(entry, 'train_seconds', percent=False)} | {stat(entry, 'best_epoch', percent=False)} | "
            f"{entry['tokens_per_second']:,} | {entry['speed_ratio']:.2f}{' ⚠' if entry['speed_flagged'] else ''} |")
    save_results(args.name, result, "\n".join(lines))


if __name__ == "__main__":
    main()
