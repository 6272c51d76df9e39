"""One run of `postag compare`: train (or reuse) one model, tag dev and test, measure speed, size and memory.

    python -m pipelines.compare.worker '<job as JSON>'

pipelines.compare.run starts one such process per run so that each run's peak memory is its own. The worker
talks to its parent in JSON lines on standard output (pipelines.compare.records.WorkerMessage: progress
events, then one result or error); anything
else that would reach standard output, and TensorFlow's start-up messages, go to standard error, which the
parent keeps in OUTPUT/logs/<run>.log. A baseline run never imports TensorFlow.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

from corpora import Corpus, count_tokens
from pipelines.data import data_fingerprint
from pipelines.errors import PipelineError
from pipelines.training.loop import EpochRecord
from pipelines.training.tagger import train

from .baselines import PERCEPTRON, PERCEPTRON_ITERATIONS, load_baseline, save_baseline, train_baseline
from .records import CompareEvent, Job, RunResult, WorkerMessage, read_json_or_none

Notify = Callable[[CompareEvent], None]
RUN_RECORD = "compare-run.json"  # in each model directory: what the model's own files do not say
# Timed tagging passes: at least the first number, at most the second, and no more once the seconds are spent.
# The fastest pass counts: on a shared machine, the slow ones measure the neighbours.
SPEED_PASSES = (3, 5)
SPEED_SECONDS = 3.0


def run_job(job: Job, notify: Notify, corpus: Corpus | None = None, measure_memory: bool = True) -> RunResult:
    """Carry out one job of pipelines.compare.run and return its result, predictions included."""
    if corpus is None:
        corpus = job.data.load()
        if data_fingerprint(corpus) != job.data_fingerprint:
            raise PipelineError("the corpus changed while the comparison was running (its fingerprint differs); "
                                "run the comparison again")
    if job.neural:
        return run_neural(job, corpus, notify, measure_memory)
    return run_baseline(job, corpus, notify, measure_memory)


# ---- neural variants ----------------------------------------------------------------------------------

def why_not_reusable(model_dir: Path, config_json: dict, fingerprint: str, vocabs_json: dict) -> str | None:
    """None when the model directory holds this very model, finished; else why it must be (re)trained."""
    config = read_json_or_none(model_dir / "config.json")
    if config is None:
        return "no model yet"
    if _normalized(config.get("tagger")) != _normalized(config_json):
        return "its settings differ from the requested ones"
    if config.get("data_fingerprint") != fingerprint:
        return "it was trained on different data"
    metrics = read_json_or_none(model_dir / "metrics.json") or {}
    if metrics.get("complete") is not True:
        return "its training did not finish"
    if read_json_or_none(model_dir / "vocab.json") != vocabs_json:
        return "its vocabulary differs"
    return None


def _normalized(config_json) -> dict | None:
    """A config with every setting spelled out: a model saved before a setting existed has its default."""
    from tagger import ConfigError, TaggerConfig

    try:
        return TaggerConfig.from_json(config_json).to_json()
    except ConfigError:
        return None


def run_neural(job: Job, corpus: Corpus, notify: Notify, measure_memory: bool) -> RunResult:
    from tagger import ModelError, Tagger, TaggerConfig, Vocabularies

    model_dir = Path(job.model_dir)
    config = TaggerConfig.from_json(job.config)
    vocabs_json = read_json_or_none(Path(job.vocabulary))
    if vocabs_json is None:
        raise PipelineError(f"{job.vocabulary}: the comparison's vocabulary file is missing or damaged")
    vocabs = Vocabularies.from_json(vocabs_json)
    setup_rss = peak_rss_bytes() if measure_memory else None
    reason = why_not_reusable(model_dir, config.to_json(), job.data_fingerprint, vocabs_json)
    tagger = None
    if reason is None:
        try:
            tagger = Tagger.load(model_dir)
        except ModelError as error:
            reason = f"it cannot be loaded ({error})"
    if tagger is not None:
        notify(CompareEvent("reuse", message="settings, data and vocabulary match a finished model"))
        metrics = read_json_or_none(model_dir / "metrics.json")
        record = _matching_record(model_dir, job) or {}
        figures = dict(history=[EpochRecord(**epoch) for epoch in metrics["history"]],
                       best_epoch=metrics["best_epoch"], train_seconds=metrics["train_seconds"],
                       parameters=metrics["parameters"], stopped_because=metrics.get("stopped_because", ""),
                       peak=record.get("peak_rss_bytes"))
        setup_rss = record.get("setup_rss_bytes")
    else:
        notify(CompareEvent("train-start", message=reason))

        def forward(event) -> None:
            record = event.record
            notify(CompareEvent("training" if event.kind == "start" else event.kind, epoch=event.epoch,
                                epochs=event.epochs, batch=event.batch, batches=event.batches,
                                loss=record.train_loss if record else event.loss,
                                dev_accuracy=record.dev_accuracy if record else None))

        metadata = {"data_fingerprint": job.data_fingerprint,
                    "vocabulary_fingerprint": job.vocabulary_fingerprint, "comparison_run": job.run}
        result = train(corpus, config, output=model_dir, progress=forward, vocabs=vocabs, metadata=metadata)
        if result.interrupted:
            raise KeyboardInterrupt
        # Scored and timed as users tag: through the exported graph, not the Keras model.
        tagger = Tagger.load(model_dir)
        figures = dict(history=result.history, best_epoch=result.best_epoch,
                       train_seconds=round(result.train_seconds, 2), parameters=result.parameters,
                       stopped_because=result.stopped_because, peak=None)
    return _scored(job, tagger, corpus, notify, reused=reason is None, reason=reason, setup_rss=setup_rss,
                   measure_memory=measure_memory, **figures)


# ---- baselines ----------------------------------------------------------------------------------------

def run_baseline(job: Job, corpus: Corpus, notify: Notify, measure_memory: bool) -> RunResult:
    model_dir = Path(job.model_dir)
    setup_rss = peak_rss_bytes() if measure_memory else None
    record = _matching_record(model_dir, job)
    model, reason = None, "no model yet" if not model_dir.exists() else "it does not match this comparison"
    if record is not None:
        try:
            model = load_baseline(model_dir)
        except ValueError as error:
            reason = f"it cannot be loaded ({error})"
    reused = model is not None
    if reused:
        notify(CompareEvent("reuse", message="data and settings match a finished model"))
        train_seconds, peak, setup_rss = record["train_seconds"], record["peak_rss_bytes"], record["setup_rss_bytes"]
    else:
        notify(CompareEvent("train-start", message=reason))
        started = time.perf_counter()
        model = train_baseline(job.kind, corpus.train, job.seed if job.seed is not None else 1)
        train_seconds, peak = round(time.perf_counter() - started, 2), None
        save_baseline(model, model_dir)
    return _scored(job, model, corpus, notify, reused=reused, reason=None if reused else reason,
                   setup_rss=setup_rss, measure_memory=measure_memory, parameters=model.parameters,
                   train_seconds=train_seconds, best_epoch=None, stopped_because="", history=[],
                   peak=peak)


def _scored(job: Job, tagger, corpus: Corpus, notify: Notify, reused: bool, reason: str | None,
            setup_rss: int | None, measure_memory: bool, peak: int | None, **figures) -> RunResult:
    """Tag dev and test and time the tagging; a model trained just now gets its run record beside it.

    `peak`: a reused model's peak memory from its run record; a trained one's is measured after scoring.
    """
    notify(CompareEvent("scoring"))
    dev_predictions, test_predictions, speed, tagging_seconds = tag_and_time(tagger, corpus)
    if not reused:
        peak = peak_rss_bytes() if measure_memory else None
        _write_record(Path(job.model_dir), job, figures["train_seconds"], peak, setup_rss)
    return RunResult.of(job, reused=reused, reason="reused" if reused else reason, tokens_per_second=speed,
                        tagging_seconds=tagging_seconds, size_bytes=model_size(Path(job.model_dir)),
                        peak_rss_bytes=peak, setup_rss_bytes=setup_rss, environment=environment(),
                        dev_predictions=dev_predictions, test_predictions=test_predictions, **figures)


# ---- measurements ---------------------------------------------------------------------------------------

def tag_and_time(tagger, corpus: Corpus) -> tuple[list[list[str]], list[list[str]], float, float]:
    """Dev and test predictions (which also warm the tagger up), then timed passes over the test words."""
    dev_words = [list(s.words) for s in corpus.dev]
    test_words = [list(s.words) for s in corpus.test]
    dev_predictions = tagger.tag_sents(dev_words)
    test_predictions = tagger.tag_sents(test_words)
    fastest, spent = float("inf"), 0.0
    fewest, most = SPEED_PASSES
    for done in range(1, most + 1):
        started = time.perf_counter()
        tagger.tag_sents(test_words)
        elapsed = time.perf_counter() - started
        fastest, spent = min(fastest, elapsed), spent + elapsed
        if done >= fewest and spent >= SPEED_SECONDS:
            break
    tokens = count_tokens(corpus.test)
    return dev_predictions, test_predictions, tokens / max(fastest, 1e-9), fastest


def peak_rss_bytes() -> int | None:
    """This process's peak resident set size so far, in bytes (None where neither source exists).

    On Linux, VmHWM of /proc/self/status: the high-water mark of this program's own memory. getrusage's
    ru_maxrss is no good there, since Linux carries the parent's size at fork over into the child's value.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    value, unit = line.split()[1:3]
                    return int(value) * {"kB": 1024, "mB": 1024**2}.get(unit, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # macOS reports bytes, Linux kilobytes


def model_size(directory: Path) -> int:
    """Bytes on disk of the model's own files (the comparison's run record left out)."""
    return sum(path.stat().st_size for path in Path(directory).rglob("*")
               if path.is_file() and path.name != RUN_RECORD)


def environment() -> dict:
    info: dict = {"python": platform.python_version()}
    if "tensorflow" in sys.modules:
        import keras
        import tensorflow as tf

        gpus = tf.config.list_logical_devices("GPU")
        info.update({"tensorflow": tf.__version__, "keras": keras.__version__,
                     "device": f"{len(gpus)} GPU(s)" if gpus else f"CPU ({os.cpu_count()} cores)"})
    if "nltk" in sys.modules:
        import nltk

        info["nltk"] = nltk.__version__
    return info


# ---- the run record beside each model -------------------------------------------------------------------

def _record_identity(job: Job) -> dict:
    identity = {"kind": job.kind, "seed": job.seed, "data_fingerprint": job.data_fingerprint}
    if job.neural:
        identity.update(config=job.config, vocabulary_fingerprint=job.vocabulary_fingerprint)
    elif job.kind == PERCEPTRON:
        identity["iterations"] = PERCEPTRON_ITERATIONS
    return identity


def _matching_record(model_dir: Path, job: Job) -> dict | None:
    record = read_json_or_none(model_dir / RUN_RECORD)
    if not isinstance(record, dict) or record.get("complete") is not True:
        return None
    identity = _record_identity(job)
    return record if all(record.get(key) == value for key, value in identity.items()) else None


def _write_record(model_dir: Path, job: Job, train_seconds, peak, setup_rss) -> None:
    from common.files import write_atomically

    record = {**_record_identity(job), "run": job.run, "train_seconds": train_seconds, "peak_rss_bytes": peak,
              "setup_rss_bytes": setup_rss, "complete": True}
    write_atomically(model_dir / RUN_RECORD, json.dumps(record, indent=2, sort_keys=True) + "\n")


# ---- the process ----------------------------------------------------------------------------------------

def _user_error_types() -> tuple[type[BaseException], ...]:
    from corpora import CorpusError

    types: list[type[BaseException]] = [CorpusError, PipelineError]
    if "tagger" in sys.modules:
        from tagger import ConfigError, ModelError

        types += [ConfigError, ModelError]
    return tuple(types)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # The protocol keeps the real standard output; everything else printed to it lands in the log instead.
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)

    def send(message: WorkerMessage) -> None:
        protocol.write(message.line())
        protocol.flush()

    try:
        if len(argv) != 1:
            raise PipelineError("usage: python -m pipelines.compare.worker '<job JSON>'")
        job = Job.from_json(json.loads(argv[0]))
        result = run_job(job, lambda event: send(WorkerMessage("progress", progress=event)))
        send(WorkerMessage("result", result=result))
        return 0
    except KeyboardInterrupt:
        send(WorkerMessage("interrupted"))
        return 130
    except Exception as error:
        if isinstance(error, _user_error_types()):
            send(WorkerMessage("error", message=str(error)))
            return 2
        raise  # a bug: the traceback goes to the log, and the parent points at it
    finally:
        protocol.close()


if __name__ == "__main__":
    sys.exit(main())
