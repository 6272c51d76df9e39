"""`postag compare`: which tagger is best for a corpus, with evidence a reviewer would accept.

Every variant (an architecture with its settings) trains on the same data, splits, vocabulary and seeds;
two non-neural baselines (most-frequent tag, NLTK's averaged perceptron) are scored beside them. Each run
happens in its own process (pipelines.compare.worker) so its peak memory is its own. The parent scores
every run's dev and test predictions the same way, picks the best by mean dev accuracy, tests it against
every other row with McNemar's test on the test tokens, and writes report.json, report.md and a chart.
The jobs, the workers' results and the report are typed records (pipelines.compare.records), which the
worker imports too: it needs nothing of this module.

Trained models stay under OUTPUT/models/<run>/ as ordinary model directories. A run whose model matches
the requested config, the data fingerprint and the vocabulary, and finished training, is reused (re-scored)
instead of retrained, so an interrupted comparison resumes where it stopped.

The pipeline prints nothing: progress goes through a callback, and it returns the report.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from common.files import output_lock, write_atomically
from corpora import Corpus, count_tokens
from pipelines.data import data_fingerprint
from pipelines.errors import PipelineError
from pipelines.evaluation.gold_tokens import score
from pipelines.evaluation.significance import holm, mcnemar
from pipelines.pretraining.inputs import settle_config

from .baselines import BASELINES, DESCRIPTIONS, MOST_FREQUENT, PERCEPTRON
from .records import (
    BASELINE,
    NEURAL,
    CompareEvent,
    CorpusSummary,
    CurvePoint,
    DataSource,
    Environment,
    Job,
    PairedTest,
    Pairwise,
    PerTag,
    Report,
    ReportFiles,
    ReportRun,
    Row,
    RunResult,
    Significance,
    SplitSize,
    Stat,
    TagSpread,
    VocabularyGroup,
    WorkerMessage,
    read_json_or_none,
)
from .worker import run_job

FORMAT_VERSION = 1
MANIFEST_FILE = "comparison.json"
REPORT_JSON, REPORT_MD, CHART_FILE = "report.json", "report.md", "learning_curves.png"
MODELS_DIR, LOGS_DIR, VOCABULARIES_DIR = "models", "logs", "vocabularies"
DEFAULT_ARCHITECTURES = ("fcn", "window", "rnn")
VARIANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")  # a folder name, and no dot: `--set NAME.key=...`
SEEDS_HELP = "--seeds takes whole numbers separated by commas, or ranges: 1,2,3 or 1-5"
BEST_SELECTED_BY = "highest mean dev accuracy (the test set plays no part in choosing)"
ISOLATE = True  # each run in its own process; tests switch it off to train in-process (no peak memory then)
MEMORY_METHOD = ("peak resident set size of the process that trained (or loaded) and scored the model, "
                 "Python and TensorFlow runtime included (Linux: VmHWM; elsewhere: getrusage ru_maxrss)")
SPEED_METHOD = ("test-split tokens tagged per second by the model's tag_sents, after a warm-up pass over dev "
                "and test; the fastest of 3 to 5 timed passes (the machine's other load slows the others)")


# ---- what to compare -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Variant:
    """A named tagger configuration to compare; its seed is set per run."""

    name: str
    config: object  # tagger.TaggerConfig

    @property
    def architecture(self) -> str:
        return self.config.architecture

    def config_json(self) -> dict:
        data = self.config.to_json()
        data.pop("seed")
        return data


def parse_seeds(text: str | None, default: int = 1) -> list[int]:
    """`1,2,3` or `1-5` (or both mixed) -> distinct seeds in the given order."""
    if text is None or not text.strip():
        return [default]
    seeds: list[int] = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not match:
            raise PipelineError(f"{SEEDS_HELP}; got {text!r}")
        low = int(match[1])
        high = int(match[2]) if match[2] is not None else low
        if high < low:
            raise PipelineError(f"{SEEDS_HELP}; the range {part.strip()} runs backwards")
        seeds.extend(range(low, high + 1))
    repeated = sorted({seed for seed in seeds if seeds.count(seed) > 1})
    if repeated:
        raise PipelineError(f"{SEEDS_HELP}; seed {', '.join(map(str, repeated))} is given twice")
    return seeds


def read_configs_file(path: str | Path) -> dict[str, dict]:
    """A JSON or TOML file mapping variant name -> {architecture, ...TaggerConfig fields}."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PipelineError(f"--configs {path}: cannot read it ({error.strerror or error})") from None
    if path.suffix.lower() == ".toml":
        try:
            import tomllib
        except ImportError:  # Python 3.10
            raise PipelineError(f"--configs {path}: TOML needs Python 3.11 or later; use a JSON file") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise PipelineError(f"--configs {path}: not valid TOML ({error})") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise PipelineError(f"--configs {path}:{error.lineno}: not valid JSON ({error.msg}); expected "
                                f'{{"variant-name": {{"architecture": "rnn", "hidden_dim": 256}}, ...}}') from None
    if not isinstance(data, dict) or not data or not all(isinstance(v, dict) for v in data.values()):
        raise PipelineError(f"--configs {path}: expected a table of variants, e.g. "
                            f'{{"rnn-gru": {{"architecture": "rnn", "cell": "gru"}}}}')
    return data


