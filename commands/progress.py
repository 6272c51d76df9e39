"""The one progress display of the command line, and how each pipeline's progress events read on it.

A pipeline reports progress by calling back with its own event type (it prints nothing). A reader turns an
event into bars to draw and lines to say; `ProgressDisplay` draws them with Rich on stderr, starting only
when the first event arrives, so a command that fails while reading its data leaves no empty bar behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .terminal import err_console, text


@dataclass
class Bar:
    """One bar's state: `key` names it; a new key adds a bar below the others."""

    key: str
    description: str
    completed: float = 0
    total: float | None = None  # None: not known yet
    status: str = ""
    finished: bool = False  # remove the bar (what it did was said in a line)


Reader = Callable[[object], Iterable["Bar | str"]]


class ProgressDisplay:
    """Rich progress bars on stderr, fed by a pipeline's callback through a reader.

    `counts`: how a bar's numbers read: "steps" (done/total), "percent", or "bytes" (with time left).
    `transient`: the bars vanish when the command ends (the lines said stay). `show=False`: draw nothing.
    """

    def __init__(self, reader: Reader, counts: str = "steps", transient: bool = False, show: bool = True):
        self.reader, self.counts, self.transient, self.show = reader, counts, transient, show
        self.progress = None
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        return self

    def _start(self):
        from rich import progress as rich

        amount = {"steps": rich.MofNCompleteColumn, "percent": rich.TaskProgressColumn,
                  "bytes": rich.DownloadColumn}[self.counts]
        clock = rich.TimeRemainingColumn() if self.counts == "bytes" else rich.TimeElapsedColumn()
        self.progress = rich.Progress(rich.TextColumn("[bold]{task.description}"), rich.BarColumn(), amount(),
                                      rich.TextColumn("{task.fields[status]}"), clock, console=err_console,
                                      transient=self.transient)
        self.progress.start()

    def update(self, event) -> None:
        if not self.show:
            return
        for item in self.reader(event):
            if self.progress is None:
                self._start()
            if isinstance(item, str):
                self.progress.console.print(text(item), soft_wrap=True)
            elif item.finished:
                if item.key in self.tasks:
                    self.progress.remove_task(self.tasks.pop(item.key))
            elif item.key not in self.tasks:
                self.tasks[item.key] = self.progress.add_task(item.description, total=item.total,
                                                              completed=item.completed, status=item.status)
            else:
                self.progress.update(self.tasks[item.key], description=item.description, total=item.total,
                                     completed=item.completed, status=item.status)

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.stop()
        return False


# ---- readers: one per pipeline's event type ----------------------------------------------------------------

def _loss(loss: float | None, digits: int = 4) -> str:
    return "" if loss is None else f"loss {loss:.{digits}f}"


class TrainingReader:
    """pipelines.training (taggers and tokenizers): a bar per epoch over its batches, then its dev score."""

    def __init__(self, score_name: str = "dev accuracy"):
        self.score_name = score_name
        self.batches: dict[int, int] = {}

    def __call__(self, event) -> list[Bar]:
        key = f"epoch {event.epoch}"
        if event.kind == "batch":
            self.batches[event.epoch] = event.batches
            return [Bar(key, f"epoch {event.epoch}/{event.epochs}", event.batch, event.batches,
                        _loss(event.loss) or "loss …")]
        if event.kind == "epoch" and event.epoch in self.batches:
            record = event.record
            dev = "" if record.dev_accuracy is None else f" {self.score_name} {record.dev_accuracy:.2%}"
            total = self.batches[event.epoch]
            return [Bar(key, f"epoch {event.epoch}/{event.epochs}{dev}", total, total, _loss(record.train_loss))]
        return []


def tag_reader(event) -> list[Bar]:
    """pipelines.tagging.stream: bytes read of the total, with the speed in tokens/s."""
    speed = f"{event.tokens / event.seconds:,.0f} tokens/s" if event.seconds > 0 else ""
    return [Bar("tag", "tagging", event.bytes_done, event.bytes_total, speed)]


