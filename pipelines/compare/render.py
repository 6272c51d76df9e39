"""Rendering a comparison report (pipelines.compare.records.Report): table cells, Markdown, the chart.

The terminal (cli.py, with Rich) and report.md show the same cells, made here, so they never disagree.
"""

from __future__ import annotations

import io
from pathlib import Path

from common.files import write_atomically

from .records import Report, Row, Stat

MISSING = "—"
TOP_TAGS = 10

# ---- cells --------------------------------------------------------------------------------------------


def percent(value: Stat | None) -> str:
    """A stat of fractions as a percentage, `mean ± sd` when there are several values."""
    if value is None:
        return MISSING
    if value.std is None:
        return f"{value.mean:.2%}"
    return f"{value.mean * 100:.2f} ± {value.std * 100:.2f}%"


def number(value: Stat | None, digits: int = 0, spread: bool = True) -> str:
    if value is None:
        return MISSING
    text = f"{value.mean:,.{digits}f}"
    if spread and value.std is not None:
        text += f" ± {value.std:,.{digits}f}"
    return text


def size(value: Stat | None) -> str:
    if value is None:
        return MISSING
    amount = value.mean
    for unit in ("B", "kB", "MB", "GB"):
        if amount < 1000 or unit == "GB":
            return f"{amount:,.0f} {unit}" if unit == "B" else f"{amount:,.1f} {unit}"
        amount /= 1000
    return MISSING  # not reached


def p_value(value: float | None) -> str:
    if value is None:
        return MISSING
    if value == 0.0:
        return "< 1e-300"  # below the smallest float: the difference is overwhelming
    if value < 0.001:
        return f"{value:.1e}"
    return f"{value:.3f}"


def model_label(row: Row) -> str:
    if not row.neural:
        return f"{row.name} (baseline)"
    return row.name if row.name == row.architecture else f"{row.name} ({row.architecture})"


# (key, Markdown header, short header for a terminal)
RESULT_COLUMNS = [
    ("model", "model", "model"),
    ("parameters", "parameters", "params"),
    ("train_seconds", "train s", "train s"),
    ("best_epoch", "best epoch", "best epoch"),
    ("dev_accuracy", "dev acc", "dev acc"),
    ("test_accuracy", "test acc", "test acc"),
    ("unseen_accuracy", "unseen acc (test)", "unseen acc"),
    ("tokens_per_second", "tokens/s", "tokens/s"),
    ("size", "size", "size"),
    ("peak_memory", "peak memory", "peak mem"),
    ("p_value", "McNemar p vs best", "p vs best"),
]
RESULT_HEADERS = [header for _, header, _ in RESULT_COLUMNS]
ACCURACY_KEYS = ("model", "best_epoch", "dev_accuracy", "test_accuracy", "unseen_accuracy", "p_value")
COST_KEYS = ("model", "parameters", "train_seconds", "tokens_per_second", "size", "peak_memory")


def result_cells(report: Report, short: bool = False) -> list[dict[str, str]]:
    """One dict per row, keyed like RESULT_COLUMNS."""
    rows = []
    for row in report.rows:
        train_seconds, best_epoch = row.train_seconds, row.best_epoch
        rows.append({
            "model": (row.name if short else model_label(row)) + (" ★" if row.best else ""),
            "parameters": number(row.parameters, spread=False),
            "train_seconds": number(train_seconds, 1 if train_seconds and train_seconds.mean < 10 else 0),
            "best_epoch": number(best_epoch, 1 if best_epoch and best_epoch.std else 0),
            "dev_accuracy": percent(row.dev_accuracy),
            "test_accuracy": percent(row.test_accuracy),
            "unseen_accuracy": percent(row.test_unseen_accuracy),
            "tokens_per_second": number(row.tokens_per_second),
            "size": size(row.size_bytes),
            "peak_memory": size(row.peak_rss_bytes),
            "p_value": "best" if row.best else p_value(row.p_value_vs_best),
        })
    return rows


def result_rows(report: Report) -> list[list[str]]:
    return [[cells[key] for key, _, _ in RESULT_COLUMNS] for cells in result_cells(report)]


SIGNIFICANCE_HEADERS = ["best vs", "seed", "only best right", "only other right", "test", "p", "Holm p",
                        "p < 0.05 (Holm)"]
SHORT_SIGNIFICANCE_HEADERS = ["best vs", "seed", "best only", "other only", "test", "p", "Holm p", "< 0.05"]


def significance_rows(report: Report) -> list[list[str]]:
    rows = []
    for entry in report.significance:
        for index, pair in enumerate(entry.pairs):
            first = index == 0
            verdict = MISSING if entry.significant_at_0_05 is None else ("yes" if entry.significant_at_0_05 else "no")
            rows.append([
                entry.row if first else "",
                MISSING if pair.seed is None else str(pair.seed),
                f"{pair.best_only_correct:,}",
                f"{pair.other_only_correct:,}",
                "exact" if pair.method.startswith("exact") else "χ² cc",
                p_value(pair.p_value),
                p_value(entry.holm_p_value) if first else "",
                verdict if first else "",
            ])
    return rows


