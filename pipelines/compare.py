"""`postag compare`: which tagger is best for a corpus, with evidence a reviewer would accept.

Every variant (an architecture with its settings) trains on the same data, splits, vocabulary and seeds;
two non-neural baselines (most-frequent tag, NLTK's averaged perceptron) are scored beside them. Each run
happens in its own process (pipelines.compare_worker) so its peak memory is its own. The parent scores
every run's dev and test predictions the same way, picks the best by mean dev accuracy, tests it against
every other row with McNemar's test on the test tokens, and writes report.json, report.md and a chart.

Trained models stay under OUTPUT/models/<run>/ as ordinary model directories. A run whose model matches
the requested config, the data fingerprint and the vocabulary, and finished training, is reused (re-scored)
instead of retrained, so an interrupted comparison resumes where it stopped.

The pipeline prints nothing: progress goes through a callback, and it returns the report.
"""

from __future__ import annotations

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

from .baselines import BASELINES, DESCRIPTIONS, MOST_FREQUENT, PERCEPTRON
from .errors import PipelineError
from .evaluate import Evaluation, score
from .significance import holm, mcnemar

FORMAT_VERSION = 1
MANIFEST_FILE = "comparison.json"
REPORT_JSON, REPORT_MD, CHART_FILE = "report.json", "report.md", "learning_curves.png"
RUN_RECORD = "compare-run.json"  # in each model directory: what the model's own files do not say
MODELS_DIR, LOGS_DIR, VOCABULARIES_DIR = "models", "logs", "vocabularies"
DEFAULT_ARCHITECTURES = ("fcn", "window", "rnn")
VARIANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")  # a folder name, and no dot: `--set NAME.key=...`
SEEDS_HELP = "--seeds takes whole numbers separated by commas, or ranges: 1,2,3 or 1-5"
UNSEEN_DEFINITION = "a test (dev) word whose lowercased form does not occur in the training split"
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


@dataclass(frozen=True)
class DataSource:
    """Where the data comes from, in a form a worker process can load again (plain strings)."""

    corpus: str | None = None
    train: str | None = None
    dev: str | None = None
    test: str | None = None
    format: str = "auto"
    tagset: str | None = None

    @classmethod
    def of(cls, corpus=None, train=None, dev=None, test=None, format="auto", tagset=None) -> DataSource:
        def absolute(path):
            return None if path is None else str(Path(path).resolve())

        return cls(corpus, absolute(train), absolute(dev), absolute(test), format, tagset)

    def load(self) -> Corpus:
        from .data import load_training_corpus

        return load_training_corpus(self.corpus, self.train, self.dev, self.test, self.format, self.tagset)

    def to_json(self) -> dict:
        return dict(vars(self))

    def describe(self) -> str:
        if self.corpus:
            return self.corpus
        parts = [f"--train {self.train}"] + [f"--{name} {path}" for name, path in (("dev", self.dev),
                                                                                  ("test", self.test)) if path]
        return " ".join(parts)


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

def data_fingerprint(corpus: Corpus) -> str:
    """SHA-256 over the tagset and every split's words and tags: the same data gives the same fingerprint."""
    digest = hashlib.sha256()
    digest.update(f"postag-data-v1\ntagset {corpus.tagset}\n".encode())
    for split in ("train", "dev", "test"):
        sentences = corpus.split(split)
        digest.update(f"{split} {len(sentences)}\n".encode())
        for sentence in sentences:
            digest.update(json.dumps([sentence.words, sentence.tags], ensure_ascii=False).encode("utf-8"))
            digest.update(b"\n")
    return "sha256:" + digest.hexdigest()


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
    """Variants that agree on these settings share one vocabulary built once from the training split."""
    return f"min_count-{config.min_count}_{'lowercase' if config.lowercase else 'cased'}"


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
        old = _read_json_or_none(manifest_path)
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




