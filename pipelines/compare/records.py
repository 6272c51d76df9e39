"""The records of `postag compare`: what passes between its processes, and report.json.

pipelines.compare.run (the parent) builds a Job for each run; pipelines.compare.worker carries it out in its own
process and sends back progress (CompareEvent) and a RunResult, one WorkerMessage per line of JSON. The parent
scores every result the same way and writes the Report as report.json. Both sides import this module and
nothing of each other. Every record turns into JSON with `to_json()` and back with `from_json()`; the comment
beside each field says what it holds, so this module is also the description of report.json.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

from corpora import Corpus
from pipelines.evaluation.gold_tokens import Evaluation
from pipelines.training.loop import EpochRecord

# ---- JSON ------------------------------------------------------------------------------------------------


class JsonRecord:
    """A dataclass that turns into JSON and back, its fields decoded by their type annotations."""

    def to_json(self) -> dict:
        return {f.name: _encode(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_json(cls, data: dict):
        hints = typing.get_type_hints(cls)
        return cls(**{f.name: _decode(hints[f.name], data[f.name]) for f in dataclasses.fields(cls)
                      if f.init and f.name in data})


def _encode(value):
    if hasattr(value, "to_json"):
        return value.to_json()
    if dataclasses.is_dataclass(value):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    return value


def _decode(kind, value):
    if value is None:
        return None
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):  # `X | None`: decode as X
        return _decode(next(argument for argument in arguments if argument is not type(None)), value)
    if origin is list:
        return [_decode(arguments[0], item) for item in value]
    if origin is dict:
        return {key: _decode(arguments[1], item) for key, item in value.items()}
    if isinstance(kind, type) and hasattr(kind, "from_json"):
        return kind.from_json(value)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return kind(**value)
    return value


def read_json_or_none(path: Path):
    """A JSON file's content, or None when it is missing or not JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# ---- the data --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSource(JsonRecord):
    """Where the data comes from, in a form a worker process can load again (plain strings)."""

    corpus: str | None = None  # a corpus name (ud:en_ewt), or None for the user's files
    train: str | None = None  # absolute paths of the user's files
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
        from pipelines.data import load_training_corpus

        return load_training_corpus(self.corpus, self.train, self.dev, self.test, self.format, self.tagset)

    def describe(self) -> str:
        if self.corpus:
            return self.corpus
        parts = [f"--train {self.train}"] + [f"--{name} {path}" for name, path in (("dev", self.dev),
                                                                                  ("test", self.test)) if path]
        return " ".join(parts)


# ---- between the processes -------------------------------------------------------------------------------

NEURAL, BASELINE = "neural", "baseline"


@dataclass(frozen=True)
class Job(JsonRecord):
    """One run of a comparison: built by the parent, carried out by a worker process."""

    run: str  # e.g. fcn-seed1: names the model folder and the log
    row: str  # the report row it counts in: a variant's name, or a baseline's
    kind: str  # "neural", or the baseline it trains: "most-frequent", "perceptron"
    seed: int | None  # None for most-frequent, which has nothing random
    model_dir: str  # absolute path of OUTPUT/models/<run>
    data: DataSource
    data_fingerprint: str  # pipelines.data.data_fingerprint of the corpus the parent read
    config: dict | None = None  # neural: the TaggerConfig as JSON, seed included
    vocabulary: str | None = None  # neural: absolute path of the vocabulary file its group shares
    vocabulary_fingerprint: str | None = None

    @property
    def neural(self) -> bool:
        return self.kind == NEURAL


@dataclass
class CompareEvent(JsonRecord):
    """Progress: plan, run-start, reuse, train-start, training, batch, epoch, scoring, run-done, report.

    A worker sends the events of its run (reuse ... scoring); the parent adds the run's place in the plan.
    """

    kind: str
    run: str = ""
    row: str = ""
    seed: int | None = None
    index: int = 0  # the run's place in the plan, from 1
    total: int = 0  # runs in the plan
    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    loss: float | None = None
    dev_accuracy: float | None = None
    message: str = ""  # plan: new, resume or replace; train-start: why it trains; run-done: reused or trained


