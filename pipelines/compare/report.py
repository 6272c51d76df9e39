"""A comparison's report from its runs' results: rows by variant, the best chosen on dev, McNemar tests on test
tokens with Holm's correction, per-tag figures and learning curves; written as report.json, report.md and a
chart (the cells and the chart are drawn by pipelines.compare.render).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import platform
import statistics
from collections import defaultdict
from pathlib import Path

from common.files import write_atomically
from corpora import Corpus, count_tokens
from pipelines.evaluation.gold_tokens import score
from pipelines.evaluation.significance import holm, mcnemar

from .baselines import BASELINES, DESCRIPTIONS
from .folder import CHART_FILE, FORMAT_VERSION, REPORT_JSON, REPORT_MD
from .plan import Variant
from .records import (
    BASELINE,
    NEURAL,
    CorpusSummary,
    CurvePoint,
    DataSource,
    Environment,
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
)

BEST_SELECTED_BY = "highest mean dev accuracy (the test set plays no part in choosing)"


MEMORY_METHOD = ("peak resident set size of the process that trained (or loaded) and scored the model, "
                 "Python and TensorFlow runtime included (Linux: VmHWM; elsewhere: getrusage ru_maxrss)")


SPEED_METHOD = ("test-split tokens tagged per second by the model's tag_sents, after a warm-up pass over dev "
                "and test; the fastest of 3 to 5 timed passes (the machine's other load slows the others)")


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
    from .render import draw_learning_curves, markdown

    files = {"json": output / REPORT_JSON, "markdown": output / REPORT_MD, "chart": output / CHART_FILE}
    draw_learning_curves(report, files["chart"])
    write_atomically(files["markdown"], markdown(report))
    write_atomically(files["json"], json.dumps(report.to_json(), indent=1, ensure_ascii=False) + "\n")
    return files