class CompareReader:
    """pipelines.compare: runs done of all, and the current run's epoch and batches; a line per finished run."""

    def __init__(self):
        self.best_dev: float | None = None
        self.total = None

    def __call__(self, event) -> list[Bar | str]:
        kind = event.kind
        if kind == "plan":
            said = {"resume": ["resuming: models that finished training are reused"],
                    "replace": ["replacing the comparison in the output folder (--force)"]}.get(event.message, [])
            self.total = event.total
            return [*said, Bar("comparison", "comparison", 0, event.total)]
        if kind == "run-start":
            self.best_dev = None
            return [Bar("run", event.run, 0, None, "starting")]
        if kind == "reuse":
            return [Bar("run", event.run, 0, None, "reusing the trained model")]
        if kind == "train-start":
            return [Bar("run", event.run, 0, None, f"training ({event.message})")]
        if kind in ("training", "batch"):
            best = "" if self.best_dev is None else f", best dev {self.best_dev:.2%}"
            return [Bar("run", f"{event.run} epoch {max(event.epoch, 1)}/{event.epochs}", event.batch,
                        event.batches or None, f"{_loss(event.loss)}{best}")]
        if kind == "epoch" and event.dev_accuracy is not None:
            self.best_dev = max(self.best_dev or 0.0, event.dev_accuracy)
        elif kind == "scoring":
            return [Bar("run", event.run, 0, None, "tagging dev and test")]
        elif kind == "run-done":
            how = "reused" if event.message == "reused" else "trained"
            best = "" if self.best_dev is None or how == "reused" else f", best dev accuracy {self.best_dev:.2%}"
            return [Bar("run", event.run, finished=True), f"[{event.index}/{event.total}] {event.run}: {how}{best}",
                    Bar("comparison", "comparison", event.index, event.total)]
        elif kind == "report":
            return [Bar("comparison", "comparison", self.total or 0, self.total, "writing the report")]
        return []


def embeddings_reader(event) -> list[Bar | str]:
    """pipelines.pretraining.embeddings: a line per source read, then skip-gram's tokens done of tokens x epochs."""
    if event.stage == "read":
        return [f"reading {event.source} ({event.index + 1}/{event.sources})"]
    return [Bar("skip-gram", "skip-gram", event.tokens_done, event.tokens_total,
                f"epoch {event.epoch}/{event.epochs} {_loss(event.loss)}".rstrip())]


class BuildReader:
    """pipelines.models.shipped: the recipe's pretraining (skip-gram vectors), then its training."""

    def __init__(self):
        self.training = TrainingReader()

    def __call__(self, event) -> list[Bar | str]:
        from pipelines.pretraining.embeddings import EmbeddingsProgress

        return embeddings_reader(event) if isinstance(event, EmbeddingsProgress) else self.training(event)


def charlm_reader(event) -> list[Bar | str]:
    """pipelines.pretraining.charlm: a line per source read, then batches done of batches x epochs."""
    if event.stage == "read":
        return [f"reading {event.source} ({event.index}/{event.sources})"]
    return [Bar("charlm", "character LM", (event.epoch - 1) * event.batches + event.batch,
                event.batches * event.epochs, f"epoch {event.epoch}/{event.epochs} {_loss(event.loss, 3)}".rstrip())]


def mnist_reader(event) -> list[Bar]:
    """pipelines.sanity.mnist: a bar per gradient-descent mode over its updates."""
    status = f"epoch {event.epoch}/{event.epochs} {_loss(event.loss)}".rstrip()
    return [Bar(event.mode, event.mode, (event.epoch - 1) * event.steps_per_epoch + event.step,
                event.epochs * event.steps_per_epoch, status)]


def reading_status(source, index: int, count: int) -> None:
    """'reading SOURCE (i/n)' on stderr while the vocabulary pipeline reads its sources."""
    err_console.print(text(f"reading {source.describe()} ({index + 1}/{count})"))


def silver_reader(event) -> list[Bar | str]:
    """pipelines.training.silver: words kept of the words asked for, with how many sentences were tagged."""
    return [Bar("silver", "silver", event.tokens, event.max_tokens,
                f"{event.kept:,} of {event.read:,} sentences agreed")]