@dataclass
class RunFigures(JsonRecord):
    """What one run measured: the fields a worker's result and a report's run have in common."""

    run: str
    row: str
    kind: str  # "neural" or a baseline's name (Job.kind)
    seed: int | None
    model_dir: str
    reused: bool  # the model was already there (same settings, data and vocabulary) and only re-scored
    reason: str  # "reused", or why it was trained: "no model yet", "its settings differ ...", ...
    parameters: int  # trainable and non-trainable weights; baselines: stored word-tag entries or weights
    train_seconds: float
    best_epoch: int | None  # neural: the epoch whose weights were kept (from 1)
    stopped_because: str  # neural: all epochs done, no better dev accuracy, time limit
    history: list[EpochRecord]  # neural: loss, dev accuracy and seconds of every epoch
    tokens_per_second: float  # test tokens tagged per second (Environment.speed_method)
    tagging_seconds: float  # the fastest timed pass over the test words
    size_bytes: int  # the model directory on disk
    peak_rss_bytes: int | None  # Environment.memory_method; None when runs share one process
    setup_rss_bytes: int | None  # the same, measured before training or loading the model
    vocabulary_fingerprint: str | None  # neural: of the vocabulary file it trained with
    config: dict | None  # neural: the TaggerConfig as JSON

    @property
    def neural(self) -> bool:
        return self.kind == NEURAL


@dataclass
class RunResult(RunFigures):
    """What a worker sends back: the run's figures and its predictions, which the parent scores."""

    environment: dict[str, str] = field(default_factory=dict)  # python, tensorflow, keras, device, nltk
    dev_predictions: list[list[str]] = field(default_factory=list)
    test_predictions: list[list[str]] = field(default_factory=list)

    @classmethod
    def of(cls, job: Job, **figures) -> RunResult:
        return cls(run=job.run, row=job.row, kind=job.kind, seed=job.seed, model_dir=job.model_dir,
                   vocabulary_fingerprint=job.vocabulary_fingerprint, config=job.config, **figures)


@dataclass
class WorkerMessage(JsonRecord):
    """One line a worker writes on its standard output."""

    kind: str  # progress, result, error or interrupted
    progress: CompareEvent | None = None
    result: RunResult | None = None
    message: str = ""  # error: the one-line message

    def line(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False) + "\n"


# ---- report.json ------------------------------------------------------------------------------------------


@dataclass
class Stat(JsonRecord):
    """A figure over a row's runs (one per seed)."""

    mean: float
    std: float | None  # sample standard deviation; None for a single value
    n: int
    values: list[float]

    @classmethod
    def of(cls, values) -> Stat | None:
        values = [value for value in values if value is not None]
        if not values:
            return None
        return cls(statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else None, len(values),
                   values)


@dataclass
class SplitSize(JsonRecord):
    sentences: int
    tokens: int


@dataclass
class CorpusSummary(JsonRecord):
    name: str
    tagset: str
    source: str  # the corpus name, or the --train/--dev/--test files
    data_fingerprint: str  # SHA-256 of the tagset and every split's words and tags
    splits: dict[str, SplitSize]  # train, dev, test
    unseen_definition: str  # what an unseen word is (the same for every row)
    unseen_tokens: dict[str, int]  # dev, test: how many tokens are unseen words


@dataclass
class VocabularyGroup(JsonRecord):
    """One vocabulary, built once from the training split and shared by the variants that agree on it."""

    file: str  # relative to the output folder
    fingerprint: str
    min_count: int
    lowercase: bool
    words: int
    characters: int
    tags: int
    variants: list[str]


@dataclass
class Environment(JsonRecord):
    python: str
    platform: str
    cpu_count: int | None
    isolated_runs: bool  # each run in its own process
    memory_method: str  # how peak memory was measured
    speed_method: str  # how tokens per second were measured
    tensorflow: str | None = None
    keras: str | None = None
    device: str | None = None  # e.g. "CPU (2 cores)" or "1 GPU(s)"
    nltk: str | None = None


