"""`postag tag --engine beam` (Beam's in-process runner) beside `postag tag --workers N` on the same raw text.

    python -m benchmarks.beam_tagging --model DIR [--megabytes 4] [--files 8] [--format conllu]

The input: UD English EWT's sentences (the `# text` lines of train, dev and test, a paragraph each) repeated
to --megabytes of raw text, cut into --files files. Each setting is one `postag tag` command, timed from start
to end (interpreter start, model loading and Beam's worker start-up included); CPU seconds are those of the
command and every process it started. Checks that Beam's single shard equals `postag tag`'s output. Writes
benchmarks/results/beam_tagging.json and .md.
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

from benchmarks.common import ROOT, save_results


def make_input(folder: Path, megabytes: float, files: int) -> list[Path]:
    data = Path(os.environ.get("POSTAG_DATA_DIR", ROOT.parent / "shared" / "data")) / "ud_english_ewt"
    lines = [line[len("# text = "):].rstrip("\n") for split in ("train", "dev", "test")
             for line in (data / f"en_ewt-ud-{split}.conllu").open(encoding="utf-8") if line.startswith("# text = ")]
    text = "\n\n".join(lines) + "\n\n"
    target = int(megabytes * 1_000_000)
    whole = (text * (target // len(text.encode("utf-8")) + 1)).encode("utf-8")[:target]
    whole = whole[: whole.rfind(b"\n\n") + 2]  # end on a paragraph
    size = len(whole) // files
    paths, start = [], 0
    for index in range(files):
        end = len(whole) if index == files - 1 else whole.rfind(b"\n\n", start, start + size) + 2
        path = folder / f"part-{index:02d}.txt"
        path.write_bytes(whole[start:end])
        paths.append(path)
        start = end
    return paths


def timed(command: list[str]) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
            "largest_process_mb": round(after.ru_maxrss / 1024), "load_average_after": os.getloadavg()[0]}


def conllu_tokens(path: Path) -> int:
    with path.open(encoding="utf-8") as file:
        return sum(1 for line in file if line[:1].isdigit() and "-" not in line.split("\t", 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--megabytes", type=float, default=4.0)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--format", default="conllu")
    parser.add_argument("--name", default="beam_tagging")
    args = parser.parse_args()
    cli = [sys.executable, str(ROOT / "cli.py"), "tag"]
    with tempfile.TemporaryDirectory(prefix="postag-beam-bench-") as scratch:
        folder = Path(scratch)
        (folder / "in").mkdir()
        inputs = make_input(folder / "in", args.megabytes, args.files)
        megabytes = sum(path.stat().st_size for path in inputs) / 1e6
        runs = []
        settings = [("postag tag --workers 1", ["--workers", "1"]), ("postag tag --workers 2", ["--workers", "2"]),
                    ("--engine beam (FnApiRunner, 2 worker processes)", ["--engine", "beam"])]
        outputs = {}
        for label, extra in settings:
            if "--engine" in extra:
                out = folder / "beam-out"
                command = [*cli, str(folder / "in" / "*.txt"), "--model", args.model, "--format", args.format,
                           "--output-dir", str(out), *extra]
            else:
                out = folder / f"local-{len(runs)}.{args.format}"
                command = [*cli, *map(str, inputs), "--model", args.model, "--format", args.format, "-o", str(out),
                           "--quiet", *extra]
            run = {"setting": label, **timed(command)}
            if "--engine" in extra:
                manifest = json.loads((out / "manifest.json").read_text())
                run["tokens"] = manifest["tokens"]
                run["shards"] = len(manifest["shards"])
                outputs[label] = b"".join((out / shard["file"]).read_bytes() for shard in manifest["shards"])
            else:
                run["tokens"] = conllu_tokens(out) if args.format == "conllu" else None
                outputs[label] = out.read_bytes()
            run["tokens_per_second"] = round(run["tokens"] / run["wall_seconds"]) if run["tokens"] else None
            run["tokens_per_cpu_second"] = round(run["tokens"] / run["cpu_seconds"]) if run["tokens"] else None
            runs.append(run)
            print(json.dumps(run), flush=True)
        same = len(set(outputs.values())) == 1
    command = "python -m benchmarks.beam_tagging " + " ".join(sys.argv[1:])
    report = {"command": command, "model": args.model, "megabytes": round(megabytes, 2), "files": args.files,
              "format": args.format, "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, no GPU",
              "same_output": same, "runs": runs}
    lines = [f"Command: `{command}`", "",
             f"Input: {megabytes:.1f} MB of raw text (UD English EWT's sentences, repeated) in {args.files} files; "
             f"model {args.model}; output {args.format}. Machine: {report['machine']}, shared with other work "
             "(1-minute load average after each run in the last column). Seconds are the whole command's, start-up "
             "included; CPU seconds add up every process it started. Output of all three identical: "
             f"{'yes' if same else 'NO'}.", "",
             "| setting | wall s | tokens/s | CPU s | tokens per CPU second | largest process MB | load |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['setting']} | {r['wall_seconds']:.1f} | {r['tokens_per_second']:,} | {r['cpu_seconds']:.1f} | "
              f"{r['tokens_per_cpu_second']:,} | {r['largest_process_mb']:,} | {r['load_average_after']:.1f} |"
              for r in runs]
    save_results(args.name, report, "\n".join(lines))


if __name__ == "__main__":
    main()