def _read_json_or_none(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# ---- running ------------------------------------------------------------------------------------------

@dataclass
class CompareEvent:
    """Progress: plan, run-start, reuse, train-start, training, batch, epoch, scoring, run-done, report."""

    kind: str
    run: str = ""
    row: str = ""
    seed: int | None = None
    index: int = 0
    total: int = 0
    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    loss: float | None = None
    dev_accuracy: float | None = None
    message: str = ""


@dataclass
class ComparisonResult:
    report: dict
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
    vocabularies = write_vocabularies(corpus, variants, output)

    jobs = plan_jobs(source, fingerprint, variants, seeds, baselines, vocabularies, output)
    notify(CompareEvent("plan", total=len(jobs), message=state))
    results = []
    for index, job in enumerate(jobs, 1):
        context = {"run": job["run"], "row": job["row"], "seed": job["seed"], "index": index, "total": len(jobs)}
        notify(CompareEvent("run-start", **context))
        result = run_isolated(job, output, notify, context) if isolate else run_in_process(job, corpus, notify,
                                                                                           context)
        results.append(result)
        notify(CompareEvent("run-done", **context, message="reused" if result["reused"] else "trained"))

    notify(CompareEvent("report", message=str(output)))
    report = build_report(corpus, source, fingerprint, variants, seeds, results, vocabularies, isolate, command)
    files = write_report(report, output)
    return ComparisonResult(report, output, files, state)


def write_vocabularies(corpus: Corpus, variants: list[Variant], output: Path) -> dict[str, dict]:
    """Build each vocabulary once from the training split; every variant of a group reads the same file."""
    from .train import build_vocabularies

    groups: dict[str, dict] = {}
    folder = output / VOCABULARIES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for variant in variants:
        key = vocabulary_group(variant.config)
        if key in groups:
            groups[key]["variants"].append(variant.name)
            continue
        vocabs = build_vocabularies(corpus, variant.config).to_json()
        path = write_atomically(folder / f"{key}.json", json.dumps(vocabs, ensure_ascii=False) + "\n")
        groups[key] = {"file": str(path.relative_to(output)), "path": str(path.resolve()),
                       "fingerprint": vocabulary_fingerprint(vocabs), "min_count": variant.config.min_count,
                       "lowercase": variant.config.lowercase, "words": len(vocabs["words"]["items"]),
                       "characters": len(vocabs["chars"]["items"]), "tags": len(vocabs["tags"]["items"]) - 1,
                       "variants": [variant.name]}
    return groups


def plan_jobs(source, fingerprint, variants, seeds, baselines, vocabularies, output) -> list[dict]:
    """Baselines first (cheap), then seed by seed, so a stopped comparison has whole seeds done."""
    common = {"data": source.to_json(), "data_fingerprint": fingerprint}
    models = output / MODELS_DIR
    jobs = []
    if baselines:
        jobs.append({**common, "kind": MOST_FREQUENT, "run": MOST_FREQUENT, "row": MOST_FREQUENT, "seed": None,
                     "model_dir": str((models / MOST_FREQUENT).resolve())})
    for seed in seeds:
        if baselines:
            run = f"{PERCEPTRON}-seed{seed}"
            jobs.append({**common, "kind": PERCEPTRON, "run": run, "row": PERCEPTRON, "seed": seed,
                         "model_dir": str((models / run).resolve())})
        for variant in variants:
            run = f"{variant.name}-seed{seed}"
            group = vocabularies[vocabulary_group(variant.config)]
            jobs.append({**common, "kind": "neural", "run": run, "row": variant.name, "seed": seed,
                         "config": variant.config.replace(seed=seed).to_json(),
                         "vocabulary": group["path"], "vocabulary_fingerprint": group["fingerprint"],
                         "model_dir": str((models / run).resolve())})
    return jobs


def _forward(event: dict, notify: ProgressCallback, context: dict) -> None:
    """A worker's JSON event -> CompareEvent for the progress callback."""
    kind = event.get("event")
    if kind in ("reuse", "train", "scoring"):
        notify(CompareEvent({"train": "train-start"}.get(kind, kind), **context, message=event.get("reason", "")))
    elif kind == "progress":
        notify(CompareEvent({"start": "training"}.get(event["kind"], event["kind"]), **context,
                            epoch=event.get("epoch", 0), epochs=event.get("epochs", 0), batch=event.get("batch", 0),
                            batches=event.get("batches", 0), loss=event.get("loss"),
                            dev_accuracy=event.get("dev_accuracy")))


def run_in_process(job: dict, corpus: Corpus, notify: ProgressCallback, context: dict) -> dict:
    from .compare_worker import run_job

    result = run_job(job, lambda event: _forward(event, notify, context), corpus=corpus, measure_memory=False)
    if result.get("interrupted"):
        raise KeyboardInterrupt
    return result


def run_isolated(job: dict, output: Path, notify: ProgressCallback, context: dict) -> dict:
    """Run one job in a fresh Python process; its standard error goes to OUTPUT/logs/<run>.log."""
    logs = output / LOGS_DIR
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{job['run']}.log"
    root = str(Path(__file__).resolve().parent.parent)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "pipelines.compare_worker", json.dumps(job)]
    result = error = None
    interrupted = False
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, encoding="utf-8",
                                   env=environment, cwd=os.getcwd())
        try:
            for line in process.stdout:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # not a protocol line; the worker sends everything else to the log
                kind = event.get("event")
                if kind == "result":
                    result = event
                elif kind == "error":
                    error = event.get("message", "")
                elif kind == "interrupted":
                    interrupted = True
                else:
                    _forward(event, notify, context)
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
        raise PipelineError(f"{job['run']}: {error}")
    if code != 0 or result is None:
        lines = [line for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
        last = lines[-1].strip() if lines else "no output"
        raise PipelineError(f"{job['run']}: the worker process failed (exit code {code}): {last} "
                            f"(full log: {log_path})")
    result.pop("event", None)
    return result


# ---- the report ---------------------------------------------------------------------------------------

def stat(values) -> dict | None:
    """Mean, sample standard deviation (None for one value) and the values themselves."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else None,
            "n": len(values), "values": values}


def build_report(corpus: Corpus, source: DataSource, fingerprint: str, variants: list[Variant], seeds: list[int],
                 results: list[dict], vocabularies: dict, isolated: bool, command: str | None = None) -> dict:
    """Score every run the same way and gather rows, significance, per-tag F1 and learning curves."""
    seen = {word.lower() for sentence in corpus.train for word in sentence.words}

    def seen_in_training(word: str) -> bool:
        return word.lower() in seen

    runs, evaluations = [], {}
    for result in results:
        dev = score(corpus.dev, result["dev_predictions"], seen_in_training)
        test = score(corpus.test, result["test_predictions"], seen_in_training)
        evaluations[result["run"]] = (dev, test)
        runs.append(_run_entry(result, dev, test))

    row_names = [name for name in BASELINES if any(r["row"] == name for r in runs)] + [v.name for v in variants]
    variant_of = {v.name: v for v in variants}
    rows = [_row(name, [r for r in runs if r["row"] == name], variant_of.get(name)) for name in row_names]
    best = max(rows, key=lambda row: row["dev_accuracy"]["mean"])
    significance = _significance(best, rows, runs, evaluations)
    for row in rows:
        row["best"] = row is best
        entry = next((s for s in significance if s["row"] == row["name"]), None)
        row["p_value_vs_best"] = entry["p_value"] if entry else None
        row["holm_p_value_vs_best"] = entry["holm_p_value"] if entry else None

    environment = {"python": platform.python_version(), "platform": platform.platform(),
                   "cpu_count": os.cpu_count(), "isolated_runs": isolated,
                   "memory_method": MEMORY_METHOD if isolated else "not measured: runs shared one process",
                   "speed_method": SPEED_METHOD}
    for result in results:
        environment.update({k: v for k, v in result.get("environment", {}).items() if v is not None})

    return {
        "postag_comparison": FORMAT_VERSION,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "corpus": {
            "name": corpus.name, "tagset": corpus.tagset, "source": source.describe(),
            "data_fingerprint": fingerprint,
            "splits": {split: {"sentences": len(corpus.split(split)), "tokens": count_tokens(corpus.split(split))}
                       for split in ("train", "dev", "test")},
            "unseen_definition": UNSEEN_DEFINITION,
            "unseen_tokens": {"dev": evaluations[runs[0]["run"]][0].oov_tokens,
                              "test": evaluations[runs[0]["run"]][1].oov_tokens},
        },
        "seeds": seeds,
        "vocabularies": [{k: v for k, v in group.items() if k != "path"} for group in vocabularies.values()],
        "environment": environment,
        "best": best["name"],
        "best_selected_by": BEST_SELECTED_BY,
        "rows": rows,
        "significance": significance,
        "pairwise": _pairwise(rows, runs, evaluations),
        "per_tag": _per_tag(rows, runs, evaluations, corpus),
        "learning_curves": {row["name"]: _curve([r for r in runs if r["row"] == row["name"]])
                            for row in rows if row["kind"] == "neural"},
        "files": {"markdown": REPORT_MD, "chart": CHART_FILE, "json": REPORT_JSON},
        "runs": runs,
        "per_token_correct": {run: "".join("1" if right else "0" for right in evaluations[run][1].correct)
                              for run in evaluations},
    }


def _run_entry(result: dict, dev: Evaluation, test: Evaluation) -> dict:
    keep = ("run", "row", "kind", "seed", "model_dir", "reused", "reason", "parameters", "train_seconds",
            "best_epoch", "stopped_because", "history", "tokens_per_second", "tagging_seconds", "size_bytes",
            "peak_rss_bytes", "setup_rss_bytes", "vocabulary_fingerprint", "config")
    entry = {key: result.get(key) for key in keep}
    entry["dev"], entry["test"] = dev.to_json(), test.to_json()
    return entry


def _row(name: str, runs: list[dict], variant: Variant | None) -> dict:
    neural = name not in BASELINES
    row = {
        "name": name,
        "kind": "neural" if neural else "baseline",
        "architecture": variant.architecture if variant else name,
        "description": _describe_variant(variant) if variant else DESCRIPTIONS[name],
        "settings": _non_default_settings(variant) if variant else {},
        "seeds": [r["seed"] for r in runs],
        "runs": [r["run"] for r in runs],
        "reused": sum(1 for r in runs if r["reused"]),
    }
    for key in ("parameters", "train_seconds", "tokens_per_second", "size_bytes", "peak_rss_bytes"):
        row[key] = stat(r[key] for r in runs)
    row["best_epoch"] = stat(r["best_epoch"] for r in runs) if neural else None
    row["dev_accuracy"] = stat(r["dev"]["accuracy"] for r in runs)
    row["test_accuracy"] = stat(r["test"]["accuracy"] for r in runs)
    row["dev_unseen_accuracy"] = stat(r["dev"]["oov_accuracy"] for r in runs)
    row["test_unseen_accuracy"] = stat(r["test"]["oov_accuracy"] for r in runs)
    return row


def _non_default_settings(variant: Variant) -> dict:
    from tagger import TaggerConfig

    defaults = TaggerConfig(architecture=variant.architecture).to_json()
    return {k: v for k, v in variant.config_json().items() if k != "architecture" and defaults.get(k) != v}


def _describe_variant(variant: Variant) -> str:
    settings = _non_default_settings(variant)
    shown = ", ".join(f"{k}={v}" for k, v in settings.items())
    return f"{variant.architecture}" + (f" ({shown})" if shown else " (default settings)")


def _paired_tests(first: str, second: str, by_row: dict, evaluations: dict) -> list[dict]:
    """McNemar's test of row `first` against row `second`, run against run of the same seed.

    A seedless row (most-frequent) is paired with every run of the other.
    """
    pairs = []
    for first_run in by_row[first]:
        for second_run in by_row[second]:
            if first_run["seed"] is not None and second_run["seed"] is not None \
                    and first_run["seed"] != second_run["seed"]:
                continue
            test = mcnemar(evaluations[first_run["run"]][1].correct, evaluations[second_run["run"]][1].correct)
            pairs.append({"best_run": first_run["run"], "other_run": second_run["run"],
                          "seed": first_run["seed"] if first_run["seed"] is not None else second_run["seed"],
                          "best_only_correct": test.first_only, "other_only_correct": test.second_only,
                          "method": test.method, "statistic": test.statistic, "p_value": test.p_value})
    return pairs


def _runs_by_row(runs: list[dict]) -> dict[str, list[dict]]:
    by_row = defaultdict(list)
    for run in runs:
        by_row[run["row"]].append(run)
    return by_row


def _significance(best: dict, rows: list[dict], runs: list[dict], evaluations: dict) -> list[dict]:
    """McNemar's test of the best row against each other row on the test tokens.

    With several seeds the row's p-value is the largest over seeds (the most conservative), then
    Holm-corrected over the rows.
    """
    by_row = _runs_by_row(runs)
    entries = []
    for row in rows:
        if row is best:
            continue
        pairs = _paired_tests(best["name"], row["name"], by_row, evaluations)
        entries.append({"row": row["name"], "against": best["name"], "pairs": pairs,
                        "p_value": max(p["p_value"] for p in pairs) if pairs else None})
    scored = [entry for entry in entries if entry["p_value"] is not None]
    for entry, adjusted in zip(scored, holm([entry["p_value"] for entry in scored])):
        entry["holm_p_value"] = adjusted
        entry["significant_at_0_05"] = adjusted < 0.05
    for entry in entries:
        entry.setdefault("holm_p_value", None)
        entry.setdefault("significant_at_0_05", None)
    return entries


def _pairwise(rows: list[dict], runs: list[dict], evaluations: dict) -> dict:
    """McNemar p (largest over seeds, uncorrected) for every pair of rows, e.g. to check fcn < window too."""
    by_row = _runs_by_row(runs)
    names = [row["name"] for row in rows]
    p_values: dict[str, dict[str, float | None]] = {name: {} for name in names}
    for index, first in enumerate(names):
        for second in names[index + 1:]:
            pairs = _paired_tests(first, second, by_row, evaluations)
            p = max(pair["p_value"] for pair in pairs) if pairs else None
            p_values[first][second] = p_values[second][first] = p
    return {"rows": names, "p_values": p_values}


def _per_tag(rows: list[dict], runs: list[dict], evaluations: dict, corpus: Corpus) -> dict:
    """Test F1 per tag for every row (mean over seeds), tags sorted by how much the models disagree."""
    gold_counts: dict[str, int] = defaultdict(int)
    for sentence in corpus.test:
        for tag in sentence.tags:
            gold_counts[tag] += 1
    neural = [row["name"] for row in rows if row["kind"] == "neural"]
    spread_over = neural if len(neural) >= 2 else [row["name"] for row in rows]
    tags = []
    for tag in sorted(gold_counts):
        f1 = {}
        for row in rows:
            scores = [evaluations[run][1].per_tag[tag].f1 for run in row["runs"] if tag in evaluations[run][1].per_tag]
            f1[row["name"]] = statistics.fmean(scores) if scores else 0.0
        values = [f1[name] for name in spread_over]
        tags.append({"tag": tag, "support": gold_counts[tag], "f1": f1, "spread": max(values) - min(values)})
    tags.sort(key=lambda entry: (-entry["spread"], -entry["support"], entry["tag"]))
    return {"spread_over": spread_over, "tags": tags}


def _curve(runs: list[dict]) -> list[dict]:
    by_epoch: dict[int, list[dict]] = defaultdict(list)
    for run in runs:
        for record in run["history"] or []:
            by_epoch[record["epoch"]].append(record)
    curve = []
    for epoch in sorted(by_epoch):
        records = by_epoch[epoch]
        dev = [r["dev_accuracy"] for r in records if r["dev_accuracy"] is not None]
        curve.append({"epoch": epoch, "dev_accuracy": statistics.fmean(dev) if dev else None,
                      "train_loss": statistics.fmean(r["train_loss"] for r in records), "runs": len(records)})
    return curve


def write_report(report: dict, output: Path) -> dict[str, Path]:
    from .report import draw_learning_curves, markdown

    files = {"json": output / REPORT_JSON, "markdown": output / REPORT_MD, "chart": output / CHART_FILE}
    draw_learning_curves(report, files["chart"])
    write_atomically(files["markdown"], markdown(report))
    write_atomically(files["json"], json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    return files
