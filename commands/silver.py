"""`postag silver`: raw text tagged by an ensemble of trained taggers, for a student to train on
(`postag train --set silver=FILE`). The taggers run without TensorFlow."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .options import SOURCES_HELP, option
from .progress import ProgressDisplay, silver_reader
from .terminal import say, user_errors


@user_errors
def silver(
    teachers: Annotated[list[str], typer.Argument(help="Trained models (directories or shipped names): seeds of "
                                                  "one recipe, whose averaged probabilities tag the text.")],
    sources: Annotated[list[str], option("--source", "Raw text to tag, repeatable: files or corpus names "
                                          "(nltk:state_union, nltk:movie_reviews, ...). " + SOURCES_HELP, "-s")],
    output: Annotated[Path, option("--output", "CoNLL-U file to write (atomically).", "-o")],
    max_words: Annotated[int, option("--max-words", "Stop once the kept sentences hold this many words.")]
    = 200_000,
    max_length: Annotated[int, option("--max-length", "Leave out sentences longer than this many words.")] = 60,
    seed: Annotated[int, option("--seed", "Seed of the order in which sentences are taken.")] = 1,
    keep_all: Annotated[bool, option("--keep-all", "Keep every sentence tagged, agreed or not (for a student "
                                     "that also learns the teachers' probabilities: --set distill=...).")] = False,
) -> None:
    """Tag raw text with an ensemble; keep the sentences every member tags alike (silver training data)."""
    from pipelines.training.silver import make_silver_corpus

    with ProgressDisplay(silver_reader, counts="percent", transient=True) as display:
        result = make_silver_corpus(teachers, list(sources), output, max_tokens=max_words, max_length=max_length,
                                    seed=seed, progress=display.update, keep_all=keep_all)
    kept = "every sentence kept" if keep_all else f"kept where all {len(result.teachers)} teachers agreed"
    say(f"{result.output}: {result.kept:,} sentences, {result.tokens:,} words ({', '.join(result.tagsets)}), "
        f"{kept}: {result.agreement:.1%} of the {result.tagged:,} sentences tagged (of {result.candidates:,} "
        f"candidates); {result.seconds:.0f} s. Train on it with `postag train ... --set silver={result.output}`")
