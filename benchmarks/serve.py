"""`postag serve` under load, beside tagging in-process and one `postag tag` process per file, in the same run.

    python -m benchmarks.serve [--seconds 10] [--files 100]

Texts: UD English EWT test's raw text, cut at sentence ends into texts of about 1 KB. For 1, 8 and 32
concurrent clients (threads of this process, each on its own keep-alive connection to 127.0.0.1), each
sending texts for a fixed time: requests/s, tokens/s, p50/p99 latency, errors; the server's memory (resident
set, its worker processes included) after loading, after a warm-up, and at the end. Once with the server's
batching, once with `--no-batching` (each request tagged alone in a thread), once with `--workers 2` (two
processes, one a core). References in the same run: the shipped model in this process
(`tagger.load("en_ewt").tag_text(text)`, one text a call, then all of them in one call), and the old way for
small files: `postag tag FILE` as one process per file, against the same files sent to the server one after
another. Load averages are recorded around each part: the machine is shared.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .common import ROOT, data_dir, save_results

CONCURRENCY = (1, 8, 32)
TEXT_CHARS = 1000  # paragraphs are joined until a text holds at least this many characters


def ewt_texts() -> list[str]:
    """EWT test's raw text cut at sentence ends into texts of at least TEXT_CHARS characters (a paragraph or a
    few), in the treebank's order."""
    from corpora import read_ud_text

    document = read_ud_text(data_dir() / "ud_english_ewt" / "en_ewt-ud-test.conllu")
    texts, start = [], None
    for sentence in document.sentences:
        if not sentence.spans:
            continue
        first, last = sentence.spans[0][0], sentence.spans[-1][1]
        start = first if start is None else start
        if last - start >= TEXT_CHARS:
            texts.append(document.text[start:last])
            start = None
    return texts


def load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (uvicorn's workers are its children)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        for line in Path(f"/proc/{current}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        for task in Path(f"/proc/{current}/task").iterdir():
            pending += [int(child) for child in (task / "children").read_text().split()]
    return round(total / 1024, 1)


# ---- the server ---------------------------------------------------------------------------------------------

class Server:
    """`postag serve` on a free port of 127.0.0.1, stopped (SIGTERM) on the way out."""

    def __init__(self, *options: str):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "cli.py"), "serve", "--port", str(self.port), "--no-access-log", *options],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start: " + self.process.stderr.read()[-2000:]) from None
                time.sleep(0.1)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()

    def memory(self) -> float:
        return rss_mb(self.process.pid)

    def post(self, connection: http.client.HTTPConnection, text: str) -> bytes:
        connection.request("POST", "/v1/tag", body=json.dumps({"text": text}).encode(),
                           headers={"Content-Type": "application/json"})
        answer = connection.getresponse()
        body = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"status {answer.status}: {body[:200]!r}")
        return body


def word_counts(server: Server, texts: list[str]) -> list[int]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    counts = [sum(len(s["words"]) for s in json.loads(server.post(connection, text))["sentences"]) for text in texts]
    connection.close()
    return counts


