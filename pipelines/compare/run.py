"""`postag compare`: which tagger is best for a corpus, with evidence a reviewer would accept.

Every variant (an architecture with its settings: pipelines.compare.plan) trains on the same data, splits,
vocabulary and seeds; two non-neural baselines (most-frequent tag, NLTK's averaged perceptron) are scored beside
them. Each run happens in its own process (pipelines.compare.worker) so its peak memory is its own. The parent
scores every run's dev and test predictions the same way, picks the best by mean dev accuracy, tests it against
every other row with McNemar's test on the test tokens (pipelines.compare.report), and writes report.json,
report.md and a chart. The jobs, the workers' results and the report are typed records
(pipelines.compare.records), which the worker imports too: it needs nothing of this module.

Trained models stay under OUTPUT/models/<run>/ as ordinary model directories (pipelines.compare.folder). A run
whose model matches the requested config, the data fingerprint and the vocabulary, and finished training, is
reused (re-scored) instead of retrained, so an interrupted comparison resumes where it stopped.

The pipeline prints nothing: progress goes through a callback, and it returns the report.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from common.files import output_lock
from corpora import Corpus
from pipelines.data import data_fingerprint
from pipelines.errors import PipelineError
from pipelines.pretraining.inputs import settle_config

from .baselines import MOST_FREQUENT, PERCEPTRON
from .folder import LOGS_DIR, MODELS_DIR, manifest_for, prepare_output, write_vocabularies
from .plan import Variant, check_splits, vocabulary_group
from .records import (
    NEURAL,
    CompareEvent,
    DataSource,
    Job,
    Report,
    RunResult,
    VocabularyGroup,
    WorkerMessage,
)
from .report import build_report, write_report
from .worker import run_job

ISOLATE = True  # each run in its own process; tests switch it off to train in-process (no peak memory then)


@dataclass
class ComparisonResult:
    report: Report
    output: Path
    files: dict[str, Path] = field(default_factory=dict)
    state: str = "new"  # new, resume or replace (of the output folder)


ProgressCallback = Callable[[CompareEvent], None]


def compare(
    source: DataSource,
    variants: list[Variant],
    seeds: list[int],
    output: str | Path,
    force: bool = False,
    baselines: bool = True,
    progress: ProgressCallback | None = None,
    isolate: bool | None = None,
    command: str | None = None,
) -> ComparisonResult:
    """Train (or reuse) every variant for every seed and the baselines, then write the report files."""
    notify = progress or (lambda event: None)
    isolate = ISOLATE if isolate is None else isolate
    if not variants:
        raise PipelineError("nothing to compare: give at least one --arch")
    output = Path(output)
    corpus = source.load()
    check_splits(corpus, source)
    fingerprint = data_fingerprint(corpus)
    manifest = manifest_for(corpus, source, fingerprint, variants, seeds, baselines)
    with output_lock(output):  # two comparisons into one folder would overwrite each other's models
        return _compare_into(output, corpus, source, fingerprint, manifest, variants, seeds, baselines, force,
                             notify, isolate, command)


def _compare_into(output, corpus, source, fingerprint, manifest, variants, seeds, baselines, force, notify, isolate,
                  command) -> ComparisonResult:
    state = prepare_output(output, manifest, force)
    # Sizes that pretrained vectors or a character LM decide are settled before any run, so that a finished
    # model's config.json matches its job's and is reused when the comparison runs again.
    variants = [dataclasses.replace(variant, config=settle_config(variant.config)) for variant in variants]
    vocabularies = write_vocabularies(corpus, variants, output)

    jobs = plan_jobs(source, fingerprint, variants, seeds, baselines, vocabularies, output)
    notify(CompareEvent("plan", total=len(jobs), message=state))
    results = []
    for index, job in enumerate(jobs, 1):
        def notify_in_run(event: CompareEvent, index=index, job=job) -> None:
            notify(dataclasses.replace(event, run=job.run, row=job.row, seed=job.seed, index=index, total=len(jobs)))

        notify_in_run(CompareEvent("run-start"))
        result = run_isolated(job, output, notify_in_run) if isolate else run_in_process(job, corpus, notify_in_run)
        results.append(result)
        notify_in_run(CompareEvent("run-done", message="reused" if result.reused else "trained"))

    notify(CompareEvent("report", message=str(output)))
    report = build_report(corpus, source, fingerprint, variants, seeds, results, list(vocabularies.values()),
                          isolate, command)
    files = write_report(report, output)
    return ComparisonResult(report, output, files, state)


def plan_jobs(source: DataSource, fingerprint: str, variants: list[Variant], seeds: list[int], baselines: bool,
              vocabularies: dict[str, VocabularyGroup], output: Path) -> list[Job]:
    """Baselines first (cheap), then seed by seed, so a stopped comparison has whole seeds done."""
    models = output / MODELS_DIR

    def job(kind: str, run: str, row: str, seed: int | None, **neural) -> Job:
        return Job(run=run, row=row, kind=kind, seed=seed, model_dir=str((models / run).resolve()), data=source,
                   data_fingerprint=fingerprint, **neural)

    jobs = [job(MOST_FREQUENT, MOST_FREQUENT, MOST_FREQUENT, None)] if baselines else []
    for seed in seeds:
        if baselines:
            jobs.append(job(PERCEPTRON, f"{PERCEPTRON}-seed{seed}", PERCEPTRON, seed))
        for variant in variants:
            group = vocabularies[vocabulary_group(variant.config)]
            jobs.append(job(NEURAL, f"{variant.name}-seed{seed}", variant.name, seed,
                            config=variant.config.replace(seed=seed).to_json(),
                            vocabulary=str((output / group.file).resolve()),
                            vocabulary_fingerprint=group.fingerprint))
    return jobs


def run_in_process(job: Job, corpus: Corpus, notify: ProgressCallback) -> RunResult:
    return run_job(job, notify, corpus=corpus, measure_memory=False)


def run_isolated(job: Job, output: Path, notify: ProgressCallback) -> RunResult:
    """Run one job in a fresh Python process; its standard error goes to OUTPUT/logs/<run>.log."""
    logs = output / LOGS_DIR
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{job.run}.log"
    root = str(Path(__file__).resolve().parents[2])
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "pipelines.compare.worker", json.dumps(job.to_json())]
    result = error = None
    interrupted = False
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, encoding="utf-8",
                                   env=environment, cwd=os.getcwd())
        try:
            for line in process.stdout:
                try:
                    message = WorkerMessage.from_json(json.loads(line))
                except (ValueError, TypeError, KeyError):
                    continue  # not a protocol line; the worker sends everything else to the log
                if message.kind == "result":
                    result = message.result
                elif message.kind == "error":
                    error = message.message
                elif message.kind == "interrupted":
                    interrupted = True
                elif message.progress is not None:
                    notify(message.progress)
            code = process.wait()
        except KeyboardInterrupt:
            # Ctrl-C in a terminal reaches the worker too: it stops after the current batch and keeps its best
            # epoch. When only this process was interrupted, pass the interrupt on.
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            raise
    if interrupted or code in (130, -2):
        raise KeyboardInterrupt
    if error is not None:
        raise PipelineError(f"{job.run}: {error}")
    if code != 0 or result is None:
        lines = [line for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
        last = lines[-1].strip() if lines else "no output"
        raise PipelineError(f"{job.run}: the worker process failed (exit code {code}): {last} "
                            f"(full log: {log_path})")
    return result