def pairwise_rows(report: Report) -> list[list[str]]:
    pairwise = report.pairwise
    return [[first] + ["" if first == second else p_value(pairwise.p_values[first][second])
                       for second in pairwise.rows] for first in pairwise.rows]


def per_tag_headers(report: Report) -> list[str]:
    return ["tag", "support"] + [row.name for row in report.rows] + ["spread"]


def per_tag_rows(report: Report, top: int = TOP_TAGS) -> list[list[str]]:
    rows = []
    for entry in report.per_tag.tags[:top]:
        rows.append([entry.tag, f"{entry.support:,}"] + [f"{entry.f1[row.name]:.3f}" for row in report.rows]
                    + [f"{entry.spread:.3f}"])
    return rows


def run_rows(report: Report) -> list[list[str]]:
    rows = []
    for run in report.runs:
        neural = run.neural
        stopped = run.stopped_because or MISSING
        rows.append([run.run, f"`models/{run.run}`", "reused" if run.reused else "trained",
                     stopped if neural else MISSING, str(len(run.history)) if neural else MISSING,
                     str(run.best_epoch) if neural else MISSING, f"{run.train_seconds:,.1f}",
                     f"{run.test.accuracy:.2%}"])
    return rows


def seeds_note(report: Report) -> str:
    seeds = report.seeds
    if len(seeds) == 1:
        return (f"One seed ({seeds[0]}): one run per model, so no standard deviation is shown and run-to-run "
                f"variation is not measured; use --seeds 1,2,3 for mean ± sd.")
    return (f"{len(seeds)} seeds ({', '.join(map(str, seeds))}): mean ± sample standard deviation over the runs "
            f"(parameters, size and memory: mean).")


def ordering(report: Report) -> str:
    """Rows from the lowest to the highest mean test accuracy."""
    ranked = sorted(report.rows, key=lambda row: row.test_accuracy.mean)
    return " < ".join(row.name for row in ranked)


def summary(report: Report) -> str:
    best, corpus = report.best_row, report.corpus
    return (f"Best by mean dev accuracy: {best.name} (test accuracy {percent(best.test_accuracy)}) on "
            f"{corpus.name} ({corpus.tagset}). Test accuracy, lowest to highest: {ordering(report)}.")


# ---- Markdown -----------------------------------------------------------------------------------------