@dataclass
class Row(JsonRecord):
    """A line of the results table: a variant (its runs over the seeds) or a baseline."""

    name: str
    kind: str  # "neural" or "baseline"
    architecture: str  # a baseline's is its name
    description: str
    settings: dict  # the variant's settings that differ from the architecture's defaults
    seeds: list[int | None]
    runs: list[str]
    reused: int  # how many of its runs were reused
    parameters: Stat | None
    train_seconds: Stat | None
    tokens_per_second: Stat | None
    size_bytes: Stat | None
    peak_rss_bytes: Stat | None
    best_epoch: Stat | None  # baselines: None
    dev_accuracy: Stat
    test_accuracy: Stat
    dev_unseen_accuracy: Stat | None  # None when every word was seen in training
    test_unseen_accuracy: Stat | None
    best: bool = False  # the best row by BEST_SELECTED_BY
    p_value_vs_best: float | None = None  # Significance.p_value of this row; None for the best row
    holm_p_value_vs_best: float | None = None

    @property
    def neural(self) -> bool:
        return self.kind == NEURAL


@dataclass
class PairedTest(JsonRecord):
    """McNemar's test of two runs on the test tokens."""

    best_run: str
    other_run: str
    seed: int | None
    best_only_correct: int  # tokens only the best run tags right
    other_only_correct: int
    method: str  # "exact binomial ..." or "chi-square with continuity correction"
    statistic: float | None
    p_value: float


@dataclass
class Significance(JsonRecord):
    """The best row against another row: a test per seed, the largest p, and Holm's correction over rows."""

    row: str
    against: str  # the best row
    pairs: list[PairedTest]
    p_value: float | None  # the largest over the pairs
    holm_p_value: float | None = None
    significant_at_0_05: bool | None = None  # by the Holm-corrected p


@dataclass
class Pairwise(JsonRecord):
    """McNemar p (largest over seeds, uncorrected) for every pair of rows."""

    rows: list[str]
    p_values: dict[str, dict[str, float | None]]  # row -> other row -> p


@dataclass
class TagSpread(JsonRecord):
    tag: str
    support: int  # gold test tokens with this tag
    f1: dict[str, float]  # row -> test F1 (mean over seeds)
    spread: float  # highest minus lowest F1 over PerTag.spread_over


@dataclass
class PerTag(JsonRecord):
    spread_over: list[str]  # the neural rows when there are two or more, else every row
    tags: list[TagSpread]  # largest spread first


@dataclass
class CurvePoint(JsonRecord):
    epoch: int
    dev_accuracy: float | None  # mean over the runs that reached this epoch
    train_loss: float
    runs: int


@dataclass
class ReportFiles(JsonRecord):
    markdown: str
    chart: str
    json: str


@dataclass
class ReportRun(RunFigures):
    """A run in the report: its figures and its dev and test scores (per-token results: Report.per_token_correct)."""

    dev: Evaluation | None = None
    test: Evaluation | None = None

    @classmethod
    def of(cls, result: RunResult, dev: Evaluation, test: Evaluation) -> ReportRun:
        figures = {f.name: getattr(result, f.name) for f in dataclasses.fields(RunFigures)}
        return cls(**figures, dev=dev, test=test)


@dataclass
class Report(JsonRecord):
    """report.json: everything the table, the significance tests, the per-tag table and the chart show."""

    postag_comparison: int  # the format's version
    created: str  # ISO 8601, UTC
    command: str | None  # the command line that repeats this comparison
    corpus: CorpusSummary
    seeds: list[int]
    vocabularies: list[VocabularyGroup]
    environment: Environment
    best: str  # the best row's name
    best_selected_by: str
    rows: list[Row]  # baselines first, then the variants in the order given
    significance: list[Significance]  # the best row against each other row
    pairwise: Pairwise
    per_tag: PerTag
    learning_curves: dict[str, list[CurvePoint]]  # neural row -> a point per epoch, mean over seeds
    files: ReportFiles
    runs: list[ReportRun]
    per_token_correct: dict[str, str]  # run -> "1"/"0" per test token: whether it tagged that token right

    @property
    def best_row(self) -> Row:
        return next(row for row in self.rows if row.best)
