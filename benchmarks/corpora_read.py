"""Reading and encoding the named corpora: seconds and peak memory, one fresh process per corpus.

    python -m benchmarks.corpora_read [--corpus nltk:brown:universal ...] [--repeat 1]

Each measurement runs in its own Python process (so peak RSS is that corpus's alone) and reports:
- import: seconds to import corpora and NLTK (NLTK alone takes over a second; paid once per process);
- read: seconds for corpora.load_named_corpus (NLTK's readers or the CoNLL-U reader, tag mapping, split);
- encode: seconds to turn every split into integer ids (word and tag dictionaries built on train, unknown
  words -> 1) stored as flat int32 numpy arrays with sentence offsets, the shape a tagger feeds on;
- peak RSS (resource.getrusage ru_maxrss) and the growth over the RSS after imports, per corpus token.
Corpora that are not present locally are skipped (POSTAG_DATA_DIR, NLTK_DATA). Writes
benchmarks/results/corpora_read.json and .md (atomically).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

from benchmarks.common import ROOT, save_results

DEFAULT_RUNS = [
    ("ud:en_ewt", "upos"),
    ("nltk:treebank", "native"),
    ("nltk:treebank", "universal"),
    ("nltk:conll2000", "universal"),
    ("nltk:brown", "native"),
    ("nltk:brown", "universal"),
]


def rss_megabytes() -> float:
    import resource

    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / (1024 * 1024)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def current_rss_megabytes() -> float:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return rss_megabytes()


def encode(corpus):
    """Flat int32 ids per split with offsets; word/tag ids from train (0 padding, 1 unknown)."""
    import numpy as np

    words = {"<pad>": 0, "<unk>": 1}
    tags = {"<pad>": 0}
    for sentence in corpus.train:
        for word in sentence.words:
            words.setdefault(word, len(words))
        for tag in sentence.tags:
            tags.setdefault(tag, len(tags))
    encoded = {}
    for split in ("train", "dev", "test"):
        sentences = corpus.split(split)
        word_ids = np.fromiter((words.get(w, 1) for s in sentences for w in s.words), dtype=np.int32)
        tag_ids = np.fromiter((tags.get(t, 0) for s in sentences for t in s.tags), dtype=np.int32)
        offsets = np.cumsum([0] + [len(s) for s in sentences], dtype=np.int64)
        encoded[split] = (word_ids, tag_ids, offsets)
    return encoded, len(words), len(tags)


def measure_one(name: str, tagset: str) -> dict:
    """Runs inside the child process."""
    start = time.perf_counter()
    import numpy  # noqa: F401  (imported before the baseline, as the tagger would)

    import corpora

    if name.startswith("nltk:"):
        import nltk  # noqa: F401  (imported here so that `read` measures reading, not the import)
    import_seconds = time.perf_counter() - start
    baseline = current_rss_megabytes()
    cpu = time.process_time()
    start = time.perf_counter()
    corpus = corpora.load_named_corpus(name, tagset, fetch=False)
    read_seconds = time.perf_counter() - start
    start = time.perf_counter()
    encoded, word_types, tag_types = encode(corpus)
    encode_seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu
    tokens = sum(corpora.count_tokens(corpus.split(s)) for s in ("train", "dev", "test"))
    after = current_rss_megabytes()
    return {
        "corpus": name, "tagset": corpus.tagset,
        "sentences": {s: len(corpus.split(s)) for s in ("train", "dev", "test")},
        "tokens": tokens, "word_types_in_train": word_types - 2, "tags": tag_types - 1,
        "import_seconds": round(import_seconds, 2), "read_seconds": round(read_seconds, 2),
        "encode_seconds": round(encode_seconds, 2),
        "read_and_encode_seconds": round(read_seconds + encode_seconds, 2),
        "read_and_encode_cpu_seconds": round(cpu_seconds, 2),
        "rss_after_imports_mb": round(baseline, 1), "rss_with_corpus_mb": round(after, 1),
        "peak_rss_mb": round(rss_megabytes(), 1),
        "corpus_bytes_per_token": round((after - baseline) * 2**20 / tokens, 1) if tokens else None,
    }


def present(name: str) -> bool:
    import corpora

    return corpora.corpus_entry(name).present


def run_child(name: str, tagset: str) -> dict:
    result = subprocess.run([sys.executable, __file__, "--child", name, tagset], capture_output=True, text=True,
                            cwd=ROOT, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"{name} ({tagset}) failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def markdown(report: dict) -> str:
    lines = [
        "# Reading and encoding named corpora",
        "",
        f"{report['machine']}; load average at start {report['load_average']}; one fresh process per row; "
        f"best of {report['repeat']} run(s). `read+encode` is wall-clock (CPU in brackets); the machine is "
        "shared, so wall-clock is above CPU time when other jobs run.",
        "",
        "| corpus | tagset | sentences (train/dev/test) | tokens | import s | read s | encode s | read+encode s "
        "| peak RSS MB | RSS after imports MB | bytes/token |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["results"]:
        sentences = "/".join(f"{row['sentences'][s]:,}" for s in ("train", "dev", "test"))
        lines.append(
            f"| {row['corpus']} | {row['tagset']} | {sentences} | {row['tokens']:,} | {row['import_seconds']} | "
            f"{row['read_seconds']} | {row['encode_seconds']} | {row['read_and_encode_seconds']} "
            f"({row['read_and_encode_cpu_seconds']} CPU) | {row['peak_rss_mb']} | {row['rss_after_imports_mb']} | "
            f"{row['corpus_bytes_per_token']} |"
        )
    if report["skipped"]:
        lines += ["", f"Skipped (not present locally): {', '.join(report['skipped'])}."]
    lines += ["", f"Command: `{report['command']}`", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append", help="NAME:TAGSET, e.g. nltk:brown:universal (repeatable)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per corpus; the fastest is kept")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_one(*args.child)))
        return
    runs = [tuple(item.rsplit(":", 1)) for item in args.corpus] if args.corpus else DEFAULT_RUNS
    results, skipped = [], []
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    for name, tagset in runs:
        if not present(name):
            skipped.append(name)
            continue
        best = min((run_child(name, tagset) for _ in range(args.repeat)), key=lambda r: r["read_and_encode_seconds"])
        results.append(best)
        print(f"{name} ({best['tagset']}): read {best['read_seconds']} s, encode {best['encode_seconds']} s, "
              f"peak RSS {best['peak_rss_mb']} MB", file=sys.stderr)
    report = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
                   f"{platform.python_version()}",
        "load_average": round(load, 2) if load is not None else None,
        "repeat": args.repeat,
        "command": "python -m benchmarks.corpora_read" + "".join(f" --corpus {c}" for c in args.corpus or [])
                   + (f" --repeat {args.repeat}" if args.repeat != 1 else ""),
        "results": results, "skipped": sorted(set(skipped)),
    }
    save_results("corpora_read", report, markdown(report))


if __name__ == "__main__":
    main()
