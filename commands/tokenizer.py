"""`postag tokenizer train|attach|relearn`: the trained tokenizer and sentence splitter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from common.extras import require_training_stack

from . import render
from .options import Epochs, MaxSeconds, Seed, Settings, given, parse_settings
from .progress import ProgressDisplay, TrainingReader
from .terminal import command_line, console, say, training_interrupted, user_errors

app = typer.Typer(help="Trained tokenizers: train one on raw text with gold tokens, attach it to a tagger.",
                  no_args_is_help=True)


@app.command("train")
@user_errors
def tokenizer_train(
    context: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="Tokenizer directory to write (replaced "
                                         "atomically).")],
    corpus: Annotated[str | None, typer.Option("--corpus", "-c", help="A UD treebank, e.g. ud:en_ewt.")] = None,
    train_file: Annotated[Path | None, typer.Option("--train", help="Training file: CoNLL-U (its text is rebuilt "
                                                    "from the tokens and SpaceAfter, as UD's conllu_to_text.pl "
                                                    "does).")] = None,
    dev_file: Annotated[Path | None, typer.Option("--dev", help="Development CoNLL-U file, for early "
                                                  "stopping.")] = None,
    test_file: Annotated[Path | None, typer.Option("--test", help="Test CoNLL-U file, scored after training.")]
    = None,
    epochs: Epochs = None,
    seed: Seed = None,
    max_seconds: MaxSeconds = None,
    settings: Settings = [],  # noqa: B006 (typer copies it)
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Train a tokenizer and sentence splitter on gold raw text and save it as a directory."""
    require_training_stack()
    from pipelines.training.tokenizer import load_tokenizer_data, train_tokenizer
    from tagger import TokenizerConfig

    config = TokenizerConfig().replace(**given(epochs=epochs, seed=seed, max_seconds=max_seconds))
    config = config.with_settings(parse_settings(settings))
    data = load_tokenizer_data(corpus, train_file, dev_file, test_file)
    with ProgressDisplay(TrainingReader(score_name="dev F1 (tokens+sentences)/2")) as display:
        result = train_tokenizer(data, config, output=output, progress=display.update,
                                 metadata={"command": command_line(context)})
    if result.interrupted:
        training_interrupted(result, output)
    if as_json:
        console.print_json(json.dumps(result.metrics))
        return
    render.tokenizer_summary(result, output)


@app.command("attach")
@user_errors
def tokenizer_attach(
    tokenizer: Annotated[Path, typer.Argument(help="A tokenizer directory (from `postag tokenizer train`).")],
    model: Annotated[Path, typer.Argument(help="A tagger's model directory: the tokenizer goes into its "
                                          "tokenizer/.")],
) -> None:
    """Give a tagger a trained tokenizer: copy it into the model directory (atomically, checksums rewritten)."""
    from tagger.tokenizer import attach_tokenizer

    attach_tokenizer(tokenizer, model)
    say(f"{model}: tokenizer/ is now {tokenizer}; raw text given to this model is split by it")


@app.command("relearn")
@user_errors
def tokenizer_relearn(
    tokenizer: Annotated[Path, typer.Argument(help="A tokenizer directory with its weights (from `postag tokenizer "
                                              "train`).")],
    corpus: Annotated[str | None, typer.Option("--corpus", "-c", help="The UD treebank it was trained on, e.g. "
                                               "ud:en_ewt.")] = None,
    train_file: Annotated[Path | None, typer.Option("--train", help="Or its training file (CoNLL-U).")] = None,
    dev_file: Annotated[Path | None, typer.Option("--dev", help="Development CoNLL-U file, scored.")] = None,
    test_file: Annotated[Path | None, typer.Option("--test", help="Test CoNLL-U file, scored.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where to write the tokenizer (default: "
                                                "in place; replaced atomically).")] = None,
) -> None:
    """Learn a trained tokenizer's token memory and sentence classifier again, its network unchanged.

    The memory lays the boundaries the training tokens settle over the network's (`Inc` `.` joined into
    `Inc.`, `?"` cut into `?` `"`); the sentence classifier decides the sentence ends the network is unsure of
    from the words around them. `postag tokenizer train` learns both; this gives them to a tokenizer trained
    before they existed. Dev and test are scored with the network alone, with the memory, and with both.
    """
    from pipelines.training.tokenizer import load_tokenizer_data, relearn_tables

    data = load_tokenizer_data(corpus, train_file, dev_file, test_file)
    metrics = relearn_tables(tokenizer, data, output)
    render.tokenizer_relearned(metrics, output or tokenizer)
