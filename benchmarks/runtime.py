"""Tagging without TensorFlow: cold start of `postag tag`, in-process speed beside NLTK's perceptron, and the
runtime candidates side by side.

    python -m benchmarks.runtime [--model en_ewt] [--keras-model DIR] [--passes 3] [--starts 5]

- cold start: `postag tag one-sentence.txt` in a fresh process, --starts times: wall seconds and peak RSS;
  beside it, once, the path before the runtime (load the Keras model and tag the same sentence);
- in-process speed on UD English EWT test with gold tokens (`tag_sents`): NLTK's averaged perceptron trained
  on EWT train (the reference, measured in the same run), then each runtime candidate: the exported graph in
  float32 and in int8 (dynamic quantization of the LSTM and dense products) with 1 and 2 threads and larger
  batches, once with a fresh tagger every pass (a tagger keeps the encoder rows of spellings it has seen), and
  the Keras model (the previous path) when --keras-model names a directory with weights.
  Every candidate runs in the same rounds (round 0 warms up); the fastest pass counts; accuracy and the share
  of tags equal to the float32 graph's are reported.
Writes benchmarks/results/runtime.json and runtime.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, save_results

SENTENCE = "The old man the boats, and time flies like an arrow.\n"


def cold_starts(model: str, keras_model: str | None, starts: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        text = Path(folder) / "one-sentence.txt"
        text.write_text(SENTENCE)
        postag = Path(sys.executable).with_name("postag")
        command = [str(postag)] if postag.exists() else [sys.executable, "-c", "import cli; cli.app()"]
        runs = []
        for _ in range(starts):
            runs.append(_timed([*command, "tag", str(text), "--model", model]))
        result = {"command": f"postag tag one-sentence.txt --model {model}", "runs": runs,
                  "median_seconds": statistics.median(r["seconds"] for r in runs),
                  "fastest_seconds": min(r["seconds"] for r in runs),
                  "peak_rss_bytes": max(r["peak_rss_bytes"] for r in runs), "output": runs[0]["output"]}
        if keras_model:
            code = ("import sys; from tagger.training import KerasTagger; "
                    "print(KerasTagger.load(sys.argv[1]).tag(sys.argv[2].split()))")
            result["previous_path"] = _timed([sys.executable, "-c", code, keras_model, SENTENCE])
        return result


def _timed(arguments: list[str]) -> dict:
    started = time.perf_counter()
    process = subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    out, err = process.stdout.read(), process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status:
        raise SystemExit(f"{' '.join(arguments)} failed:\n{err.decode()[-2000:]}")
    return {"seconds": round(seconds, 3), "peak_rss_bytes": usage.ru_maxrss * 1024,
            "output": out.decode().strip()[:200]}


def speeds(model: str, keras_model: str | None, passes: int) -> dict:
    from corpora import load_named_corpus
    from pipelines.compare.baselines import PerceptronBaseline
    from tagger import Tagger
    from tagger.training.export import quantize_graph

    corpus = load_named_corpus("ud:en_ewt", "upos")
    words = [list(s.words) for s in corpus.test]
    gold = [t for s in corpus.test for t in s.tags]
    started = time.perf_counter()
    perceptron = PerceptronBaseline.train(corpus.train, seed=1)
    perceptron_training = time.perf_counter() - started

    base = Tagger.load(model)
    graph = (base.directory / "model.onnx").read_bytes()
    # A shipped model's graph is already int8: then there is no float32 graph to compare with.
    shipped_int8 = str(base.metadata.get("graph", "")).startswith("int8")
    int8 = graph if shipped_int8 else quantize_graph(graph)

    def runtime(graph_bytes, threads, positions=None, operator_threads=None):
        tagger = Tagger(base.directory, base.config, base.vocabs, base.metadata, graph_bytes, threads)
        if positions:
            tagger.batch_positions = positions
        if operator_threads:  # one batch at a time, split across threads inside each operator
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = operator_threads
            tagger.session = onnxruntime.InferenceSession(graph_bytes, options, providers=["CPUExecutionProvider"])
        return tagger

    candidates = {"NLTK averaged perceptron (reference)": perceptron}
    if not shipped_int8:
        candidates.update({
            "ONNX Runtime, float32, 2 batches side by side": runtime(graph, 2),
            "ONNX Runtime, float32, 1 batch at a time, 2 threads in each operator":
                runtime(graph, 1, operator_threads=2),
            "ONNX Runtime, float32, 1 thread": runtime(graph, 1),
        })
    candidates.update({
        "ONNX Runtime, int8, 2 batches side by side": runtime(int8, 2),
        "ONNX Runtime, int8, 1 thread": runtime(int8, 1),
        "ONNX Runtime, int8, 2 batches side by side, 2k positions a batch": runtime(int8, 2, 2048),
        "ONNX Runtime, int8, 2 batches side by side, 32k positions a batch": runtime(int8, 2, 32768),
    })
    if keras_model:
        from tagger.training import KerasTagger

        candidates["Keras model, tf.function (previous path)"] = KerasTagger.load(keras_model)
    # A tagger keeps the encoder rows of the spellings it has seen; this one starts afresh every pass, as a
    # first pass over a text does.
    cold = "ONNX Runtime, int8, 2 batches side by side, nothing kept from earlier passes"
    candidates[cold] = None
    best = {name: float("inf") for name in candidates}
    predictions = {}
    for round_number in range(passes + 1):  # round 0 warms up and is not counted
        for name, tagger in candidates.items():
            if name == cold:
                tagger = runtime(int8, 2)
            started = time.perf_counter()
            predictions[name] = tagger.tag_sents(words)
            if round_number:
                best[name] = min(best[name], time.perf_counter() - started)
    tokens = len(gold)
    reference = predictions["ONNX Runtime, int8, 1 thread" if shipped_int8 else "ONNX Runtime, float32, 1 thread"]
    flat_reference = [t for s in reference for t in s]
    perceptron_speed = tokens / best["NLTK averaged perceptron (reference)"]
    rows = []
    for name in candidates:
        flat = [t for s in predictions[name] for t in s]
        speed = tokens / best[name]
        rows.append({"candidate": name, "tokens_per_second": round(speed),
                     "vs_perceptron": round(speed / perceptron_speed, 2),
                     "accuracy": sum(p == g for p, g in zip(flat, gold)) / tokens,
                     "same_tags_as_reference": sum(p == r for p, r in zip(flat, flat_reference)) / tokens})
    return {"tokens": tokens, "sentences": len(words), "passes": passes, "rows": rows,
            "perceptron_training_seconds": round(perceptron_training, 1),
            "reference_graph": "int8 (the shipped graph)" if shipped_int8 else "float32",
            "graph_bytes": {"model": len(graph), "int8": len(int8)}}


def markdown(report: dict) -> str:
    cold = report["cold_start"]
    lines = [
        "# Tagging without TensorFlow: start-up and speed",
        "",
        f"Model `{report['model']}`; {report['machine']}; load average {report['load_before']} before, "
        f"{report['load_after']} after. Command: `{report['command']}`.",
        "",
        "## Cold start: `postag tag one-sentence.txt`",
        "",
        f"{len(cold['runs'])} fresh processes: median {cold['median_seconds']:.2f} s, fastest "
        f"{cold['fastest_seconds']:.2f} s, peak RSS {cold['peak_rss_bytes'] / 1e6:.0f} MB. Output: `{cold['output']}`",
    ]
    if "previous_path" in cold:
        previous = cold["previous_path"]
        lines.append(f"The previous path (TensorFlow, Keras model rebuilt, same sentence): "
                     f"{previous['seconds']:.2f} s, peak RSS {previous['peak_rss_bytes'] / 1e6:.0f} MB.")
    speed = report["speed"]
    lines += ["", f"## In-process tagging of EWT test, gold tokens ({speed['tokens']:,} tokens; fastest of "
                  f"{speed['passes']} passes)", "",
              f"| candidate | tokens/s | × perceptron | UPOS accuracy | same tags as {speed['reference_graph']}, "
              "1 thread |",
              "|---|---|---|---|---|"]
    for row in speed["rows"]:
        lines.append(f"| {row['candidate']} | {row['tokens_per_second']:,} | {row['vs_perceptron']:.2f} | "
                     f"{row['accuracy']:.2%} | {row['same_tags_as_reference']:.4%} |")
    lines += ["", f"Graph sizes: the model's {speed['graph_bytes']['model'] / 1e6:.1f} MB, int8 "
                  f"{speed['graph_bytes']['int8'] / 1e6:.1f} MB. A tagger keeps the encoder rows of the spellings it "
                  "has seen, so passes after the first are faster; the row 'nothing kept' is a first pass.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="en_ewt", help="a shipped model's name or a model directory")
    parser.add_argument("--keras-model", help="a model directory with weights, to time the previous (Keras) path")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--name", default="runtime")
    args = parser.parse_args()
    report = {"model": args.model, "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
              "command": "python -m benchmarks.runtime " + " ".join(sys.argv[1:]),
              "load_before": round(os.getloadavg()[0], 2)}
    report["cold_start"] = cold_starts(args.model, args.keras_model, args.starts)
    report["speed"] = speeds(args.model, args.keras_model, args.passes)
    report["load_after"] = round(os.getloadavg()[0], 2)
    save_results(args.name, report, markdown(report))


if __name__ == "__main__":
    main()