def _table(headers: list[str], rows: list[list[str]], right_from: int = 1) -> list[str]:
    def escape(cell: str) -> str:
        return cell.replace("|", "\\|")

    lines = ["| " + " | ".join(escape(h) for h in headers) + " |",
             "|" + "|".join("---" if i < right_from else "---:" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(escape(cell) for cell in row) + " |" for row in rows]
    return lines


def markdown(report: Report, top: int = TOP_TAGS) -> str:
    corpus, environment = report.corpus, report.environment
    lines = [f"# Tagger comparison: {corpus.name} ({corpus.tagset})", "", summary(report), "", seeds_note(report), ""]
    lines += _table(RESULT_HEADERS, result_rows(report))
    lines += [
        "",
        f"- Every model trained on the same data (fingerprint `{corpus.data_fingerprint[:19]}…`), splits, "
        + ("vocabulary" if len(report.vocabularies) == 1 else
           "vocabulary for the same vocabulary settings (see Data and settings)")
        + f" and seeds; ★ marks the best by {report.best_selected_by}.",
        "- *best epoch*: the epoch with the best dev accuracy, whose weights were kept (early stopping).",
        f"- *unseen acc*: accuracy on the {corpus.unseen_tokens['test']:,} test tokens that are unseen words "
        f"({corpus.unseen_definition}).",
        f"- *tokens/s*: {environment.speed_method}.",
        f"- *peak memory*: {environment.memory_method}.",
        "- *size*: bytes on disk of the saved model directory (baselines: their JSON model).",
        "- *parameters*: trainable and non-trainable weights; baselines: stored word-tag entries (most-frequent) "
        "or feature-tag weights (perceptron).",
        "- *McNemar p*: the best model against this row on the test tokens (next table); with several seeds the "
        "largest p over the seeds.",
        "",
        "## Significance: McNemar's test on the test set",
        "",
        "Per token, is each model right? Only the tokens where exactly one of the two is right count. "
        "Exact binomial test when those are 25 or fewer, otherwise chi-square with continuity correction (χ² cc); "
        "two-sided. Holm's correction over the comparisons with the best model.",
        "",
    ]
    lines += _table(SIGNIFICANCE_HEADERS, significance_rows(report), right_from=2)
    if len(report.pairwise.rows) > 2:
        lines += ["", "Every pair of models (McNemar p on the test tokens, largest over seeds, uncorrected):", ""]
        lines += _table([""] + report.pairwise.rows, pairwise_rows(report))
    lines += [
        "",
        f"## Where the models differ most: test F1 per tag (top {min(top, len(report.per_tag.tags))})",
        "",
        f"Sorted by the spread (highest minus lowest F1) over {', '.join(report.per_tag.spread_over)}; mean over "
        "seeds.",
        "",
    ]
    lines += _table(per_tag_headers(report), per_tag_rows(report, top))
    lines += ["", "## Learning curves", "", f"![Learning curves]({report.files.chart})", ""]
    lines += ["## Data and settings", ""]
    lines += _table(["split", "sentences", "tokens"],
                    [[split, f"{size.sentences:,}", f"{size.tokens:,}"] for split, size in corpus.splits.items()])
    lines += ["", f"Data: {corpus.source}, tagset {corpus.tagset}, fingerprint `{corpus.data_fingerprint}`.", ""]
    for vocabulary in report.vocabularies:
        lines.append(f"- Vocabulary `{vocabulary.file}` (min_count {vocabulary.min_count}, "
                     f"{'lowercased' if vocabulary.lowercase else 'cased'}): {vocabulary.words:,} words, "
                     f"{vocabulary.characters:,} characters, {vocabulary.tags} tags; used by "
                     f"{', '.join(vocabulary.variants)}.")
    for row in report.rows:
        lines.append(f"- **{row.name}**: {row.description}; models: "
                     f"{', '.join(f'`models/{run}`' for run in row.runs)}"
                     + (f" ({row.reused} reused from an earlier run)" if row.reused else "") + ".")
    lines += ["", "Runs:", ""]
    lines += _table(["run", "model directory", "this time", "stopped because", "epochs trained", "best epoch",
                     "train s", "test acc"], run_rows(report), right_from=4)
    versions = ", ".join(f"{name} {getattr(environment, name)}" for name in ("python", "tensorflow", "keras", "nltk")
                         if getattr(environment, name))
    lines += ["", f"Machine: {environment.device or MISSING}; {environment.platform}; {versions}."]
    if report.command:
        lines += ["", f"Command: `{report.command}`"]
    lines += ["", f"Created {report.created} by postag compare.", ""]
    return "\n".join(lines)


# ---- the chart ----------------------------------------------------------------------------------------

def draw_learning_curves(report: Report, path: str | Path) -> Path:
    """Dev accuracy and training loss per epoch, a line per variant (mean over seeds); baselines as levels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    path = Path(path)
    corpus = report.corpus
    figure = Figure(figsize=(12, 5.2), dpi=110)
    FigureCanvasAgg(figure)
    accuracy_axes, loss_axes = figure.subplots(1, 2)
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
    curves = report.learning_curves
    for index, (name, curve) in enumerate(curves.items()):
        color = colors[index % len(colors)]
        epochs = [point.epoch for point in curve]
        dev = [None if point.dev_accuracy is None else 100 * point.dev_accuracy for point in curve]
        accuracy_axes.plot(epochs, dev, marker="o", markersize=4, color=color, label=name)
        loss_axes.plot(epochs, [point.train_loss for point in curve], marker="o", markersize=4, color=color)
        known = [(value, epoch) for value, epoch in zip(dev, epochs) if value is not None]
        if known:
            best_value, best_epoch = max(known)
            accuracy_axes.plot([best_epoch], [best_value], marker="*", markersize=13, color=color,
                               markeredgecolor="black", linestyle="none")
    styles = {"most-frequent": ":", "perceptron": "--"}
    for row in report.rows:
        if not row.neural:
            accuracy_axes.axhline(100 * row.dev_accuracy.mean, color="0.45", linewidth=1.3,
                                  linestyle=styles.get(row.name, "-."), label=f"{row.name} (baseline)")
    accuracy_axes.set_title("Dev accuracy per epoch (★ highest)")
    accuracy_axes.set_xlabel("epoch")
    accuracy_axes.set_ylabel("dev accuracy (%)")
    loss_axes.set_title("Training loss per epoch")
    loss_axes.set_xlabel("epoch")
    loss_axes.set_ylabel("training loss (cross-entropy per token)")
    losses = [point.train_loss for curve in curves.values() for point in curve if point.train_loss > 0]
    if losses and max(losses) / min(losses) > 20:
        loss_axes.set_yscale("log")
    last_epoch = max((point.epoch for curve in curves.values() for point in curve), default=1)
    for axes in (accuracy_axes, loss_axes):
        # Whole epochs only, with room around a lone first epoch (matplotlib would label 0.95 ... 1.05).
        axes.set_xlim(0.5, last_epoch + 0.5)
        if last_epoch <= 20:
            axes.set_xticks(range(1, last_epoch + 1))
        else:
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(True, alpha=0.3)
    handles, labels = accuracy_axes.get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), frameon=False)
    seeds = len(report.seeds)
    seeds_text = f"mean over {seeds} seeds" if seeds > 1 else f"one seed ({report.seeds[0]})"
    figure.suptitle(f"Learning curves: {corpus.name} ({corpus.tagset}), {seeds_text}", fontsize=13)
    figure.tight_layout(rect=(0, 0.08, 1, 0.95))
    image = io.BytesIO()
    figure.savefig(image, format="png")
    write_atomically(path, image.getvalue())
    return path
