"""Word embeddings: skip-gram training speed on Brown, and what pretrained vectors add to an EWT tagger.

    POSTAG_DATA_DIR=/work/shared/data NLTK_DATA=/work/shared/nltk_data python -m benchmarks.embeddings \
        --part speed [--repeat 3]
    POSTAG_DATA_DIR=/work/shared/data NLTK_DATA=/work/shared/nltk_data python -m benchmarks.embeddings \
        --part ewt [--vector-epochs 5] [--min-count 5] [--extend-vocab 100000] [--set KEY=VALUE ...] \
        [--freeze-embeddings] [--quick] [--work /tmp/postag-embeddings]

speed: `postag embeddings train nltk:brown:all` as the CLI runs it (pipelines.pretraining.embeddings.train_embeddings),
100 dimensions, window 5, 5 negatives, 1 epoch, --repeat times. Words/s = tokens the skip-gram trains on (the
corpus tokens of words kept by --min-count 5) / seconds from the first batch to the last update, XLA
compilation included. Also reported: CPU seconds of the process over the same span (a figure other work on a
shared machine does not inflate) and the load average before each run. Then vectors trained with the CLI's
default 5 epochs, and `embeddings similar` for frequent nouns, to see whether the vectors mean anything.

ewt: vectors from `postag embeddings train nltk:brown:all ud:en_ewt` (Brown's words and EWT's train split;
EWT dev/test never touch them), then two `rnn` taggers on ud:en_ewt UPOS with the same settings and seed:
without pretrained vectors, and with `--embeddings VECTORS --extend-vocab N` (the vectors' most frequent words
that EWT train lacks get an id, so unseen test words have a vector). Reports test accuracy and unseen-word
accuracy of each and the difference. `--quick` trains each tagger 1 epoch and the vectors 1 epoch: a check
that the benchmark runs, not a result.

Each part updates its own entry of benchmarks/results/embeddings.json and rewrites embeddings.md (both
atomically). Models and vectors go to --work, outside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

from benchmarks.common import ROOT
from common.files import write_atomically  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
NOUNS = ("man", "house", "city", "money", "water", "church", "school", "car", "government", "year")
TARGET_WORDS_PER_SECOND = 100_000


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def machine() -> dict:
    import tensorflow as tf

    return {"cpus": os.cpu_count(), "python": platform.python_version(), "tensorflow": tf.__version__,
            "platform": platform.platform()}


def run_record(result) -> dict:
    return {
        "train_seconds": round(result.train_seconds, 2),
        "cpu_seconds": round(result.cpu_seconds, 2),
        "first_chunk_seconds": round(result.first_step_seconds, 2),
        "words_per_second": round(result.words_per_second),
        "read_seconds": round(result.read_seconds, 2),
        "pairs": result.pairs,
        "loss_start": round(result.losses[0], 4),
        "loss_last_epoch": round(result.epoch_losses[-1], 4),
    }


def speed_part(work: Path, repeat: int, epochs: int, neighbour_epochs: int) -> dict:
    from pipelines.pretraining.embeddings import nearest_neighbours, train_embeddings

    runs = []
    for attempt in range(repeat):
        load = load_average()
        result = train_embeddings(["nltk:brown:all"], work / "brown-speed.txt", dim=100, window=5, epochs=epochs,
                                  min_count=5)
        runs.append({"load_average_before": load, **run_record(result)})
        print(f"run {attempt + 1}/{repeat}: {runs[-1]}", flush=True)
    # One epoch of a million words leaves vectors half-formed; the neighbours are read after the CLI default.
    vectors = work / f"brown-{neighbour_epochs}epochs.txt"
    load = load_average()
    result = train_embeddings(["nltk:brown:all"], vectors, dim=100, window=5, epochs=neighbour_epochs, min_count=5)
    neighbour_run = {"load_average_before": load, **run_record(result)}
    neighbours = {}
    for noun in NOUNS:
        found = nearest_neighbours(vectors, noun, 10)
        neighbours[noun] = [[word, round(cosine, 3)] for word, cosine in found.neighbours]
    rates = [run["words_per_second"] for run in runs]
    return {
        "command": f"postag embeddings train nltk:brown:all --output brown.txt --dim 100 --window 5 "
                   f"--epochs {epochs} --min-count 5",
        "corpus_tokens": result.corpus_tokens,
        "training_tokens": result.training_tokens,
        "vocabulary": result.vocabulary,
        "epochs": epochs,
        "runs": runs,
        "words_per_second_best": max(rates),
        "words_per_second_median": round(statistics.median(rates)),
        "target_words_per_second": TARGET_WORDS_PER_SECOND,
        "target_met_best": max(rates) >= TARGET_WORDS_PER_SECOND,
        "neighbours_command": f"postag embeddings train nltk:brown:all --output {vectors.name} --epochs "
                              f"{neighbour_epochs}; postag embeddings similar {vectors.name} WORD -k 10",
        "neighbours_run": neighbour_run,
        "neighbours": neighbours,
    }


def ewt_part(work: Path, vector_epochs: int, min_count: int, extend: int, settings: dict[str, str],
             quick: bool, freeze: bool) -> dict:
    from corpora import load_named_corpus
    from pipelines.pretraining.embeddings import prepare_word_inputs, train_embeddings
    from pipelines.training.tagger import train
    from tagger import TaggerConfig

    vectors = work / "brown-ewt-vectors.txt"
    started = time.perf_counter()
    embeddings = train_embeddings(["nltk:brown:all", "ud:en_ewt"], vectors, dim=100, window=5,
                                  epochs=1 if quick else vector_epochs, min_count=min_count)
    vector_seconds = time.perf_counter() - started
    corpus = load_named_corpus("ud:en_ewt", "upos")
    config = TaggerConfig(architecture="rnn").with_settings(settings)
    if quick:
        config = config.replace(epochs=1)
    variants = {}
    for name in ("without vectors", "with vectors"):
        vocabs = word_vectors = None
        metadata, report = {}, None
        run_config = config
        if name == "with vectors":
            prepared = prepare_word_inputs(corpus, config, vectors_path=vectors, extend=extend, freeze=freeze,
                                           explicit=set(settings))
            run_config, vocabs, word_vectors = prepared.config, prepared.vocabs, prepared.word_vectors
            metadata, report = prepared.metadata, prepared.embeddings
        load = load_average()
        started = time.perf_counter()
        result = train(corpus, run_config, output=work / name.replace(" ", "-"), vocabs=vocabs,
                       word_vectors=word_vectors, metadata=metadata)
        variants[name] = {
            "test_accuracy": result.test.accuracy,
            "test_unseen_accuracy": result.test.oov_accuracy,
            "test_unseen_tokens": result.test.oov_tokens,
            "test_tokens": result.test.tokens,
            "dev_accuracy": result.dev.accuracy,
            "best_epoch": result.best_epoch,
            "stopped_because": result.stopped_because,
            "seconds": round(time.perf_counter() - started, 1),
            "load_average_before": load,
            "vocabulary": len(result.tagger.vocabs.words),
            "embeddings": report,
        }
        print(f"{name}: {variants[name]}", flush=True)
    base, pretrained = variants["without vectors"], variants["with vectors"]
    return {
        "commands": [
            f"postag embeddings train nltk:brown:all ud:en_ewt --output {vectors.name} --dim 100 --window 5 "
            f"--epochs {1 if quick else vector_epochs} --min-count {min_count}",
            "postag train --corpus ud:en_ewt --tagset upos --arch rnn --output without-vectors"
            + "".join(f" --set {k}={v}" for k, v in settings.items()) + (" --epochs 1" if quick else ""),
            f"postag train --corpus ud:en_ewt --tagset upos --arch rnn --output with-vectors --embeddings "
            f"{vectors.name} --extend-vocab {extend}" + (" --freeze-embeddings" if freeze else "")
            + "".join(f" --set {k}={v}" for k, v in settings.items())
            + (" --epochs 1" if quick else ""),
        ],
        "quick": quick,
        "vectors": {"sources": embeddings.sources, "words": embeddings.vocabulary, "tokens": embeddings.corpus_tokens,
                    "epochs": embeddings.epochs, "min_count": min_count, "seconds": round(vector_seconds, 1),
                    "words_per_second": round(embeddings.words_per_second)},
        "extend_vocab": extend,
        "settings": settings,
        "variants": variants,
        "difference": {
            "test_accuracy": pretrained["test_accuracy"] - base["test_accuracy"],
            "test_unseen_accuracy": (pretrained["test_unseen_accuracy"] - base["test_unseen_accuracy"]
                                     if pretrained["test_unseen_accuracy"] is not None
                                     and base["test_unseen_accuracy"] is not None else None),
        },
    }


def markdown(report: dict) -> str:
    lines = ["# Word embeddings benchmark", ""]
    info = report.get("machine", {})
    lines += [f"Machine: {info.get('cpus')} CPUs, Python {info.get('python')}, TensorFlow {info.get('tensorflow')}.",
              ""]
    speed = report.get("speed")
    if speed:
        lines += [
            "## Skip-gram training speed on Brown", "",
            f"`{speed['command']}` ({speed['corpus_tokens']:,} corpus tokens, {speed['training_tokens']:,} of words "
            f"kept by min count 5, {speed['vocabulary']:,} words, {speed['epochs']} epoch). Words/s = training "
            f"tokens / training seconds (XLA compilation included).", "",
            "| run | load average before | seconds | CPU seconds | first chunk (compile) s | words/s |",
            "|---|---|---|---|---|---|",
        ]
        for index, run in enumerate(speed["runs"], start=1):
            lines.append(f"| {index} | {run['load_average_before']} | {run['train_seconds']} | {run['cpu_seconds']} | "
                         f"{run['first_chunk_seconds']} | {run['words_per_second']:,} |")
        verdict = "met" if speed["target_met_best"] else "NOT met"
        lines += ["", f"Best {speed['words_per_second_best']:,} words/s, median {speed['words_per_second_median']:,}; "
                      f"target {speed['target_words_per_second']:,} words/s: {verdict} (best run).", "",
                  f"Nearest neighbours (cosine) after {speed['neighbours_run']['words_per_second']:,} words/s x "
                  f"{speed['neighbours_run']['train_seconds']} s of training: `{speed['neighbours_command']}`",
                  "", "| word | neighbours |", "|---|---|"]
        for noun, neighbours in speed["neighbours"].items():
            lines.append(f"| {noun} | {', '.join(f'{w} {c:.2f}' for w, c in neighbours)} |")
        lines.append("")
    ewt = report.get("ewt")
    if ewt:
        lines += ["## UD English EWT (UPOS, rnn): with and without pretrained vectors", ""]
        if ewt["quick"]:
            lines += ["**Quick run (1 epoch each): checks that the benchmark runs; not a result.**", ""]
        lines += ["Commands:", ""] + [f"    {command}" for command in ewt["commands"]] + [""]
        vectors = ewt["vectors"]
        lines += [f"Vectors: {', '.join(vectors['sources'])}: {vectors['tokens']:,} tokens, {vectors['words']:,} "
                  f"words, {vectors['epochs']} epochs, min count {vectors['min_count']}, {vectors['seconds']} s.", "",
                  "| tagger | test accuracy | unseen-word accuracy (tokens) | dev accuracy | best epoch | seconds |",
                  "|---|---|---|---|---|---|"]
        for name, scores in ewt["variants"].items():
            unseen = scores["test_unseen_accuracy"]
            lines.append(f"| {name} | {scores['test_accuracy']:.2%} | "
                         f"{'—' if unseen is None else f'{unseen:.2%}'} ({scores['test_unseen_tokens']:,}) | "
                         f"{scores['dev_accuracy']:.2%} | {scores['best_epoch']} | {scores['seconds']} |")
        difference = ewt["difference"]
        unseen = difference["test_unseen_accuracy"]
        lines += ["", f"Difference (with − without): test accuracy {difference['test_accuracy'] * 100:+.2f} points, "
                      f"unseen-word accuracy {'—' if unseen is None else f'{unseen * 100:+.2f}'} points.", ""]
        coverage = ewt["variants"]["with vectors"]["embeddings"]
        if coverage:
            lines += [f"Coverage: {coverage['covered']:,} of {coverage['vocabulary']:,} training vocabulary words "
                      f"({coverage['coverage']:.2%}), {coverage['token_coverage']:.2%} of training tokens; "
                      f"{coverage['extended']:,} words added from the vectors (--extend-vocab "
                      f"{ewt['extend_vocab']}).", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("speed", "ewt", "all"), default="speed")
    parser.add_argument("--repeat", type=int, default=3, help="speed: training runs (best and median reported)")
    parser.add_argument("--epochs", type=int, default=1, help="speed: skip-gram epochs per run")
    parser.add_argument("--neighbour-epochs", type=int, default=5, help="speed: epochs of the vectors whose "
                        "neighbours are shown")
    parser.add_argument("--vector-epochs", type=int, default=5, help="ewt: skip-gram epochs for the vectors")
    parser.add_argument("--min-count", type=int, default=5, help="ewt: vectors for words seen this often")
    parser.add_argument("--extend-vocab", type=int, default=100_000, help="ewt: words added from the vectors")
    parser.add_argument("--set", dest="settings", action="append", default=[], help="ewt: tagger KEY=VALUE")
    parser.add_argument("--quick", action="store_true", help="ewt: 1 epoch each, to check the script runs")
    parser.add_argument("--freeze-embeddings", action="store_true", help="ewt: keep the vectors fixed in the "
                        "tagger trained with them")
    parser.add_argument("--work", type=Path, default=Path("/tmp/postag-embeddings"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    settings = dict(item.split("=", 1) for item in args.settings)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "embeddings.json"
    report = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    report["machine"] = machine()
    if args.part in ("speed", "all"):
        report["speed"] = speed_part(args.work, args.repeat, args.epochs, args.neighbour_epochs)
    if args.part in ("ewt", "all"):
        report["ewt"] = ewt_part(args.work, args.vector_epochs, args.min_count, args.extend_vocab, settings,
                                 args.quick, args.freeze_embeddings)
    write_atomically(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_atomically(RESULTS / "embeddings.md", markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