def plan_variants(archs: list[str] | None = None, settings: dict[str, str] | None = None,
                  configs_file: str | Path | None = None, epochs: int | None = None) -> list[Variant]:
    """Validate every variant's settings up front: nothing trains until all of them are known to be good.

    archs: `fcn`, or `NAME=ARCH` for a named variant (`rnn-gru=rnn`). settings: `key` applies to every
    variant; `NAME.key` to the variant NAME, or to every variant of architecture NAME when no variant is
    called that. Precedence: defaults < --configs file < --set key < --epochs < --set NAME.key.
    """
    from tagger import ConfigError, TaggerConfig
    from tagger.config import ARCHITECTURE_NAMES

    accepted_archs = ", ".join(ARCHITECTURE_NAMES)
    declared: list[tuple[str, dict, str]] = []  # (name, fields, where it was declared)
    for spec in archs or []:
        name, sep, arch = spec.partition("=")
        name, arch = name.strip(), (arch if sep else name).strip()
        if arch not in ARCHITECTURE_NAMES:
            raise PipelineError(f"unknown architecture {arch!r} in --arch {spec}; accepted: {accepted_archs}, "
                                f"or NAME=ARCH for a named variant (e.g. rnn-gru=rnn)")
        declared.append((name, {"architecture": arch}, f"--arch {spec}"))
    if configs_file is not None:
        for name, fields in read_configs_file(configs_file).items():
            fields = dict(fields)
            if "architecture" not in fields:
                if name not in ARCHITECTURE_NAMES:
                    raise PipelineError(f"--configs {configs_file}: variant {name!r} needs an "
                                        f'"architecture" ({accepted_archs})')
                fields["architecture"] = name
            declared.append((name, fields, f"--configs {configs_file}"))
    if not declared:
        declared = [(arch, {"architecture": arch}, "default") for arch in DEFAULT_ARCHITECTURES]

    seen: set[str] = set()
    for name, fields, where in declared:
        if not VARIANT_NAME.fullmatch(name):
            raise PipelineError(f"{where}: variant name {name!r} must be letters, digits, - or _ "
                                f"(it names a folder and the NAME in --set NAME.key=VALUE)")
        if name in BASELINES:
            raise PipelineError(f"{where}: {name!r} is the name of a baseline row; choose another variant name")
        if name in seen:
            raise PipelineError(f"{where}: variant {name!r} is given twice; name one of them (NAME=ARCH)")
        seen.add(name)
        for key in ("seed",):
            if key in fields:
                raise PipelineError(f"{where}: variant {name!r} sets seed; seeds come from --seeds 1,2,3")

    names = [name for name, _, _ in declared]
    architecture_of = {name: fields.get("architecture") for name, fields, _ in declared}
    common: dict[str, str] = {}
    scoped: dict[str, dict[str, str]] = defaultdict(dict)
    for key, value in (settings or {}).items():
        scope, dot, field_name = key.partition(".")
        target_key = field_name if dot else key
        if target_key == "seed":
            raise PipelineError(f"--set {key}={value}: seeds come from --seeds (e.g. --seeds 1,2,3)")
        if target_key == "architecture":
            raise PipelineError(f"--set {key}={value}: choose architectures with --arch {accepted_archs} "
                                f"or --arch NAME=ARCH")
        if not dot:
            common[key] = value
            continue
        if scope in names:
            targets = [scope]
        elif scope in ARCHITECTURE_NAMES and scope in architecture_of.values():
            targets = [name for name in names if architecture_of[name] == scope]
        else:
            raise PipelineError(f"--set {key}={value}: no variant or architecture {scope!r} in this comparison; "
                                f"variants: {', '.join(names)} (or --set KEY=VALUE for all of them)")
        for target in targets:
            scoped[target][field_name] = value

    settable = [key for key in TaggerConfig.field_types() if key not in ("architecture", "seed")]
    for key, value in settings.items() if settings else ():
        if key.partition(".")[2 if "." in key else 0] not in settable:
            raise PipelineError(f"--set {key}={value}: unknown setting; accepted: {', '.join(settable)}")
    try:
        TaggerConfig().with_settings(common)  # one message for a bad common value, not one per variant
    except ConfigError as error:
        raise PipelineError(f"--set: {error}") from None
    if epochs is not None and epochs <= 0:
        raise PipelineError(f"--epochs must be a positive whole number, not {epochs}")
    variants = []
    for name, fields, where in declared:
        try:
            config = TaggerConfig.from_json(fields)
        except ConfigError as error:
            raise PipelineError(f"{where}: variant {name!r}: {error}") from None
        try:
            config = config.with_settings(common)
            if epochs is not None:
                config = config.replace(epochs=epochs)
            config = config.with_settings(scoped.get(name, {}))
        except ConfigError as error:
            raise PipelineError(f"variant {name!r}: {error}") from None
        variants.append(Variant(name, config))
    return variants


