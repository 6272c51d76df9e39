"""The `postag` command line: parse options, call one pipeline, render the result with Rich.

No logic lives here. TensorFlow is imported only inside the commands that need it, so `postag --help`
and `postag corpora list` stay fast.
"""

from __future__ import annotations

import functools
import sys

import typer
from rich.console import Console

app = typer.Typer(
    name="postag",
    help="Part-of-speech tagging: tag text files, train taggers on your corpora, compare architectures.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
corpora_app = typer.Typer(help="Named corpora: list, inspect, download.", no_args_is_help=True)
sanity_app = typer.Typer(help="Sanity checks of the deep-learning block and of the TensorFlow install.",
                         no_args_is_help=True)
app.add_typer(corpora_app, name="corpora")
app.add_typer(sanity_app, name="sanity")

console = Console()
err_console = Console(stderr=True)

USAGE_EXIT = 2  # bad input from the user: a corpus line, a missing file or model, an unknown option value


def _user_error_types() -> tuple[type[BaseException], ...]:
    from corpora import CorpusError

    types: list[type[BaseException]] = [CorpusError]
    if "tagger" in sys.modules:  # only when the command already needed TensorFlow
        from tagger import ConfigError, ModelError

        types += [ModelError, ConfigError]
    from pipelines.errors import PipelineError

    types.append(PipelineError)
    return tuple(types)


def user_errors(command):
    """Turn a user mistake into one line on stderr and exit code 2; a bug still shows its traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None
        except Exception as error:
            if isinstance(error, _user_error_types()):
                err_console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
                raise typer.Exit(USAGE_EXIT) from None
            raise

    return wrapper


@sanity_app.command("mnist")
@user_errors
def sanity_mnist(
    data_dir: str = typer.Option(None, "--data-dir", help="Folder with the MNIST IDX files (.gz or not); "
                                 "default: keras.datasets.mnist (downloads once)."),
    train_size: int = typer.Option(10_000, "--train-size", help="Training examples (the first N)."),
    epochs: int = typer.Option(10, "--epochs", help="Passes over the training examples."),
    batch_size: int = typer.Option(64, "--batch-size", help="Examples per update in minibatch mode."),
    mode: str = typer.Option("minibatch", "--mode", help="batch (all examples per update), sgd (one) "
                             "or minibatch (--batch-size)."),
    learning_rate: float = typer.Option(None, "--learning-rate", "--lr",
                                        help="Step size (default by mode: batch 0.2, sgd 0.001, minibatch 0.05)."),
    compare: bool = typer.Option(False, "--compare-modes", help="Train all three modes for the same examples "
                                 "seen and print a table; --min-accuracy then applies to --mode."),
    min_accuracy: float = typer.Option(0.95, "--min-accuracy", help="Exit 1 when test accuracy is below this."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed repeats the same run."),
) -> None:
    """Train the tutorial's fully connected network on MNIST: checks TensorFlow and the dense block.

    Exit code 0 when test accuracy reaches --min-accuracy, 1 when it does not, 2 on bad input.
    """
    from pipelines import mnist_sanity
    from pipelines.errors import PipelineError

    if not 0.0 <= min_accuracy <= 1.0:
        raise PipelineError(f"--min-accuracy must be between 0 and 1, got {min_accuracy}")
    if compare and learning_rate is not None:
        raise PipelineError("--learning-rate sets one mode's step size; --compare-modes uses each mode's default")
    mnist_sanity.check_options(mode, epochs, batch_size, learning_rate)
    console.print(f"{mnist_sanity.framework_versions()} on [bold]{mnist_sanity.describe_device()}[/bold]",
                  highlight=False, soft_wrap=True)
    with _MnistProgress() as display:
        if compare:
            results = mnist_sanity.compare_modes(data_dir, train_size, epochs, batch_size, seed,
                                                 progress=display.update)
            checked = next(result for result in results if result.mode == mode)
        else:
            checked = mnist_sanity.run_sanity(data_dir, train_size, epochs, batch_size, mode, learning_rate, seed,
                                              progress=display.update)
            results = [checked]
    console.print(f"data: {checked.split}", highlight=False, soft_wrap=True)
    console.print(f"model: {checked.architecture} (LeCun normal initialisation), cross-entropy loss, "
                  f"gradient descent with momentum {mnist_sanity.MOMENTUM}", highlight=False, soft_wrap=True)
    if compare:
        _print_mode_comparison(results)
    else:
        console.print(f"training: {checked.train_size:,} examples x {checked.epochs} epochs, "
                      f"{mnist_sanity.MODE_NAMES[checked.mode]} gradient descent ({checked.batch_size:,} per update), "
                      f"learning rate {checked.learning_rate:g}, {checked.updates:,} updates",
                      highlight=False, soft_wrap=True)
    verdict = (f"test accuracy {checked.accuracy:.2%} ({checked.correct:,}/{checked.test_size:,}) in "
               f"{checked.seconds:.1f} s (+{checked.load_seconds:.1f} s loading data)")
    if checked.accuracy < min_accuracy:
        console.print(verdict, highlight=False, soft_wrap=True)
        err_console.print(f"[red]FAILED:[/red] {checked.mode} test accuracy {checked.accuracy:.2%} is below "
                          f"--min-accuracy {min_accuracy:.2%}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"[green]OK[/green] {verdict}, at least {min_accuracy:.2%}", highlight=False, soft_wrap=True)


class _MnistProgress:
    """One Rich progress bar per training run, fed by the MNIST pipeline's callback (on stderr)."""

    def __enter__(self):
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
                                 TextColumn("{task.fields[status]}"), TimeElapsedColumn(),
                                 console=err_console)
        self.progress.__enter__()
        self.tasks: dict[str, int] = {}
        return self

    def update(self, event) -> None:
        if event.mode not in self.tasks:
            self.tasks[event.mode] = self.progress.add_task(event.mode, total=event.epochs * event.steps_per_epoch,
                                                            status="")
        status = f"epoch {event.epoch}/{event.epochs}"
        if event.loss is not None:
            status += f" loss {event.loss:.4f}"
        self.progress.update(self.tasks[event.mode], status=status,
                             completed=(event.epoch - 1) * event.steps_per_epoch + event.step)

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)


def _print_mode_comparison(results) -> None:
    from rich.table import Table

    from pipelines.mnist_sanity import MODE_NAMES

    first = results[0]
    epochs = f"{first.epochs} epoch{'' if first.epochs == 1 else 's'}"
    table = Table(title=f"Gradient descent modes, {first.examples_seen:,} examples seen each "
                        f"({first.train_size:,} x {epochs})")
    for column in ("mode", "per update", "updates", "learning rate", "test accuracy", "seconds"):
        table.add_column(column, justify="left" if column == "mode" else "right")
    for result in results:
        table.add_row(MODE_NAMES[result.mode], f"{result.batch_size:,}", f"{result.updates:,}",
                      f"{result.learning_rate:g}", f"{result.accuracy:.2%}", f"{result.seconds:.1f}")
    console.print(table)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
