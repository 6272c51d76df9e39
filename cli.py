"""The `postag` command line: parse options, call one pipeline, render the result with Rich.

The top-level commands live here; the command groups (corpora, models, vocab, embeddings, charlm, tokenizer,
sanity), `silver`, the shared options, the progress display and the tables live in `commands/`. TensorFlow is
imported only inside the commands that train, so `postag --help`, `postag tag` and `postag corpora list` stay
fast.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from commands import corpora, models, render, sanity, serve, silver, tokenizer, words
from commands import options as opt
from commands.options import given, option, parse_settings
from commands.progress import CompareReader, ProgressDisplay, TrainingReader, tag_reader
from commands.terminal import command_line, console, err_console, say, training_interrupted, user_errors
from common.extras import require_modules, require_training_stack


class CommandsInOrder(TyperGroup):
    """`postag --help` lists the commands in the order a new user needs them, not in the order they are made."""

    ORDER = ("tag", "tokenize", "models", "evaluate", "train", "compare", "serve", "corpora", "tokenizer", "vocab",
             "embeddings", "charlm", "silver", "sanity")

    def list_commands(self, ctx) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda name: self.ORDER.index(name) if name in self.ORDER else len(self.ORDER))


app = typer.Typer(
    cls=CommandsInOrder,
    name="postag",
    help="Part-of-speech tagging: tag text files, train taggers on your corpora, compare architectures.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(corpora.app, name="corpora")
app.add_typer(models.app, name="models")
app.add_typer(words.vocab_app, name="vocab")
app.add_typer(words.embeddings_app, name="embeddings")
app.add_typer(words.charlm_app, name="charlm")
app.add_typer(tokenizer.app, name="tokenizer")
app.add_typer(sanity.app, name="sanity")
app.command("silver")(silver.silver)
app.command("serve")(serve.serve)


# ---- train ----------------------------------------------------------------------------------------------------

@app.command()
@user_errors
def train(
    output: Annotated[Path, option("--output", "Model directory to write (replaced atomically).", "-o")],
    corpus: opt.CorpusName = None,
    train_file: opt.TrainFile = None,
    dev_file: opt.DevFile = None,
    test_file: opt.TestFile = None,
    file_format: opt.FileFormat = "auto",
    split: opt.Split = None,
    separator: opt.Separator = None,
    word_column: opt.WordColumn = None,
    tag_column: opt.TagColumn = None,
    tagset: opt.Tagset = None,
    arch: Annotated[str, option("--arch", "Architecture: fcn, window or rnn.", "-a")] = "rnn",
    preset: Annotated[str | None, option("--preset", "A named recipe: fast (the defaults) or accurate (a CRF, and "
                                          "pretrained vectors on English corpora; slower to train). Other options "
                                          "override it.")] = None,
    epochs: opt.Epochs = None,
    seed: opt.Seed = None,
    batch_size: Annotated[int | None, option("--batch-size", "Sentences per mini-batch.")] = None,
    learning_rate: Annotated[float | None, option("--learning-rate", "Updater step size.", "--lr")] = None,
    optimizer: Annotated[str | None, option("--optimizer", "adam or sgd.")] = None,
    cell: Annotated[str | None, option("--cell", "rnn: lstm or gru.")] = None,
    bidirectional: Annotated[bool | None, option("--bidirectional/--no-bidirectional", "rnn: read both ways.")]
    = None,
    window: Annotated[int | None, option("--window", "window: neighbours on each side.")] = None,
    max_seconds: opt.MaxSeconds = None,
    settings: opt.Settings = [],  # noqa: B006 (typer copies it)
    vocab_file: Annotated[Path | None, option("--vocab", "Word vocabulary from `postag vocab build` (instead of "
                                               "building one from the training data).")] = None,
    embeddings: Annotated[Path | None, option("--embeddings", "Initialise the word embedding from a word2vec, "
                                               "GloVe or fastText text file (.gz accepted); word_dim becomes the "
                                               "file's.")] = None,
    freeze_embeddings: Annotated[bool, option("--freeze-embeddings", "Keep the --embeddings vectors fixed.")]
    = False,
    extend_vocab: Annotated[int, option("--extend-vocab", "Add the N most frequent words of --embeddings that the "
                                         "vocabulary lacks, so unseen words still get their vector.")] = 0,
    as_json: Annotated[bool, option("--json", "Print the metrics as JSON.")] = False,
    cluster: Annotated[str | None, option("--cluster", "Train on several machines: every worker's host:port, "
                                           "comma-separated, the same list on each (sets TF_CONFIG).")] = None,
    task_index: Annotated[int | None, option("--task-index", "With --cluster: this worker's place in the list, "
                                              "from 0; worker 0 writes the model.")] = None,
    local_workers: Annotated[int | None, option("--local-workers", "Run the multi-worker training on this "
                                                 "machine: N worker processes on 127.0.0.1.")] = None,
):
    """Train a tagger and save it as a model directory."""
    require_training_stack()
    if local_workers is not None:
        from pipelines.errors import PipelineError
        from pipelines.training.cluster import run_local_workers, worker_arguments

        if cluster is not None or task_index is not None:
            raise PipelineError("--local-workers starts its own cluster: leave out --cluster and --task-index")
        # Each worker runs this same command (this file, so the same source tree) without --local-workers.
        command = [sys.executable, str(Path(__file__).resolve()), *worker_arguments(sys.argv[1:])]
        raise typer.Exit(run_local_workers(command, local_workers))
    if cluster is not None or task_index is not None:
        from pipelines.training.cluster import Cluster

        os.environ["TF_CONFIG"] = Cluster.parse(cluster, task_index).tf_config()
    from pipelines.data import load_training_corpus
    from pipelines.training.tagger import train as run_training
    from tagger import TaggerConfig

    config = TaggerConfig(architecture=arch)
    if preset:
        from pipelines.training.presets import apply_preset

        choice = apply_preset(preset, config, corpus)
        config = choice.config
        for note in choice.notes:
            say(note, err=True)
    config = config.replace(**given(architecture=arch, epochs=epochs, seed=seed, batch_size=batch_size,
                                    learning_rate=learning_rate, optimizer=optimizer, cell=cell,
                                    bidirectional=bidirectional, window=window, max_seconds=max_seconds))
    config = config.with_settings(parse_settings(settings))
    data = load_training_corpus(corpus, train_file, dev_file, test_file, file_format, tagset, split=split,
                                separator=separator, word_column=word_column, tag_column=tag_column)
    inputs = words.prepare_word_inputs(data, config, vocab_file, embeddings, freeze_embeddings, extend_vocab,
                                       settings)
    config = inputs.config if inputs else config
    with ProgressDisplay(TrainingReader()) as display:
        result = run_training(data, config, output=output, progress=display.update, vocabs=inputs and inputs.vocabs,
                              word_vectors=inputs and inputs.word_vectors, metadata=inputs and inputs.metadata)
    if result.interrupted:
        training_interrupted(result, output)
    if result.output is None:  # a worker of a cluster other than the chief, which writes the model
        say(f"worker done; the chief writes {output}", err=True)
        return
    if as_json:
        console.print_json(json.dumps(result.metrics))
        return
    render.training_summary(result, output)


# ---- evaluate, tag, tokenize ------------------------------------------------------------------------------------

def _load_tagger(model: str | None):
    """The runtime tagger (no TensorFlow) of --model, else the default model (tagger.models.default_model)."""
    import tagger

    return tagger.load(model)


TokenizerKind = Annotated[str | None, option("--tokenizer", "rules or model (a trained tokenizer); default: the "
                                              "model's tokenizer when it has one, else rules.")]


@app.command()
@user_errors
def evaluate(
    model: Annotated[str, typer.Argument(help="A shipped model's name (en_ewt) or a model directory; with --raw "
                                         "also a tokenizer directory (segmentation alone) or a CoNLL-U file a "
                                         "tool wrote from the gold raw text.")],
    data: Annotated[str, typer.Argument(help="A named corpus (ud:en_ewt) or a tagged file (CoNLL-U with --raw).")],
    split: Annotated[str, option("--split", "Split of a named corpus: test or dev.")] = "test",
    tagset: Annotated[str | None, option("--tagset", "Tag column to score (default: the model's tagset).")] = None,
    file_format: opt.FileFormat = "auto",
    raw: Annotated[bool, option("--raw", "Tokenize the gold raw text, then tag it, and score tokens, sentences, "
                                 "words, UPOS and XPOS (CoNLL 2018 metrics).")] = False,
    tokenizer_kind: TokenizerKind = None,
    as_json: opt.AsJson = False,
):
    """Score a model against gold tags: accuracy, unseen words, per-tag P/R/F1, confusions; or from raw text."""
    if raw:
        from pipelines.evaluation.raw_text import evaluate_file_raw, evaluate_model_raw

        if Path(model).is_file():  # a system's CoNLL-U output, scored as it is
            if tokenizer_kind is not None:
                raise typer.BadParameter("--tokenizer applies to a model, not to a CoNLL-U file already tokenized")
            raw_result = evaluate_file_raw(model, data, split)
        else:
            raw_result = evaluate_model_raw(model, data, split, tokenizer_kind)
        if as_json:
            print(json.dumps({"model": str(model), **raw_result.to_json()}, ensure_ascii=False))
            return
        render.raw_evaluation(raw_result, f"{model} on the raw text of {raw_result.data}")
        return
    if tokenizer_kind is not None:
        raise typer.BadParameter("--tokenizer applies to --raw only (gold tokens are scored without one)")
    from pipelines.data import load_gold
    from pipelines.evaluation.gold_tokens import evaluate as run_evaluation

    tagger = _load_tagger(model)
    tagset = tagset or tagger.tagsets[0]
    description, gold = load_gold(data, split, tagset, file_format)
    # A tagger with several heads (UPOS and XPOS) is scored on the one that --tagset names.
    result = run_evaluation(tagger, gold, tagset=tagset if tagset in tagger.tagsets else None)
    if as_json:
        print(json.dumps({"model": str(model), "data": description, **result.to_json()}, ensure_ascii=False))
        return
    render.evaluation(result, f"{model} on {description}")


@app.command(context_settings={"ignore_unknown_options": True})  # Beam's pipeline options pass through
@user_errors
def tag(
    files: Annotated[list[str], typer.Argument(help="Text files to tag; - reads standard input. With --engine "
                                               "beam: glob patterns (quoted), then any Beam pipeline options as "
                                               "--name=value.")],
    model: opt.ModelName = None,
    tagset: Annotated[str | None, option("--tagset", "upos or xpos, for a model with both (default: its first); "
                                          "CoNLL-U gets both columns.", "-t")] = None,
    output_format: Annotated[str, option("--format", "text, tsv, conllu or json.", "-f")] = "text",
    output: Annotated[Path | None, option("--output", "Write here (atomically) instead of stdout.", "-o")] = None,
    tokenized: Annotated[bool, option("--tokenized", "Input is one sentence a line, words split by spaces.")]
    = False,
    tokenizer_kind: Annotated[str, option("--tokenizer", "model (the model's trained tokenizer), rules (NLTK "
                                           "Punkt + Treebank rules), or auto: the model's when it has one.")]
    = "auto",
    top_k: Annotated[int, option("--top-k", "json, tsv: each word's K most probable tags, with probabilities.")]
    = 1,
    workers: Annotated[int | None, option("--workers", "Processes that tag (default: one per core for inputs "
                                           "over 4 MB, else 1).", "-w")] = None,
    quiet: Annotated[bool, option("--quiet", "No progress bar.", "-q")] = False,
    engine: Annotated[str, option("--engine", "local (this machine, --workers), or beam: an Apache Beam pipeline "
                                   "writing shards to --output-dir (in-process runner unless --runner=...).")]
    = "local",
    output_dir: Annotated[str | None, option("--output-dir", "--engine beam: a new folder (or gs://...) for the "
                                              "shards and manifest.json.")] = None,
    shards: Annotated[int | None, option("--shards", "--engine beam: output files (default: one per 64 MB of "
                                          "input).")] = None,
):
    """Tag raw text: split into sentences and words, then tag every word. Streams: memory stays flat."""
    from pipelines.errors import PipelineError
    from pipelines.tagging.stream import TagOptions, input_size, tag_to_output

    beam_args = [item for item in files if item.startswith("--")]
    files = [item for item in files if not item.startswith("--")]
    if engine not in ("local", "beam"):
        raise PipelineError(f"--engine must be local or beam, not {engine[:40]!r}")
    if engine == "local" and (beam_args or output_dir or shards):
        what = f"no such option: {beam_args[0][:80]}" if beam_args else "--output-dir and --shards"
        raise PipelineError(f"{what} (Beam's options, --output-dir and --shards go with --engine beam)")
    tagger = _load_tagger(model)
    options = TagOptions(output_format=output_format, tagset=tagset, top_k=top_k, tokenizer=tokenizer_kind)
    if engine == "beam":
        if not output_dir or output is not None:
            raise PipelineError("--engine beam writes shards to --output-dir (not --output)")
        from pipelines.tagging.beam import tag_with_beam
        from tagger.models import model_reference

        summary = tag_with_beam(tagger, model_reference(tagger.directory), files, output_dir, options,
                                pretokenized=tokenized, beam_args=beam_args, shards=shards)
        speed = f"{summary.tokens / summary.seconds:,.0f} tokens/s" if summary.seconds else ""
        say(f"{summary.tokens:,} tokens, {summary.sentences:,} sentences from {summary.files:,} files in "
            f"{len(summary.shards)} shards in {output_dir} ({summary.seconds:.1f} s, {speed}, {summary.runner})",
            err=True)
        return
    sizes = [input_size(source) for source in files]
    show = not quiet and err_console.is_terminal and (None in sizes or sum(sizes) >= 1 << 20)
    try:
        with ProgressDisplay(tag_reader, counts="bytes", transient=True, show=show) as display:
            tag_to_output(tagger, list(files), output, options, pretokenized=tokenized, workers=workers,
                          model=str(tagger.directory), progress=display.update)
    except BrokenPipeError:  # `postag tag big.txt | head`: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(141) from None


@app.command("tokenize")
@user_errors
def tokenize_command(
    file: Annotated[str, typer.Argument(help="A UTF-8 text file, or - for standard input.")],
    output_format: Annotated[str, option("--format", "text (a sentence a line) or json.", "-f")] = "text",
    tokenizer_kind: TokenizerKind = None,
    model: Annotated[str | None, option("--model", "A tokenizer directory, or a model (name or directory) whose "
                                         "tokenizer/ to use.", "-m")] = None,
    output: Annotated[Path | None, option("--output", "Write here (atomically) instead of stdout.", "-o")] = None,
) -> None:
    """Show how raw text is split into sentences and words, as `postag tag` splits it. Streams.

    text: one sentence a line, words separated by single spaces. json: every sentence and word with its
    character offsets [start, end) into the text as read (after a UTF-8 BOM, line ends untouched); the
    words of a multiword token (don't = do + n't) share its offsets.
    """
    from pipelines.tagging.tokenize import tokenize_to_output
    from pipelines.tagging.tokenizers import choose_tokenizer

    try:
        tokenize_to_output(file, choose_tokenizer(tokenizer_kind, model=model), output, output_format)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(141) from None


# ---- compare: architectures side by side, with baselines and significance tests ---------------------------

@app.command()
@user_errors
def compare(
    context: typer.Context,
    output: Annotated[Path, option("--output", "Folder for the report and the models; a folder holding the same "
                                    "comparison is resumed.", "-o")],
    corpus: opt.CorpusName = None,
    train_file: opt.TrainFile = None,
    dev_file: opt.DevFile = None,
    test_file: opt.TestFile = None,
    file_format: opt.FileFormat = "auto",
    tagset: opt.Tagset = None,
    archs: Annotated[list[str], option("--arch", "Architecture to compare, repeatable: fcn, window, rnn, or "
                                        "NAME=ARCH for a named variant (default: fcn, window and rnn).", "-a")]
    = [],  # noqa: B006
    configs: Annotated[Path | None, option("--configs", "JSON or TOML file of variants: name -> {architecture, "
                                            "TaggerConfig fields}.")] = None,
    settings: Annotated[list[str], option("--set", "KEY=VALUE for every variant, NAME.KEY=VALUE for one variant "
                                           "or architecture (repeatable).")] = [],  # noqa: B006
    seeds: Annotated[str | None, option("--seeds", "Seeds, e.g. 1,2,3 or 1-5 (default 1): each variant trains "
                                         "once per seed.")] = None,
    epochs: Annotated[int | None, option("--epochs", "Most epochs for every variant.")] = None,
    baselines: Annotated[bool, option("--baselines/--no-baselines", "Most-frequent-tag and NLTK averaged "
                                       "perceptron rows.")] = True,
    force: Annotated[bool, option("--force", "Replace a different comparison in --output (models that still "
                                   "match are reused).")] = False,
    as_json: Annotated[bool, option("--json", "Print report.json instead of tables.")] = False,
):
    """Which architecture is best for this corpus: same data, vocabulary and seeds; McNemar tests; report files."""
    require_modules("tensorflow", "keras", "nltk")  # the runs are child processes: say it here, in one line
    from pipelines.compare.plan import parse_seeds, plan_variants
    from pipelines.compare.records import DataSource
    from pipelines.compare.run import compare as run_comparison
    from pipelines.errors import PipelineError

    try:
        parsed_settings = parse_settings(settings)
    except typer.BadParameter as error:
        raise PipelineError(f"{error.message}; e.g. --set hidden_dim=256 or --set rnn.cell=gru") from None
    # Everything is checked before any data is read or any model trained.
    seed_list = parse_seeds(seeds)
    variants = plan_variants(archs, parsed_settings, configs, epochs)
    source = DataSource.of(corpus, train_file, dev_file, test_file, file_format, tagset)
    with ProgressDisplay(CompareReader(), transient=True) as display:
        result = run_comparison(source, variants, seed_list, output, force=force, baselines=baselines,
                                progress=display.update, command=command_line(context))
    if as_json:
        sys.stdout.write(json.dumps(result.report.to_json(), ensure_ascii=False) + "\n")
        return
    render.comparison(result.report, result.files)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