# ---- the data ------------------------------------------------------------------------------------------

def vocabulary_fingerprint(vocabs_json: dict) -> str:
    text = json.dumps(vocabs_json, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_splits(corpus: Corpus, source: DataSource) -> None:
    if not corpus.train:
        raise PipelineError(f"{source.describe()}: no training sentences")
    for split, option in (("dev", "--dev"), ("test", "--test")):
        sentences = corpus.split(split)
        if not sentences:
            hint = f"give {option} FILE" if not source.corpus else "choose a corpus with dev and test splits"
            raise PipelineError(f"compare needs a {split} split (dev chooses the best epoch and the best model, "
                                f"test is where models are compared); {source.describe()} has none: {hint}")
        if any(not s.tags for s in sentences) or any(not s.tags for s in corpus.train):
            raise PipelineError(f"{source.describe()}: every sentence must be tagged to compare taggers")


def vocabulary_group(config) -> str:
    """Variants that agree on these settings share one vocabulary built once from the training split (and
    extended from the same vectors, holding the same character LM's characters, with the same silver sentences)."""
    key = f"min_count-{config.min_count}_{'lowercase' if config.lowercase else 'cased'}"
    if config.embeddings and config.extend_vocab:
        key += f"_extend-{config.extend_vocab}-{_short_hash(config.embeddings)}"
    if config.char_lm:
        key += f"_charlm-{_short_hash(config.char_lm)}"
    if config.silver:
        key += f"_silver-{_short_hash(config.silver)}"
    return key


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


# ---- the output folder -------------------------------------------------------------------------------

def manifest_for(corpus: Corpus, source: DataSource, fingerprint: str, variants: list[Variant],
                 seeds: list[int], baselines: bool) -> dict:
    return {
        "postag_comparison": FORMAT_VERSION,
        "corpus": corpus.name,
        "tagset": corpus.tagset,
        "source": source.describe(),
        "data_fingerprint": fingerprint,
        "variants": {variant.name: variant.config_json() for variant in variants},
        "seeds": seeds,
        "baselines": list(BASELINES) if baselines else [],
    }


def manifest_differences(old: dict, new: dict) -> list[str]:
    differences = []
    if old.get("data_fingerprint") != new["data_fingerprint"]:
        differences.append(f"data: was {old.get('source', '?')} ({old.get('tagset', '?')}), "
                           f"now {new['source']} ({new['tagset']})" if old.get("source") != new["source"]
                           or old.get("tagset") != new["tagset"] else "data: the corpus files changed")
    old_variants, new_variants = old.get("variants", {}), new["variants"]
    if list(old_variants) != list(new_variants):
        differences.append(f"variants: was {', '.join(old_variants) or 'none'}, now {', '.join(new_variants)}")
    else:
        for name, config in new_variants.items():
            changed = sorted(k for k in set(config) | set(old_variants[name])
                             if config.get(k) != old_variants[name].get(k))
            if changed:
                differences.append(f"{name} settings: {', '.join(changed)}")
    if old.get("seeds") != new["seeds"]:
        differences.append(f"seeds: was {old.get('seeds')}, now {new['seeds']}")
    if old.get("baselines") != new["baselines"]:
        differences.append("baselines: " + ("now included" if new["baselines"] else "now left out"))
    return differences


def prepare_output(output: Path, manifest: dict, force: bool) -> str:
    """'new', 'resume' or 'replace'; refuses to touch a folder holding something else unless `force`."""
    if output.exists() and not output.is_dir():
        raise PipelineError(f"--output {output} is a file; give a folder for the comparison")
    state = "new"
    if output.is_dir() and any(output.iterdir()):
        manifest_path = output / MANIFEST_FILE
        old = read_json_or_none(manifest_path)
        if old is None:
            if not force:
                raise PipelineError(f"--output {output} exists and does not hold a postag comparison; give a new or "
                                    f"empty folder, or add --force to write the comparison into it")
            state = "replace"
        else:
            differences = manifest_differences(old, manifest)
            if differences and not force:
                raise PipelineError(f"--output {output} holds a different comparison ({'; '.join(differences)}); "
                                    f"give another --output, or add --force to replace it (models that still "
                                    f"match are reused)")
            state = "replace" if differences else "resume"
    output.mkdir(parents=True, exist_ok=True)
    if state == "replace":
        for name in (REPORT_JSON, REPORT_MD, CHART_FILE):  # a stale report must not outlive its comparison
            (output / name).unlink(missing_ok=True)
    write_atomically(output / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")
    return state


# ---- running ------------------------------------------------------------------------------------------

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


def write_vocabularies(corpus: Corpus, variants: list[Variant], output: Path) -> dict[str, VocabularyGroup]:
    """Build each vocabulary once from the training split; every variant of a group reads the same file."""
    from pipelines.data import build_vocabularies, with_silver
    from pipelines.pretraining.inputs import pretrained_vocabularies

    groups: dict[str, VocabularyGroup] = {}
    folder = output / VOCABULARIES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for variant in variants:
        key = vocabulary_group(variant.config)
        if key in groups:
            groups[key].variants.append(variant.name)
            continue
        vocabs = pretrained_vocabularies(build_vocabularies(with_silver(corpus, variant.config), variant.config),
                                         variant.config).to_json()
        path = write_atomically(folder / f"{key}.json", json.dumps(vocabs, ensure_ascii=False) + "\n")
        groups[key] = VocabularyGroup(
            file=str(path.relative_to(output)), fingerprint=vocabulary_fingerprint(vocabs),
            min_count=variant.config.min_count, lowercase=variant.config.lowercase,
            words=len(vocabs["words"]["items"]), characters=len(vocabs["chars"]["items"]),
            tags=len(vocabs["tags"]["items"]) - 1, variants=[variant.name])
    return groups


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


# ---- the report ---------------------------------------------------------------------------------------

def build_report(corpus: Corpus, source: DataSource, fingerprint: str, variants: list[Variant], seeds: list[int],
                 results: list[RunResult], vocabularies: list[VocabularyGroup], isolated: bool,
                 command: str | None = None) -> Report:
    """Score every run the same way and gather rows, significance, per-tag F1 and learning curves."""
    from tagger import SeenInTraining

    seen_in_training = SeenInTraining(word for sentence in corpus.train for word in sentence.words)
    runs = []
    for result in results:
        runs.append(ReportRun.of(result, score(corpus.dev, result.dev_predictions, seen_in_training),
                                 score(corpus.test, result.test_predictions, seen_in_training)))

    row_names = [name for name in BASELINES if any(run.row == name for run in runs)] + [v.name for v in variants]
    variant_of = {v.name: v for v in variants}
    by_row = _runs_by_row(runs)
    rows = [_row(name, by_row[name], variant_of.get(name)) for name in row_names]
    best = max(rows, key=lambda row: row.dev_accuracy.mean)
    significance = _significance(best, rows, by_row)
    for row in rows:
        row.best = row is best
        entry = next((s for s in significance if s.row == row.name), None)
        row.p_value_vs_best = entry.p_value if entry else None
        row.holm_p_value_vs_best = entry.holm_p_value if entry else None

    environment = Environment(python=platform.python_version(), platform=platform.platform(),
                              cpu_count=os.cpu_count(), isolated_runs=isolated,
                              memory_method=MEMORY_METHOD if isolated else "not measured: runs shared one process",
                              speed_method=SPEED_METHOD)
    for result in results:
        environment = dataclasses.replace(environment, **{k: v for k, v in result.environment.items()
                                                          if v is not None})

    first = runs[0]
    return Report(
        postag_comparison=FORMAT_VERSION,
        created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        command=command,
        corpus=CorpusSummary(
            name=corpus.name, tagset=corpus.tagset, source=source.describe(), data_fingerprint=fingerprint,
            splits={split: SplitSize(len(corpus.split(split)), count_tokens(corpus.split(split)))
                    for split in ("train", "dev", "test")},
            unseen_definition=SeenInTraining.UNSEEN,
            unseen_tokens={"dev": first.dev.oov_tokens, "test": first.test.oov_tokens}),
        seeds=seeds,
        vocabularies=vocabularies,
        environment=environment,
        best=best.name,
        best_selected_by=BEST_SELECTED_BY,
        rows=rows,
        significance=significance,
        pairwise=_pairwise(rows, by_row),
        per_tag=_per_tag(rows, by_row, corpus),
        learning_curves={row.name: _curve(by_row[row.name]) for row in rows if row.neural},
        files=ReportFiles(markdown=REPORT_MD, chart=CHART_FILE, json=REPORT_JSON),
        runs=runs,
        per_token_correct={run.run: "".join("1" if right else "0" for right in run.test.correct) for run in runs},
    )


def _row(name: str, runs: list[ReportRun], variant: Variant | None) -> Row:
    neural = name not in BASELINES
    return Row(
        name=name,
        kind=NEURAL if neural else BASELINE,
        architecture=variant.architecture if variant else name,
        description=_describe_variant(variant) if variant else DESCRIPTIONS[name],
        settings=_non_default_settings(variant) if variant else {},
        seeds=[run.seed for run in runs],
        runs=[run.run for run in runs],
        reused=sum(1 for run in runs if run.reused),
        parameters=Stat.of(run.parameters for run in runs),
        train_seconds=Stat.of(run.train_seconds for run in runs),
        tokens_per_second=Stat.of(run.tokens_per_second for run in runs),
        size_bytes=Stat.of(run.size_bytes for run in runs),
        peak_rss_bytes=Stat.of(run.peak_rss_bytes for run in runs),
        best_epoch=Stat.of(run.best_epoch for run in runs) if neural else None,
        dev_accuracy=Stat.of(run.dev.accuracy for run in runs),
        test_accuracy=Stat.of(run.test.accuracy for run in runs),
        dev_unseen_accuracy=Stat.of(run.dev.oov_accuracy for run in runs),
        test_unseen_accuracy=Stat.of(run.test.oov_accuracy for run in runs),
    )


def _non_default_settings(variant: Variant) -> dict:
    from tagger import TaggerConfig

    defaults = TaggerConfig(architecture=variant.architecture).to_json()
    return {k: v for k, v in variant.config_json().items() if k != "architecture" and defaults.get(k) != v}


def _describe_variant(variant: Variant) -> str:
    settings = _non_default_settings(variant)
    shown = ", ".join(f"{k}={v}" for k, v in settings.items())
    return f"{variant.architecture}" + (f" ({shown})" if shown else " (default settings)")


def _paired_tests(first: list[ReportRun], second: list[ReportRun]) -> list[PairedTest]:
    """McNemar's test of the runs of one row against those of another, run against run of the same seed.

    A seedless row (most-frequent) is paired with every run of the other.
    """
    pairs = []
    for first_run in first:
        for second_run in second:
            if first_run.seed is not None and second_run.seed is not None and first_run.seed != second_run.seed:
                continue
            test = mcnemar(first_run.test.correct, second_run.test.correct)
            pairs.append(PairedTest(best_run=first_run.run, other_run=second_run.run,
                                    seed=first_run.seed if first_run.seed is not None else second_run.seed,
                                    best_only_correct=test.first_only, other_only_correct=test.second_only,
                                    method=test.method, statistic=test.statistic, p_value=test.p_value))
    return pairs


def _runs_by_row(runs: list[ReportRun]) -> dict[str, list[ReportRun]]:
    by_row = defaultdict(list)
    for run in runs:
        by_row[run.row].append(run)
    return by_row


def _largest_p(pairs: list[PairedTest]) -> float | None:
    return max(pair.p_value for pair in pairs) if pairs else None


def _significance(best: Row, rows: list[Row], by_row: dict[str, list[ReportRun]]) -> list[Significance]:
    """McNemar's test of the best row against each other row on the test tokens.

    With several seeds the row's p-value is the largest over seeds (the most conservative), then
    Holm-corrected over the rows.
    """
    entries = []
    for row in rows:
        if row is best:
            continue
        pairs = _paired_tests(by_row[best.name], by_row[row.name])
        entries.append(Significance(row=row.name, against=best.name, pairs=pairs, p_value=_largest_p(pairs)))
    scored = [entry for entry in entries if entry.p_value is not None]
    for entry, adjusted in zip(scored, holm([entry.p_value for entry in scored])):
        entry.holm_p_value = adjusted
        entry.significant_at_0_05 = adjusted < 0.05
    return entries


def _pairwise(rows: list[Row], by_row: dict[str, list[ReportRun]]) -> Pairwise:
    """McNemar p (largest over seeds, uncorrected) for every pair of rows, e.g. to check fcn < window too."""
    names = [row.name for row in rows]
    p_values: dict[str, dict[str, float | None]] = {name: {} for name in names}
    for index, first in enumerate(names):
        for second in names[index + 1:]:
            p_values[first][second] = p_values[second][first] = _largest_p(_paired_tests(by_row[first],
                                                                                         by_row[second]))
    return Pairwise(rows=names, p_values=p_values)


def _per_tag(rows: list[Row], by_row: dict[str, list[ReportRun]], corpus: Corpus) -> PerTag:
    """Test F1 per tag for every row (mean over seeds), tags sorted by how much the models disagree."""
    gold_counts: dict[str, int] = defaultdict(int)
    for sentence in corpus.test:
        for tag in sentence.tags:
            gold_counts[tag] += 1
    neural = [row.name for row in rows if row.neural]
    spread_over = neural if len(neural) >= 2 else [row.name for row in rows]
    tags = []
    for tag in sorted(gold_counts):
        f1 = {}
        for row in rows:
            scores = [run.test.per_tag[tag].f1 for run in by_row[row.name] if tag in run.test.per_tag]
            f1[row.name] = statistics.fmean(scores) if scores else 0.0
        values = [f1[name] for name in spread_over]
        tags.append(TagSpread(tag=tag, support=gold_counts[tag], f1=f1, spread=max(values) - min(values)))
    tags.sort(key=lambda entry: (-entry.spread, -entry.support, entry.tag))
    return PerTag(spread_over=spread_over, tags=tags)


def _curve(runs: list[ReportRun]) -> list[CurvePoint]:
    by_epoch = defaultdict(list)
    for run in runs:
        for record in run.history:
            by_epoch[record.epoch].append(record)
    curve = []
    for epoch in sorted(by_epoch):
        records = by_epoch[epoch]
        dev = [r.dev_accuracy for r in records if r.dev_accuracy is not None]
        curve.append(CurvePoint(epoch=epoch, dev_accuracy=statistics.fmean(dev) if dev else None,
                                train_loss=statistics.fmean(r.train_loss for r in records), runs=len(records)))
    return curve


def write_report(report: Report, output: Path) -> dict[str, Path]:
    from .report import draw_learning_curves, markdown

    files = {"json": output / REPORT_JSON, "markdown": output / REPORT_MD, "chart": output / CHART_FILE}
    draw_learning_curves(report, files["chart"])
    write_atomically(files["markdown"], markdown(report))
    write_atomically(files["json"], json.dumps(report.to_json(), indent=1, ensure_ascii=False) + "\n")
    return files
