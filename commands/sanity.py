"""`postag sanity mnist`: the deep-learning block on MNIST, which also tells a user that TensorFlow works."""

from __future__ import annotations

from typing import Annotated

import typer

from common.extras import require_training_stack

from . import render
from .progress import ProgressDisplay, mnist_reader
from .terminal import console, err_console, user_errors

app = typer.Typer(help="Sanity checks of the deep-learning block and of the TensorFlow install.",
                  no_args_is_help=True)


def _say(message: str) -> None:
    console.print(message, highlight=False, soft_wrap=True)


@app.command("mnist")
@user_errors
def sanity_mnist(
    data_dir: Annotated[str | None, typer.Option("--data-dir", help="Folder with the MNIST IDX files (.gz or not); "
                                                 "default: keras.datasets.mnist (downloads once).")] = None,
    train_size: Annotated[int, typer.Option("--train-size", help="Training examples (the first N).")] = 10_000,
    epochs: Annotated[int, typer.Option("--epochs", help="Passes over the training examples.")] = 10,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Examples per update in minibatch mode.")] = 64,
    mode: Annotated[str, typer.Option("--mode", help="batch (all examples per update), sgd (one) or minibatch "
                                      "(--batch-size).")] = "minibatch",
    learning_rate: Annotated[float | None, typer.Option("--learning-rate", "--lr", help="Step size (default by "
                                                        "mode: batch 0.2, sgd 0.001, minibatch 0.05).")] = None,
    compare: Annotated[bool, typer.Option("--compare-modes", help="Train all three modes for the same examples "
                                          "seen and print a table; --min-accuracy then applies to --mode.")] = False,
    min_accuracy: Annotated[float, typer.Option("--min-accuracy", help="Exit 1 when test accuracy is below "
                                                "this.")] = 0.95,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed repeats the same run.")] = 0,
) -> None:
    """Train the tutorial's fully connected network on MNIST: checks TensorFlow and the dense block.

    Exit code 0 when test accuracy reaches --min-accuracy, 1 when it does not, 2 on bad input.
    """
    require_training_stack()
    from pipelines.errors import PipelineError
    from pipelines.sanity import mnist as mnist_sanity

    if not 0.0 <= min_accuracy <= 1.0:
        raise PipelineError(f"--min-accuracy must be between 0 and 1, got {min_accuracy}")
    if compare and learning_rate is not None:
        raise PipelineError("--learning-rate sets one mode's step size; --compare-modes uses each mode's default")
    mnist_sanity.check_options(mode, epochs, batch_size, learning_rate)
    _say(f"{mnist_sanity.framework_versions()} on [bold]{mnist_sanity.describe_device()}[/bold]")
    with ProgressDisplay(mnist_reader, counts="percent") as display:
        if compare:
            results = mnist_sanity.compare_modes(data_dir, train_size, epochs, batch_size, seed,
                                                 progress=display.update)
            checked = next(result for result in results if result.mode == mode)
        else:
            checked = mnist_sanity.run_sanity(data_dir, train_size, epochs, batch_size, mode, learning_rate, seed,
                                              progress=display.update)
            results = [checked]
    _say(f"data: {checked.split}")
    _say(f"model: {checked.architecture} (LeCun normal initialisation), cross-entropy loss, gradient descent with "
         f"momentum {mnist_sanity.MOMENTUM}")
    if compare:
        render.mnist_modes(results)
    else:
        _say(f"training: {checked.train_size:,} examples x {checked.epochs} epochs, "
             f"{mnist_sanity.MODE_NAMES[checked.mode]} gradient descent ({checked.batch_size:,} per update), "
             f"learning rate {checked.learning_rate:g}, {checked.updates:,} updates")
    verdict = (f"test accuracy {checked.accuracy:.2%} ({checked.correct:,}/{checked.test_size:,}) in "
               f"{checked.seconds:.1f} s (+{checked.load_seconds:.1f} s loading data)")
    if checked.accuracy < min_accuracy:
        _say(verdict)
        err_console.print(f"[red]FAILED:[/red] {checked.mode} test accuracy {checked.accuracy:.2%} is below "
                          f"--min-accuracy {min_accuracy:.2%}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    _say(f"[green]OK[/green] {verdict}, at least {min_accuracy:.2%}")