def clients(server: Server, texts: list[str], counts: list[int], concurrency: int, seconds: float) -> dict:
    """`concurrency` threads, each on its own connection, sending texts round-robin for `seconds`."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    tokens = [0] * concurrency
    errors = [0] * concurrency
    start = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        position = index * 7
        start.wait()
        while time.perf_counter() < deadline[0]:
            text_index = position % len(texts)
            position += 1
            began = time.perf_counter()
            try:
                body = server.post(connection, texts[text_index])
                if not body.endswith(b"]}"):
                    raise RuntimeError("an incomplete answer")
            except (OSError, RuntimeError, http.client.HTTPException):
                errors[index] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
                continue
            latencies[index].append(time.perf_counter() - began)
            tokens[index] += counts[text_index]
        connection.close()

    threads = [threading.Thread(target=client, args=(index,)) for index in range(concurrency)]
    for thread in threads:
        thread.start()
    before = load()
    deadline[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    every = sorted(latency for latencies_of_one in latencies for latency in latencies_of_one)
    return {
        "clients": concurrency, "seconds": round(elapsed, 2), "requests": len(every), "errors": sum(errors),
        "requests_per_second": round(len(every) / elapsed, 1), "tokens_per_second": round(sum(tokens) / elapsed),
        "p50_ms": round(1000 * statistics.median(every), 1) if every else None,
        "p99_ms": round(1000 * every[min(len(every) - 1, int(0.99 * len(every)))], 1) if every else None,
        "load_before": before, "load_after": load(),
    }


SERVERS = (("batching", "batching", ()), ("no_batching", "each request alone", ("--no-batching",)),
           ("workers_2", "batching, --workers 2", ("--workers", "2")))


def serve_runs(texts: list[str], seconds: float, options: tuple[str, ...], small_files: list[str], model) -> dict:
    with Server(*options) as server:
        at_start = server.memory()
        counts = word_counts(server, texts)
        clients(server, texts, counts, max(CONCURRENCY), min(5.0, seconds))  # warm-up: every text seen, caches
        # filled, as many threads busy as the runs will keep busy
        after_warm_up = server.memory()
        runs = []
        for concurrency in CONCURRENCY:  # each beside the in-process reference measured just before it
            reference = reference_speed(model, texts, seconds / 2)
            run = clients(server, texts, counts, concurrency, seconds)
            run["in_process_tokens_per_second"] = reference
            run["ratio"] = round(run["tokens_per_second"] / reference, 3)
            runs.append(run)
        result = {"options": list(options), "memory_mb": {"start": at_start, "after_warm_up": after_warm_up},
                  "runs": runs}
        if small_files:  # the same small files, sent one after another, each on a new connection
            began = time.perf_counter()
            for path in small_files:
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
                server.post(connection, Path(path).read_text(encoding="utf-8"))
                connection.close()
            result["small_files_seconds"] = round(time.perf_counter() - began, 2)
        result["memory_mb"]["end"] = server.memory()
    result["memory_mb"]["end_over_warm_up"] = round(result["memory_mb"]["end"] / result["memory_mb"]["after_warm_up"],
                                                    3)
    result["tokens_per_text"] = round(sum(counts) / len(counts), 1)
    return result


# ---- the references -----------------------------------------------------------------------------------------

def reference_speed(model, texts: list[str], seconds: float) -> int:
    """Tokens/s of `model.tag_text(text)` in this process, one text a call, for `seconds`."""
    tokens, position = 0, 0
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        tokens += sum(len(sentence) for sentence in model.tag_text(texts[position % len(texts)]))
        position += 1
    return round(tokens / (time.perf_counter() - began))


def in_process(model, texts: list[str], seconds: float) -> dict:
    for text in texts[:20]:
        model.tag_text(text)  # warm-up
    before = load()
    one_a_call = reference_speed(model, texts, seconds)
    joined = "\n\n".join(texts)
    began = time.perf_counter()
    all_tokens = sum(len(sentence) for sentence in model.tag_text(joined))
    all_at_once = all_tokens / (time.perf_counter() - began)
    return {"one_text_a_call_tokens_per_second": one_a_call,
            "all_texts_in_one_call_tokens_per_second": round(all_at_once), "load_before": before,
            "load_after": load()}


def processes_per_file(files: list[str]) -> dict:
    before = load()
    began = time.perf_counter()
    for path in files:
        subprocess.run([sys.executable, str(ROOT / "cli.py"), "tag", path], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return {"seconds": round(time.perf_counter() - began, 2), "load_before": before, "load_after": load()}


# ---- the report ---------------------------------------------------------------------------------------------

def markdown(report: dict) -> str:
    reference = report["in_process"]["one_text_a_call_tokens_per_second"]
    lines = [
        f"`python -m benchmarks.serve --seconds {report['seconds']:g} --files {report['files']}`: "
        f"{report['texts']} EWT test texts of {report['mean_chars']:.0f} characters on average "
        f"({report['batching']['tokens_per_text']:.0f} tokens), {os.cpu_count()} cores, load average "
        f"{report['load_start']} at the start and {report['load_end']} at the end.",
        "",
        f"In this process at the start, the shipped model's `tag_text`: {reference:,} tokens/s one text a call, "
        f"{report['in_process']['all_texts_in_one_call_tokens_per_second']:,} tokens/s for all texts in one call.",
        "",
        "Each run beside the same in-process tagging measured just before it (the machine's load moves):",
        "",
        "| server | clients | requests/s | tokens/s | in-process just before | × in-process | p50 ms | p99 ms | "
        "errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label, _ in SERVERS:
        for run in report[key]["runs"]:
            lines.append(f"| {label} | {run['clients']} | {run['requests_per_second']:,} | "
                         f"{run['tokens_per_second']:,} | {run['in_process_tokens_per_second']:,} | "
                         f"{run['ratio']:.2f} | {run['p50_ms']} | {run['p99_ms']} | {run['errors']} |")
    lines += ["", "| server | memory at start | after warm-up | at the end | end / warm-up |",
              "|---|---:|---:|---:|---:|"]
    for key, label, _ in SERVERS:
        memory = report[key]["memory_mb"]
        lines.append(f"| {label} | {memory['start']} MB | {memory['after_warm_up']} MB | {memory['end']} MB | "
                     f"{memory['end_over_warm_up']:.3f} |")
    small = report["small_files"]
    lines += ["", f"{report['files']} small files (one text each): one `postag tag FILE` process per file "
              f"{small['processes_seconds']:.1f} s; the same files sent to the server one after another "
              f"{small['server_seconds']:.2f} s: **{small['speedup']:.0f}× faster**."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="Time each number of clients sends for.")
    parser.add_argument("--files", type=int, default=100, help="Small files for the process-per-file reference.")
    args = parser.parse_args(argv)
    texts = ewt_texts()
    report = {"seconds": args.seconds, "files": args.files, "texts": len(texts),
              "mean_chars": statistics.mean(map(len, texts)), "load_start": load()}
    import tagger

    model = tagger.load("en_ewt")
    report["in_process"] = in_process(model, texts, args.seconds)
    with tempfile.TemporaryDirectory(prefix="postag-serve-bench-") as folder:
        files = []
        for index, text in enumerate(texts[: args.files]):
            path = Path(folder) / f"text{index:03d}.txt"
            path.write_text(text + "\n", encoding="utf-8")
            files.append(str(path))
        for key, _, options in SERVERS:  # the small files through the first (the default server)
            report[key] = serve_runs(texts, args.seconds, options, files if key == "batching" else [], model)
        processes = processes_per_file(files)
    report["small_files"] = {"processes_seconds": processes["seconds"],
                             "server_seconds": report["batching"]["small_files_seconds"],
                             "speedup": round(processes["seconds"] / report["batching"]["small_files_seconds"], 1),
                             "processes_load": [processes["load_before"], processes["load_after"]]}
    report["load_end"] = load()
    save_results("serve", report, markdown(report))
    return report


if __name__ == "__main__":
    main()
