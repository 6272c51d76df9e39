"""Word inputs: `postag vocab build|show`, `postag embeddings train|trim|similar`, `postag charlm train`, and what
`postag train --vocab/--embeddings` reports about them. TensorFlow only inside the commands that train."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from common.extras import require_training_stack

from . import render
from .options import SOURCES_HELP, SourceFormat, Sources, option, parse_settings
from .progress import ProgressDisplay, charlm_reader, embeddings_reader, reading_status
from .terminal import print_json, say, user_errors

vocab_app = typer.Typer(help="Word vocabularies: build one from corpora or files, show one.", no_args_is_help=True)
embeddings_app = typer.Typer(help="Word embeddings: train skip-gram vectors on text, look at neighbours.",
                             no_args_is_help=True)
charlm_app = typer.Typer(help="Character language models: pretrain one on raw text for taggers to read.",
                         no_args_is_help=True)

Lowercase = Annotated[bool, typer.Option("--lowercase/--cased", help="Lowercase words first (as the tagger's word "
                                         "embedding does by default; a tagger takes this from the file).")]
MinCount = Annotated[int, typer.Option("--min-count", help="Words (characters) seen fewer times are left out.")]
OutputFile = Annotated[Path, typer.Option("--output", "-o", help="File or directory to write (atomically).")]


# ---- vocab build|show -----------------------------------------------------------------------------------------

@vocab_app.command("build")
@user_errors
def vocab_build(
    sources: Sources,
    output: OutputFile,
    min_count: MinCount = 2,
    max_size: Annotated[int | None, option("--max-size", "Keep at most this many words, most frequent first.")]
    = None,
    lowercase: Lowercase = True,
    file_format: SourceFormat = "auto",
) -> None:
    """Build a word vocabulary (for `postag train --vocab FILE`)."""
    from pipelines.pretraining.vocab import build_word_vocab, save_word_vocab

    vocab_file = build_word_vocab(list(sources), min_count, max_size, lowercase, file_format, reading_status)
    save_word_vocab(vocab_file, output)
    say(f"{output}: {len(vocab_file.vocab) - 2:,} words (+ padding and unknown) from {vocab_file.tokens:,} tokens "
        f"of {', '.join(vocab_file.sources)}; min count {min_count}, {'lowercased' if lowercase else 'cased'}")


@vocab_app.command("show")
@user_errors
def vocab_show(
    vocab: Annotated[Path, typer.Argument(help="A vocabulary file written by `postag vocab build`.")],
    coverage: Annotated[list[str], option("--coverage", "A corpus name or file to measure the vocabulary's "
                                           "coverage of (repeatable). " + SOURCES_HELP, "-c")] = [],  # noqa: B006
    top: Annotated[int, option("--top", "How many most frequent and rarest words to show.")] = 10,
    file_format: SourceFormat = "auto",
    as_json: Annotated[bool, option("--json", "Print JSON instead of tables.")] = False,
) -> None:
    """Size, coverage of a corpus, most frequent and rarest words of a vocabulary."""
    from pipelines.pretraining.vocab import vocab_summary

    summary = vocab_summary(vocab, list(coverage), top, file_format)
    if as_json:
        data = dataclasses.asdict(summary)
        for item, entry in zip(data["coverage"], summary.coverage):
            item.update(token_rate=entry.token_rate, type_rate=entry.type_rate)
        print_json(data)
        return
    render.vocab_summary(summary)


# ---- embeddings train|trim|similar ----------------------------------------------------------------------------

@embeddings_app.command("train")
@user_errors
def embeddings_train(
    sources: Sources,
    output: Annotated[Path, option("--output", "Vectors file to write (word2vec text format).", "-o")],
    dim: Annotated[int, option("--dim", "Vector dimensions.")] = 100,
    window: Annotated[int, option("--window", "Most words on each side of a word that count as context.")] = 5,
    epochs: Annotated[int, option("--epochs", "Passes over the text.")] = 5,
    min_count: MinCount = 5,
    negatives: Annotated[int, option("--negatives", "Negative samples per (word, context) pair.")] = 5,
    lowercase: Lowercase = True,
    batch_size: Annotated[int, option("--batch-size", "(word, context) pairs per update.")] = 4096,
    learning_rate: Annotated[float, option("--learning-rate", "Starting step size (decays to 0).", "--lr")] = 0.025,
    seed: Annotated[int, option("--seed", "Random seed: the same seed repeats the same run.")] = 1,
    file_format: SourceFormat = "auto",
) -> None:
    """Train word vectors (skip-gram with negative sampling) and write them in word2vec text format."""
    require_training_stack()
    from pipelines.pretraining.embeddings import train_embeddings

    with ProgressDisplay(embeddings_reader, counts="percent") as display:
        result = train_embeddings(list(sources), output, dim=dim, window=window, epochs=epochs, min_count=min_count,
                                  negatives=negatives, lowercase=lowercase, batch_size=batch_size,
                                  learning_rate=learning_rate, seed=seed, format=file_format,
                                  progress=display.update)
    loss = (f"; loss per pair {result.losses[0]:.3f} at the start, {result.epoch_losses[-1]:.3f} over the last "
            f"epoch" if result.losses else "")
    if result.reused:
        loss += "; reused: the file was trained on the same sources with the same settings (its .run.json)"
    say(f"{result.output}: {result.vocabulary:,} words x {result.dim} from {result.corpus_tokens:,} tokens "
        f"({result.training_tokens:,} kept by --min-count {min_count}) in {result.sentences:,} sentences; "
        f"{result.epochs} epoch{'s' if result.epochs != 1 else ''} in {result.train_seconds:.1f} s, "
        f"{result.words_per_second:,.0f} words/s{loss}")


@embeddings_app.command("trim")
@user_errors
def embeddings_trim(
    vectors: Annotated[Path, typer.Argument(help="A word2vec text file, most frequent word first (.gz accepted).")],
    output: Annotated[Path, option("--output", "File to write; gzip-compressed when it ends with .gz.", "-o")],
    max_words: Annotated[int, option("--max-words", "Keep the file's first (most frequent) N words.")] = 20000,
    precision: Annotated[int, option("--precision", "Significant digits of each value.")] = 3,
) -> None:
    """Cut a vectors file to its most frequent words and fewer digits (vectors small enough to ship)."""
    from pipelines.pretraining.embeddings import trim_vectors

    result = trim_vectors(vectors, output, max_words, precision)
    say(f"{result.output}: {result.words:,} of {result.words_in_file:,} words x {result.dim}, {precision} "
        f"significant digits, {result.size_bytes / 1e6:.1f} MB")


@embeddings_app.command("similar")
@user_errors
def embeddings_similar(
    vectors: Annotated[Path, typer.Argument(help="A word2vec, GloVe or fastText text file (.gz accepted).")],
    word: Annotated[str, typer.Argument(help="The word to find neighbours of (exact form, else lowercased).")],
    k: Annotated[int, option("-k", "How many neighbours.", "--top")] = 10,
    as_json: Annotated[bool, option("--json", "Print JSON instead of a table.")] = False,
) -> None:
    """Nearest neighbours of a word by cosine similarity: a quick look at whether vectors mean anything."""
    from pipelines.pretraining.embeddings import nearest_neighbours

    result = nearest_neighbours(vectors, word, k)
    if as_json:
        print_json(result)
        return
    render.neighbours(result)


# ---- charlm train ---------------------------------------------------------------------------------------------

@charlm_app.command("train")
@user_errors
def charlm_train(
    sources: Annotated[list[str], typer.Argument(help="Text files and corpus names (also untagged NLTK text: "
                                                 "nltk:abc, nltk:movie_reviews, ...). " + SOURCES_HELP)],
    output: Annotated[Path, option("--output", "Directory to write (reused when it holds an LM trained on the "
                                    "same sources with the same settings).", "-o")],
    units: Annotated[int, option("--units", "LSTM units of each direction.")] = 256,
    char_dim: Annotated[int, option("--char-dim", "Character embedding size.")] = 32,
    sequence_length: Annotated[int, option("--sequence-length", "Characters per training example.")] = 150,
    batch_size: Annotated[int, option("--batch-size", "Examples per update.")] = 64,
    epochs: Annotated[int, option("--epochs", "Passes over the text.")] = 1,
    max_seconds: Annotated[float, option("--max-seconds", "Stop after this many seconds (0: no limit).")] = 0.0,
    learning_rate: Annotated[float, option("--learning-rate", "Adam's step size.", "--lr")] = 0.002,
    min_char_count: Annotated[int, option("--min-char-count", "Rarer characters are unknown to the LM.")] = 5,
    seed: Annotated[int, option("--seed", "Random seed.")] = 1,
    file_format: SourceFormat = "auto",
    as_json: Annotated[bool, option("--json", "Print the result as JSON.")] = False,
) -> None:
    """Pretrain a forward and a backward character LSTM on raw text (for `postag train --set char_lm=DIR`)."""
    require_training_stack()
    from pipelines.pretraining.charlm import result_json, train_char_lm

    with ProgressDisplay(charlm_reader, counts="percent") as display:
        result = train_char_lm(list(sources), output, units=units, char_dim=char_dim,
                               sequence_length=sequence_length, batch_size=batch_size, epochs=epochs,
                               max_seconds=max_seconds, learning_rate=learning_rate, min_char_count=min_char_count,
                               seed=seed, format=file_format, progress=display.update)
    if as_json:
        print_json(result_json(result))
        return
    bits = "—" if result.dev_bits_per_character is None else f"{result.dev_bits_per_character:.3f}"
    how = "reused (same sources and settings)" if result.reused else (
        f"trained {result.epochs_done:g} epochs in {result.train_seconds:.0f} s, "
        f"{result.characters_per_second:,.0f} characters/s ({result.stopped_because})")
    say(f"{result.output}: {result.settings['units']} units x 2 directions, {result.vocabulary} characters, from "
        f"{result.characters:,} characters in {result.sentences:,} sentences; {how}; held-out bits per character "
        f"{bits}; {result.size_bytes / 1e6:.1f} MB")


# ---- train --vocab/--embeddings -------------------------------------------------------------------------------

def prepare_word_inputs(data, config, vocab_file, embeddings, freeze, extend, settings):
    """`train --vocab/--embeddings`: the settled vocabulary and embedding, with coverage reported on stderr."""
    if not (vocab_file or embeddings or freeze or extend):
        return None
    from pipelines.pretraining.embeddings import prepare_word_inputs as prepare

    words = prepare(data, config, vocab_file, embeddings, freeze, extend, set(parse_settings(settings)))
    if words.vocab_file is not None:
        say(f"vocabulary {vocab_file}: {len(words.vocab_file.vocab) - 2:,} words, {words.vocab_coverage:.2%} of "
            f"training tokens have their own id", err=True)
    report = words.embeddings
    if report:
        extended = f"; {report['extended']:,} words added from the file" if report["extended"] else ""
        say(f"embeddings {report['file']} ({report['dim']} dimensions): {report['covered']:,} of "
            f"{report['vocabulary']:,} vocabulary words have a vector ({report['coverage']:.2%}: {report['exact']:,} "
            f"exact, {report['lowercased']:,} by lowercase), {report['token_coverage']:.2%} of training tokens; "
            f"{report['random']:,} initialised at random{extended}"
            f"{'; frozen' if words.config.freeze_embeddings else ''}", err=True)
    return words
