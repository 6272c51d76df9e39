"""`postag corpora list|info|download|stats`: the named corpora and any corpus file (no TensorFlow)."""

from __future__ import annotations

from typing import Annotated

import typer

from . import render
from .options import AsJson, FileFormat, Separator, Split, TagColumn, Tagset, WordColumn, given
from .terminal import err_console, print_json, say, text, user_errors

app = typer.Typer(help="Named corpora: list, inspect, download.", no_args_is_help=True)


@app.command("list")
@user_errors
def corpora_list(as_json: AsJson = False) -> None:
    """Named corpora: whether each is present locally, its size and license."""
    from corpora import data_dir
    from pipelines.corpus_stats import list_corpora

    entries = list_corpora()
    if as_json:
        print_json(entries)
        return
    render.corpora_table(entries, data_dir())


@app.command("info")
@user_errors
def corpora_info(
    name: Annotated[str, typer.Argument(help="A corpus name: ud:en_ewt, ud:de_gsd@2.15, nltk:brown, ...")],
    tagset: Tagset = None,
    as_json: AsJson = False,
) -> None:
    """Source, license, splits and sentences/tokens per split of a named corpus."""
    from pipelines.corpus_stats import corpus_info

    info = corpus_info(name, tagset)
    if as_json:
        print_json(info)
        return
    render.corpus_info(info)


@app.command("download")
@user_errors
def corpora_download(
    name: Annotated[str, typer.Argument(help="A corpus name: ud:en_gum, ud:de_gsd@2.15, nltk:brown, ...")],
) -> None:
    """Download a named corpus (UD: into POSTAG_DATA_DIR, verified; NLTK: with nltk.download)."""
    from pipelines.corpus_stats import download

    def progress(file_name: str, done: int, total: int | None) -> None:
        if total and done == total:
            err_console.print(text(f"  {file_name}: {done / 1e6:.1f} MB"))

    for path in download(name, progress):
        say(str(path))
    # UD files are checked against their SHA-256; NLTK packages carry no checksum to check.
    say(f"{name}: present" + (" and verified" if name.startswith("ud:") else ""))


@app.command("stats")
@user_errors
def corpora_stats(
    source: Annotated[str, typer.Argument(help="A corpus name (ud:..., nltk:...), a file, or a folder of splits.")],
    tagset: Tagset = None,
    file_format: FileFormat = "auto",
    split: Split = None,
    separator: Separator = None,
    word_column: WordColumn = None,
    tag_column: TagColumn = None,
    top: Annotated[int, typer.Option("--top", help="How many tags and ambiguous words to show.")] = 20,
    as_json: AsJson = False,
) -> None:
    """Tag distribution, sentence lengths, vocabulary, OOV rate of dev/test against train, ambiguous words."""
    from pipelines.corpus_stats import corpus_stats

    # Only the options the user set: a named corpus refuses file options.
    options = given(separator=separator, word_column=word_column, tag_column=tag_column)
    stats = corpus_stats(source, tagset=tagset, format=file_format, split=split, top=top, **options)
    if as_json:
        print_json(stats)
        return
    render.corpus_stats(stats, top)
