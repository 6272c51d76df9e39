"""`postag models list|info|build|upgrade`: the shipped models and model directories (list and info need no
TensorFlow)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from common.extras import require_training_stack

from . import render
from .options import AsJson
from .progress import BuildReader, ProgressDisplay
from .terminal import print_json, say, user_errors

app = typer.Typer(help="Models: the shipped ones and your model directories.", no_args_is_help=True)


def _without_card(info) -> dict:
    return {key: value for key, value in vars(info).items() if key != "card"}


@app.command("list")
@user_errors
def models_list(
    models: Annotated[list[str] | None, typer.Argument(help="Model directories to show beside the shipped models.")]
    = None,
    as_json: AsJson = False,
) -> None:
    """The shipped models (usable by name, offline) and any model directories given."""
    from tagger import default_model, list_models

    infos = list_models(list(models or []))
    if as_json:
        print_json([_without_card(info) for info in infos])
        return
    render.models_table(infos, default_model())


@app.command("info")
@user_errors
def models_info(
    model: Annotated[str, typer.Argument(help="A shipped model's name (en_ewt) or a model directory.")],
    as_json: AsJson = False,
) -> None:
    """What a model is: data, scores, tag set, size, licence, and its model card."""
    from tagger import model_info

    info = model_info(model)
    if as_json:
        print_json(_without_card(info))
        return
    render.model_details(info)


@app.command("build")
@user_errors
def models_build(
    name: Annotated[str, typer.Argument(help="The shipped model to rebuild: en_ewt.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of the package's own "
                                                "tagger/pretrained/NAME (replaced atomically).")] = None,
    max_seconds: Annotated[float, typer.Option("--max-seconds", help="Stop each training run (teachers, the "
                                               "model) after this long (0: the recipe's own stopping).")] = 0.0,
    trained: Annotated[Path | None, typer.Option("--trained", help="A tagger directory already trained by this "
                                                 "recipe (checked; a distilled recipe's student): package it "
                                                 "instead of training again.")] = None,
    trained_tokenizer: Annotated[Path | None, typer.Option("--trained-tokenizer", help="A tokenizer directory "
                                                           "already trained on the recipe's corpus: package it "
                                                           "instead of training.")] = None,
) -> None:
    """Rebuild a shipped model from its recipe: train (a distilled recipe's teachers and silver data first),
    quantize, score, write the model card (needs the corpus)."""
    require_training_stack()
    from pipelines.models.shipped import build

    with ProgressDisplay(BuildReader()) as display:
        result = build(name, output, max_seconds=max_seconds, progress=display.update, trained=trained,
                       trained_tokenizer=trained_tokenizer)
    test = result.metrics.get("test") or {}
    say(f"{result.output}: {result.size_bytes / 1e6:.1f} MB, test accuracy {test.get('accuracy', 0):.2%}, "
        f"{result.seconds / 60:.0f} min")


@app.command("upgrade")
@user_errors
def models_upgrade(
    directory: Annotated[Path, typer.Argument(help="A model directory saved by an earlier postag.")],
) -> None:
    """Bring a model directory saved by an earlier postag up to date: export its inference graph again from its
    weights (needs postag[train]). Loading never changes a directory; this does, atomically."""
    require_training_stack()
    from pipelines.models.upgrade import upgrade_model

    result = upgrade_model(directory)
    say(f"{result.directory}: {'upgraded (' + result.reason + ')' if result.upgraded else result.reason}")
