"""Options that several commands share, declared once: the same flag means the same thing in every command.

Groups: where data comes from (a named corpus, or --train/--dev/--test files and how to read them), how long
and how to train (--epochs, --seed, --max-seconds, --set), and what to print (--json).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# ---- where the data comes from ---------------------------------------------------------------------------

CorpusName = Annotated[str | None, typer.Option("--corpus", "-c", help="Named corpus, e.g. ud:en_ewt.")]
TrainFile = Annotated[Path | None, typer.Option("--train", help="Training file (CoNLL-U, word/TAG lines or "
                                                 "columns).")]
DevFile = Annotated[Path | None, typer.Option("--dev", help="Development file: early stopping, the best epoch.")]
TestFile = Annotated[Path | None, typer.Option("--test", help="Test file, scored after training.")]
FileFormat = Annotated[str, typer.Option("--format", help="Format of the files: auto, conllu, wordtag, columns.")]
Tagset = Annotated[str | None, typer.Option("--tagset", "-t", help="upos (default) or xpos for CoNLL-U and UD; "
                                            "native (default) or universal for NLTK.")]
Split = Annotated[str | None, typer.Option("--split", help="Cut dev/test off a lone --train file: 90/10 or "
                                           "80/10/10.")]
Separator = Annotated[str | None, typer.Option("--separator", help="Between word and tag in word/TAG files "
                                               "(default /).")]
WordColumn = Annotated[int | None, typer.Option("--word-column", help="Column files: the word's column (from 1).")]
TagColumn = Annotated[int | None, typer.Option("--tag-column", help="Column files: the tag's column (from 1).")]

SOURCES_HELP = ("Corpus names (their train split; nltk:brown:all or ud:en_ewt:train,dev for others) or files "
                "(CoNLL-U, or raw text split by the `postag tag` tokenizer).")
Sources = Annotated[list[str], typer.Argument(help=SOURCES_HELP)]
SourceFormat = Annotated[str, typer.Option("--format", help="How to read files: auto, conllu, wordtag, columns, "
                                           "text.")]

# ---- models --------------------------------------------------------------------------------------------------

ModelName = Annotated[str | None, typer.Option("--model", "-m", help="A shipped model's name or a model directory "
                                               "(default: $POSTAG_MODEL, else en_ewt).")]

# ---- how to train --------------------------------------------------------------------------------------------

Epochs = Annotated[int | None, typer.Option("--epochs", help="Most epochs to train (early stopping may end "
                                            "sooner).")]
Seed = Annotated[int | None, typer.Option("--seed", help="Random seed: the same seed repeats the same run.")]
MaxSeconds = Annotated[float | None, typer.Option("--max-seconds", help="Stop after this many seconds; keep the "
                                                  "best.")]
Settings = Annotated[list[str], typer.Option("--set", help="A config field, KEY=VALUE (repeatable).")]

# ---- what to print -------------------------------------------------------------------------------------------

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def option(flag: str, help: str, *names: str):
    """typer.Option with its help first: `Annotated[int, option("--top", "How many to show.")] = 10`."""
    return typer.Option(flag, *names, help=help)


def parse_settings(settings: list[str]) -> dict[str, str]:
    """--set KEY=VALUE items as a dict (the config checks the keys and values)."""
    parsed = {}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"--set expects KEY=VALUE, got {item!r}")
        parsed[key.strip()] = value.strip()
    return parsed


def given(**options) -> dict:
    """The options the user set (not None), e.g. to override a config's fields."""
    return {key: value for key, value in options.items() if value is not None}
