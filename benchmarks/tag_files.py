"""`postag tag` end to end on large raw-text files: wall time, tokens/s and peak memory, 1 and 2 workers.

    python -m benchmarks.tag_files [--model en_ewt] [--sizes 2,20,200] [--workers 1,2] [--tokenizer auto]

The text is UD English EWT's sentences (`# text` lines of train, dev and test) one a line, in paragraphs of
five, repeated until the file has the size asked (in MB). Each run is a fresh `postag tag FILE --output OUT
--quiet` process: start-up, reading, tokenizing, tagging and writing included. Tokens are counted from the
output. Peak memory is the largest resident set of the process and of its workers (getrusage of children).
Writes benchmarks/results/tag_files.json and .md.
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


def ewt_sentences() -> list[str]:
    from corpora import data_dir

    folder = data_dir() / "ud_english_ewt"
    sentences = []
    for split in ("train", "dev", "test"):
        for line in (folder / f"en_ewt-ud-{split}.conllu").read_text(encoding="utf-8").splitlines():
            if line.startswith("# text = "):
                sentences.append(line[len("# text = "):])
    return sentences


def write_text(path: Path, megabytes: float, sentences: list[str]) -> int:
    """A file of about `megabytes` MB: EWT's sentences one a line, a blank line after every fifth."""
    block = "".join(sentence + ("\n\n" if i % 5 == 4 else "\n") for i, sentence in enumerate(sentences))
    data = block.encode("utf-8")
    target = int(megabytes * 1_000_000)
    with open(path, "wb") as file:
        written = 0
        while written < target:
            piece = data[: target - written]
            file.write(piece)
            written += len(piece)
    return written


def tag_once(text: Path, output: Path, model: str, workers: int, tokenizer: str) -> dict:
    postag = Path(sys.executable).with_name("postag")
    command = [str(postag)] if postag.exists() else [sys.executable, "-c", "import cli; cli.app()"]
    arguments = [*command, "tag", str(text), "--model", model, "--output", str(output), "--quiet",
                 "--workers", str(workers), "--tokenizer", tokenizer, "--format", "tsv"]
    started = time.perf_counter()
    process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    err = process.stderr.read()
    # wait4: this run's own usage; its peak RSS is the largest of the process and the workers it waited for.
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status:
        raise SystemExit(f"{' '.join(arguments)} failed:\n{err.decode()[-2000:]}")
    tokens = 0
    with open(output, "rb") as file:
        for line in file:
            tokens += line != b"\n"
    return {"seconds": round(seconds, 2), "tokens": tokens, "tokens_per_second": round(tokens / seconds),
            "peak_rss_bytes": usage.ru_maxrss * 1024, "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2)}


def markdown(report: dict) -> str:
    lines = ["# `postag tag` end to end on large raw-text files", "",
             f"Model `{report['model']}`, tokenizer `{report['tokenizer']}`; {report['machine']}; command: "
             f"`{report['command']}`. Load average {report['load_before']} before, {report['load_after']} after.",
             "", "| file | workers | seconds | tokens | tokens/s | peak RSS | CPU seconds |",
             "|---|---|---|---|---|---|---|"]
    for run in report["runs"]:
        lines.append(f"| {run['megabytes']:g} MB | {run['workers']} | {run['seconds']:,.1f} | {run['tokens']:,} | "
                     f"{run['tokens_per_second']:,} | {run['peak_rss_bytes'] / 1e6:,.0f} MB | "
                     f"{run['cpu_seconds']:,.1f} |")
    lines += ["", "Peak RSS: the largest resident set of the run's process and of the workers it started "
              "(wait4); CPU seconds: theirs together.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="en_ewt")
    parser.add_argument("--sizes", default="2,20,200", help="file sizes in MB, comma-separated")
    parser.add_argument("--workers", default="1,2", help="worker counts to run each size with")
    parser.add_argument("--tokenizer", default="auto", choices=("auto", "model", "rules"))
    parser.add_argument("--name", default="tag_files")
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    workers = [int(w) for w in args.workers.split(",")]
    report = {"model": args.model, "tokenizer": args.tokenizer, "machine": f"{os.cpu_count()} cores, "
              f"{platform.machine()}", "command": "python -m benchmarks.tag_files " + " ".join(sys.argv[1:]),
              "load_before": round(os.getloadavg()[0], 2), "runs": []}
    sentences = ewt_sentences()
    with tempfile.TemporaryDirectory(prefix="postag-tag-files-") as folder:
        for megabytes in sorted(sizes):
            text = Path(folder) / f"ewt-{megabytes:g}MB.txt"
            size = write_text(text, megabytes, sentences)
            for count in workers:
                run = tag_once(text, Path(folder) / "out.tsv", args.model, count, args.tokenizer)
                report["runs"].append({"megabytes": megabytes, "bytes": size, "workers": count, **run})
                print(json.dumps(report["runs"][-1]), flush=True)
            text.unlink()
    report["load_after"] = round(os.getloadavg()[0], 2)
    save_results(args.name, report, markdown(report))


if __name__ == "__main__":
    main()
