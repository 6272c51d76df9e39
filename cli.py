"""The `postag` command line: parse options, call one pipeline, render the result with Rich.

No logic lives here. TensorFlow is imported only inside the commands that need it, so `postag --help`
and `postag corpora list` stay fast.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from pathlib import Path

import typer
from rich.console import Console

from common.errors import PostagError

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


MESSAGE_LIMIT = 2000  # characters of an error line: the file and line come first, so they always show


# Control characters and everything str.splitlines() breaks at: written as escapes, they cannot break the line.
_LINE_BREAKING = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(message: str) -> str:
    """The message as one line of bounded length: a path or a word may hold line ends or be huge."""
    from common.errors import shorten

    escaped = _LINE_BREAKING.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), message)
    return shorten(escaped, MESSAGE_LIMIT)


def _os_error_message(error: OSError) -> str:
    from common.errors import shorten

    where = f"{shorten(error.filename)}: " if error.filename is not None else ""
    return f"{where}{error.strerror or error}"


def user_errors(command):
    """Turn a user mistake into one line on stderr and exit code 2; a bug still shows its traceback.

    An OSError (a file that cannot be read or written, a name too long, a full disk) is the machine's
    answer to what the user asked for, not a bug in postag: it is shown the same way.
    """

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None
        except (PostagError, OSError) as error:
            message = _os_error_message(error) if isinstance(error, OSError) else str(error)
            # One line, never read as Rich markup: user data ("[via ...", a path with a line end) stays text.
            err_console.print("[red]error:[/red] ", _text(_one_line(message)), sep="", highlight=False,
                              soft_wrap=True)
            raise typer.Exit(USAGE_EXIT) from None

    return wrapper

# ---- train, evaluate, tag ------------------------------------------------------------------------------


def _parse_settings(settings: list[str]) -> dict[str, str]:
    parsed = {}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"--set expects KEY=VALUE, got {item!r}")
        parsed[key.strip()] = value.strip()
    return parsed


@app.command()
@user_errors
def train(
    output: Path = typer.Option(..., "--output", "-o", help="Model directory to write (replaced atomically)."),
    corpus: str = typer.Option(None, "--corpus", "-c", help="Named corpus, e.g. ud:en_ewt."),
    train_file: Path = typer.Option(None, "--train", help="Training file (CoNLL-U or word/TAG lines)."),
    dev_file: Path = typer.Option(None, "--dev", help="Development file, for early stopping."),
    test_file: Path = typer.Option(None, "--test", help="Test file, scored after training."),
    file_format: str = typer.Option("auto", "--format", help="Format of the files: auto, conllu, wordtag, columns."),
    split: str = typer.Option(None, "--split", help="Cut dev/test off a lone --train file, e.g. 80/10/10."),
    separator: str = typer.Option(None, "--separator", help="word/TAG separator (default /)."),
    word_column: int = typer.Option(None, "--word-column", help="Column files: the word column (from 1)."),
    tag_column: int = typer.Option(None, "--tag-column", help="Column files: the tag column (from 1)."),
    tagset: str = typer.Option(None, "--tagset", "-t", help="upos (default) or xpos for CoNLL-U and UD; native "
                               "(default) or universal for NLTK."),
    arch: str = typer.Option("rnn", "--arch", "-a", help="Architecture: fcn, window or rnn."),
    preset: str = typer.Option(None, "--preset", help="A named recipe: fast (the defaults) or accurate (slower to "
                               "train; uses the shipped English vectors on English corpora). Other options "
                               "override it."),
    epochs: int = typer.Option(None, "--epochs", help="Most epochs to train (early stopping may end sooner)."),
    seed: int = typer.Option(None, "--seed", help="Random seed: the same seed repeats the same run."),
    batch_size: int = typer.Option(None, "--batch-size", help="Sentences per mini-batch."),
    learning_rate: float = typer.Option(None, "--learning-rate", "--lr", help="Updater step size."),
    optimizer: str = typer.Option(None, "--optimizer", help="adam or sgd."),
    cell: str = typer.Option(None, "--cell", help="rnn: lstm or gru."),
    bidirectional: bool = typer.Option(None, "--bidirectional/--no-bidirectional", help="rnn: read both ways."),
    window: int = typer.Option(None, "--window", help="window: neighbours on each side."),
    max_seconds: float = typer.Option(None, "--max-seconds", help="Stop after this many seconds; keep the best."),
    settings: list[str] = typer.Option([], "--set", help="Any TaggerConfig field, KEY=VALUE (repeatable)."),
    vocab_file: Path = typer.Option(None, "--vocab", help="Word vocabulary from `postag vocab build` (instead of "
                                    "building one from the training data)."),
    embeddings: Path = typer.Option(None, "--embeddings", help="Initialise the word embedding from a word2vec, GloVe "
                                    "or fastText text file (.gz accepted); word_dim becomes the file's."),
    freeze_embeddings: bool = typer.Option(False, "--freeze-embeddings", help="Keep the --embeddings vectors fixed."),
    extend_vocab: int = typer.Option(0, "--extend-vocab", help="Add the N most frequent words of --embeddings that "
                                     "the vocabulary lacks, so unseen words still get their vector."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
    cluster: str = typer.Option(None, "--cluster", help="Train on several machines: every worker's host:port, "
                                "comma-separated, the same list on each (sets TF_CONFIG)."),
    task_index: int = typer.Option(None, "--task-index", help="With --cluster: this worker's place in the list, "
                                   "from 0; worker 0 writes the model."),
    local_workers: int = typer.Option(None, "--local-workers", help="Run the multi-worker training on this "
                                      "machine: N worker processes on 127.0.0.1."),
):
    """Train a tagger and save it as a model directory."""
    if local_workers is not None:
        from pipelines.cluster import run_local_workers, worker_arguments
        from pipelines.errors import PipelineError

        if cluster is not None or task_index is not None:
            raise PipelineError("--local-workers starts its own cluster: leave out --cluster and --task-index")

        # Each worker runs this same command (this file, so the same source tree) without --local-workers.
        command = [sys.executable, str(Path(__file__).resolve()), *worker_arguments(sys.argv[1:])]
        raise typer.Exit(run_local_workers(command, local_workers))
    if cluster is not None or task_index is not None:
        from pipelines.cluster import Cluster

        os.environ["TF_CONFIG"] = Cluster.parse(cluster, task_index).tf_config()
    from pipelines.data import load_training_corpus
    from pipelines.train import train as run_training
    from tagger import TaggerConfig

    options = {"architecture": arch, "epochs": epochs, "seed": seed, "batch_size": batch_size,
               "learning_rate": learning_rate, "optimizer": optimizer, "cell": cell,
               "bidirectional": bidirectional, "window": window, "max_seconds": max_seconds}
    config = TaggerConfig(architecture=arch)
    if preset:
        from pipelines.presets import apply_preset

        choice = apply_preset(preset, config, corpus)
        config = choice.config
        for note in choice.notes:
            err_console.print(_text(note), soft_wrap=True)
    config = config.replace(**{k: v for k, v in options.items() if v is not None})
    config = config.with_settings(_parse_settings(settings))
    data = load_training_corpus(corpus, train_file, dev_file, test_file, file_format, tagset, split=split,
                                separator=separator, word_column=word_column, tag_column=tag_column)
    words = _prepare_word_inputs(data, config, vocab_file, embeddings, freeze_embeddings, extend_vocab, settings)
    config = words.config if words else config
    with _TrainingDisplay() as display:
        result = run_training(data, config, output=output, progress=display.update, vocabs=words and words.vocabs,
                              word_vectors=words and words.word_vectors, metadata=words and words.metadata)
    if result.interrupted:
        where = f"; the best epoch so far ({result.best_epoch}) is saved in {output}" if result.best_epoch else ""
        err_console.print(f"training interrupted{where}")
        raise typer.Exit(130)
    if result.output is None:  # a worker of a cluster other than the chief, which writes the model
        err_console.print(f"worker done; the chief writes {output}")
        return
    if as_json:
        console.print_json(json.dumps(result.metrics))
        return
    _print_training_summary(result, output)


class _TrainingDisplay:
    """A Rich progress bar fed by the training pipeline's callback."""

    def __init__(self, score_name: str = "dev accuracy"):
        self.score_name = score_name

    def __enter__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("loss {task.fields[loss]}"), TimeElapsedColumn(),
                                 console=err_console, transient=False)
        self.progress.__enter__()
        self.task = None
        return self

    def update(self, event) -> None:
        if event.kind == "batch":
            if self.task is None:
                self.task = self.progress.add_task(f"epoch {event.epoch}/{event.epochs}", total=event.batches,
                                                   loss="…")
            loss = "…" if event.loss is None else f"{event.loss:.4f}"
            self.progress.update(self.task, completed=event.batch, loss=loss)
        elif event.kind == "epoch":
            record = event.record
            dev = "" if record.dev_accuracy is None else f"{self.score_name} {record.dev_accuracy:.2%}"
            if self.task is not None:
                self.progress.update(self.task, description=f"epoch {event.epoch}/{event.epochs} {dev}",
                                     loss=f"{record.train_loss:.4f}")
            self.task = None

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)


def _print_training_summary(result, output) -> None:
    from rich.table import Table

    table = Table(title=f"{result.tagger.config.architecture} tagger saved to {output}")
    table.add_column("split")
    table.add_column("accuracy", justify="right")
    table.add_column("unseen-word accuracy", justify="right")
    table.add_column("tokens", justify="right")
    for name, evaluation in (("dev", result.dev), ("test", result.test)):
        if evaluation is not None:
            oov = "—" if evaluation.oov_accuracy is None else f"{evaluation.oov_accuracy:.2%}"
            table.add_row(name, f"{evaluation.accuracy:.2%}", oov, f"{evaluation.tokens:,}")
    console.print(table)
    console.print(f"best epoch {result.best_epoch} ({result.stopped_because}); "
                  f"{result.train_seconds:.0f} s; {result.parameters:,} parameters")


def _load_tagger(model: str | None):
    """The runtime tagger (no TensorFlow) of --model, else $POSTAG_MODEL, else the shipped English model."""
    import tagger

    return tagger.load(model or tagger.default_model())


@app.command()
@user_errors
def evaluate(
    model: str = typer.Argument(..., help="A shipped model's name (en_ewt) or a model directory (with --raw also "
                                "a tokenizer directory, to score segmentation alone)."),
    data: str = typer.Argument(..., help="A named corpus (ud:en_ewt) or a tagged file (CoNLL-U with --raw)."),
    split: str = typer.Option("test", "--split", help="Split of a named corpus: test or dev."),
    tagset: str = typer.Option(None, "--tagset", help="Tag column to score (default: the model's tagset)."),
    file_format: str = typer.Option("auto", "--format", help="Format of a gold file."),
    raw: bool = typer.Option(False, "--raw", help="Tokenize the gold raw text, then tag it, and score tokens, "
                             "sentences, words, UPOS and XPOS (CoNLL 2018 metrics)."),
    tokenizer_kind: str = typer.Option(None, "--tokenizer", help="With --raw: rules or model (default: the model's "
                                       "tokenizer when it has one, else rules)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """Score a model against gold tags: accuracy, unseen words, per-tag P/R/F1, confusions; or from raw text."""
    if raw:
        from pipelines.evaluate_raw import evaluate_model_raw

        raw_result = evaluate_model_raw(model, data, split, tokenizer_kind)
        if as_json:
            print(json.dumps({"model": str(model), **raw_result.to_json()}, ensure_ascii=False))
            return
        _print_raw_evaluation(raw_result, f"{model} on the raw text of {raw_result.data}")
        return
    if tokenizer_kind is not None:
        raise typer.BadParameter("--tokenizer applies to --raw only (gold tokens are scored without one)")
    from pipelines.data import load_gold
    from pipelines.evaluate import evaluate as run_evaluation

    tagger = _load_tagger(model)
    tagset = tagset or tagger.tagsets[0]
    description, gold = load_gold(data, split, tagset, file_format)
    # A tagger with several heads (UPOS and XPOS) is scored on the one that --tagset names.
    result = run_evaluation(tagger, gold, tagset=tagset if tagset in tagger.tagsets else None)
    if as_json:
        print(json.dumps({"model": str(model), "data": description, **result.to_json()}, ensure_ascii=False))
        return
    _print_evaluation(result, f"{model} on {description}")


def _print_raw_evaluation(result, title: str) -> None:
    from rich.table import Table

    evaluation = result.evaluation
    table = Table(title=_text(title))
    for column in ("metric", "precision", "recall", "F1", "aligned accuracy", "gold", "system"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for name in ("tokens", "sentences", "words", "upos", "xpos"):
        score = getattr(evaluation, name)
        if score is None:
            continue
        aligned = "" if score.aligned_accuracy is None else f"{score.aligned_accuracy:.2%}"
        table.add_row(name.upper() if name in ("upos", "xpos") else name, f"{score.precision:.2%}",
                      f"{score.recall:.2%}", f"{score.f1:.2%}", aligned, f"{score.gold:,}", f"{score.system:,}")
    console.print(table)
    console.print(_text(f"tokenizer: {result.tokenizer}; {result.tokens:,} tokens in {result.tokenize_seconds:.2f} s "
                        f"({result.tokens_per_second:,.0f} tokens/s)"), soft_wrap=True)


def _print_evaluation(result, title: str) -> None:
    from rich.table import Table

    oov = "—" if result.oov_accuracy is None else f"{result.oov_accuracy:.2%} of {result.oov_tokens:,}"
    console.print(f"[bold]{title}[/bold]: accuracy {result.accuracy:.2%} on {result.tokens:,} tokens "
                  f"({result.sentences:,} sentences); unseen words {oov}")
    table = Table(title="per tag")
    for column in ("tag", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "tag" else "right")
    for tag, s in sorted(result.per_tag.items(), key=lambda item: -item[1].support):
        table.add_row(tag, f"{s.precision:.2%}", f"{s.recall:.2%}", f"{s.f1:.2%}", f"{s.support:,}")
    console.print(table)
    confusions = Table(title="most frequent confusions")
    for column in ("gold", "predicted", "count"):
        confusions.add_column(column, justify="right" if column == "count" else "left")
    for gold, predicted, count in result.confusions:
        confusions.add_row(gold, predicted, f"{count:,}")
    console.print(confusions)


@app.command(context_settings={"ignore_unknown_options": True})  # Beam's pipeline options pass through
@user_errors
def tag(
    files: list[str] = typer.Argument(..., help="Text files to tag; - reads standard input. With --engine beam: "
                                      "glob patterns (quoted), then any Beam pipeline options as --name=value."),
    model: str = typer.Option(None, "--model", "-m", help="A shipped model's name or a model directory "
                              "(default: $POSTAG_MODEL, else en_ewt)."),
    tagset: str = typer.Option(None, "--tagset", "-t", help="upos or xpos, for a model with both (default: its "
                               "first); CoNLL-U gets both columns."),
    output_format: str = typer.Option("text", "--format", "-f", help="text, tsv, conllu or json."),
    output: Path = typer.Option(None, "--output", "-o", help="Write here (atomically) instead of stdout."),
    tokenized: bool = typer.Option(False, "--tokenized", help="Input is one sentence a line, words split by spaces."),
    tokenizer: str = typer.Option("auto", "--tokenizer", help="model (the model's trained tokenizer), rules (NLTK "
                                  "Punkt + Treebank rules), or auto: the model's when it has one."),
    top_k: int = typer.Option(1, "--top-k", help="json, tsv: each word's K most probable tags, with probabilities."),
    workers: int = typer.Option(None, "--workers", "-w", help="Processes that tag (default: one per core for "
                                "inputs over 4 MB, else 1)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    engine: str = typer.Option("local", "--engine", help="local (this machine, --workers), or beam: an Apache "
                               "Beam pipeline writing shards to --output-dir (in-process runner unless --runner=...)."),
    output_dir: str = typer.Option(None, "--output-dir", help="--engine beam: a new folder (or gs://...) for the "
                                   "shards and manifest.json."),
    shards: int = typer.Option(None, "--shards", help="--engine beam: output files (default: one per 64 MB of "
                               "input)."),
):
    """Tag raw text: split into sentences and words, then tag every word. Streams: memory stays flat."""
    from pipelines.errors import PipelineError
    from pipelines.tag import TagOptions, input_size, tag_to_output

    beam_args = [item for item in files if item.startswith("--")]
    files = [item for item in files if not item.startswith("--")]
    if engine not in ("local", "beam"):
        raise PipelineError(f"--engine must be local or beam, not {engine[:40]!r}")
    if engine == "local" and (beam_args or output_dir or shards):
        what = f"no such option: {beam_args[0][:80]}" if beam_args else "--output-dir and --shards"
        raise PipelineError(f"{what} (Beam's options, --output-dir and --shards go with --engine beam)")
    tagger = _load_tagger(model)
    options = TagOptions(output_format=output_format, tagset=tagset, top_k=top_k, tokenizer=tokenizer)
    if engine == "beam":
        if not output_dir or output is not None:
            raise PipelineError("--engine beam writes shards to --output-dir (not --output)")
        import tagger as tagger_package
        from pipelines.beam_tag import tag_with_beam

        summary = tag_with_beam(tagger, model or tagger_package.default_model(), files, output_dir, options,
                                pretokenized=tokenized, beam_args=beam_args, shards=shards)
        speed = f"{summary.tokens / summary.seconds:,.0f} tokens/s" if summary.seconds else ""
        err_console.print(f"{summary.tokens:,} tokens, {summary.sentences:,} sentences from {summary.files:,} files "
                          f"in {len(summary.shards)} shards in {output_dir} ({summary.seconds:.1f} s, {speed}, "
                          f"{summary.runner})", highlight=False, soft_wrap=True)
        return
    sizes = [input_size(source) for source in files]
    show = not quiet and err_console.is_terminal and (None in sizes or sum(sizes) >= 1 << 20)
    try:
        with _TagDisplay(show) as display:
            tag_to_output(tagger, list(files), output, options, pretokenized=tokenized, workers=workers,
                          model=str(tagger.directory), progress=display.update)
    except BrokenPipeError:  # `postag tag big.txt | head`: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(141) from None


class _TagDisplay:
    """A progress bar on stderr for `postag tag`: bytes read of the total, tokens/s, time left."""

    def __init__(self, show: bool):
        self.show = show
        self.task = None

    def __enter__(self):
        if self.show:
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("tagging"), BarColumn(), DownloadColumn(),
                                     TextColumn("{task.fields[speed]}"), TimeRemainingColumn(), console=err_console,
                                     transient=True)
            self.progress.__enter__()
        return self

    def update(self, event) -> None:
        if not self.show:
            return
        if self.task is None:
            self.task = self.progress.add_task("tag", total=event.bytes_total, speed="")
        speed = f"{event.tokens / event.seconds:,.0f} tokens/s" if event.seconds > 0 else ""
        self.progress.update(self.task, completed=event.bytes_done, speed=speed)

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc) if self.show else False


# ---- models list|info: shipped models and model directories (no TensorFlow) -----------------------------

models_app = typer.Typer(help="Models: the shipped ones and your model directories.", no_args_is_help=True)
app.add_typer(models_app, name="models")


def _score_text(scores: dict, split: str) -> str:
    entry = scores.get(split) or {}
    if entry.get("accuracy") is None:
        return "-"
    oov = entry.get("oov_accuracy")
    return f"{entry['accuracy']:.2%}" + ("" if oov is None else f" (unseen {oov:.2%})")


@models_app.command("list")
@user_errors
def models_list(
    models: list[str] = typer.Argument(None, help="Model directories to show beside the shipped models."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """The shipped models (usable by name, offline) and any model directories given."""
    from rich.table import Table

    from tagger import default_model, list_models

    infos = list_models(list(models or []))
    if as_json:
        _print_json([{k: v for k, v in vars(info).items() if k != "card"} for info in infos])
        return
    table = Table(title=f"postag models (default: {default_model()})")
    for column in ("name", "shipped", "architecture", "tagset", "tags", "test accuracy", "size", "license"):
        table.add_column(column, justify="right" if column in ("tags", "size") else "left")
    for info in infos:
        table.add_row(_text(info.name), "yes" if info.shipped else "no", info.architecture, _text(info.tagset),
                      str(len(info.tags)), _score_text(info.scores, "test"), _megabytes(info.size_bytes),
                      _text(info.license))
    console.print(table)


@models_app.command("info")
@user_errors
def models_info(
    model: str = typer.Argument(..., help="A shipped model's name (en_ewt) or a model directory."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """What a model is: data, scores, tag set, size, licence, and its model card."""
    from rich.markdown import Markdown

    from tagger import model_info

    info = model_info(model)
    if as_json:
        _print_json({k: v for k, v in vars(info).items() if k != "card"})
        return
    details = [("name", info.name), ("path", info.path), ("shipped", "yes" if info.shipped else "no"),
               ("architecture", info.architecture), ("corpus", info.corpus), ("tagset", info.tagset),
               ("tags", " ".join(info.tags)), ("dev accuracy", _score_text(info.scores, "dev")),
               ("test accuracy", _score_text(info.scores, "test")), ("size", _megabytes(info.size_bytes)),
               ("license", info.license), ("tags without TensorFlow", "yes" if info.runtime else "after export")]
    for label, value in details:
        console.print(_text(f"{label:>24}: {value}"), soft_wrap=True)
    if info.card:
        console.print(Markdown(info.card))


@models_app.command("build")
@user_errors
def models_build(
    name: str = typer.Argument(..., help="The shipped model to rebuild: en_ewt."),
    output: Path = typer.Option(None, "--output", "-o", help="Write here instead of the package's own "
                                "tagger/pretrained/NAME (replaced atomically)."),
    max_seconds: float = typer.Option(0.0, "--max-seconds", help="Stop training after this long (0: the recipe's "
                                      "own stopping)."),
    trained: Path = typer.Option(None, "--trained", help="A tagger directory already trained by this recipe "
                                 "(checked): package it instead of training again."),
    trained_tokenizer: Path = typer.Option(None, "--trained-tokenizer", help="A tokenizer directory already "
                                           "trained on the recipe's corpus: package it instead of training."),
) -> None:
    """Rebuild a shipped model from its recipe: train, quantize, score, write the model card (needs the corpus)."""
    from pipelines.shipped import build

    with _TrainingDisplay() as display:
        result = build(name, output, max_seconds=max_seconds, progress=display.update, trained=trained,
                       trained_tokenizer=trained_tokenizer)
    test = result.metrics.get("test") or {}
    console.print(_text(f"{result.output}: {result.size_bytes / 1e6:.1f} MB, test accuracy "
                        f"{test.get('accuracy', 0):.2%}, {result.seconds / 60:.0f} min"), soft_wrap=True)


# ---- corpora list|info|download|stats, tokenize (no TensorFlow: keep heavy imports inside) -----------------


def _text(value):
    """User data (words, tags, paths) as literal text: never read as Rich markup."""
    from rich.text import Text

    return Text(str(value))


def _megabytes(size: int | None) -> str:
    return "-" if size is None else f"{size / 1e6:.1f} MB"


def _print_json(data) -> None:
    import dataclasses
    import json

    if dataclasses.is_dataclass(data):
        data = dataclasses.asdict(data)
    elif isinstance(data, list):
        data = [dataclasses.asdict(item) if dataclasses.is_dataclass(item) else item for item in data]
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@corpora_app.command("list")
@user_errors
def corpora_list(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Named corpora: whether each is present locally, its size and license."""
    from rich.table import Table

    from pipelines.corpus_stats import list_corpora

    entries = list_corpora()
    if as_json:
        _print_json(entries)
        return
    table = Table(title="Named corpora (ud:CODE@RELEASE for another UD release)")
    for column in ("name", "present", "on disk", "words", "license", "corpus"):
        table.add_column(column, justify="right" if column in ("on disk", "words") else "left",
                         no_wrap=column in ("name", "on disk", "words"))
    for entry in entries:
        table.add_row(
            entry.name, "[green]yes[/green]" if entry.present else "[dim]no[/dim]", _megabytes(entry.size_bytes),
            f"{entry.words:,}" if entry.words else "-", _text(entry.license), _text(entry.title),
        )
    console.print(table)
    from corpora import data_dir

    console.print(_text(f"UD data folder: {data_dir()} (POSTAG_DATA_DIR); NLTK data: NLTK_DATA or ~/nltk_data"))


@corpora_app.command("info")
@user_errors
def corpora_info(
    name: str = typer.Argument(..., help="A corpus name: ud:en_ewt, ud:de_gsd@2.15, nltk:brown, ..."),
    tagset: str = typer.Option(None, "--tagset", "-t", help="upos/xpos (UD) or native/universal (NLTK)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Source, license, splits and sentences/tokens per split of a named corpus."""
    from rich.table import Table

    from pipelines.corpus_stats import corpus_info

    info = corpus_info(name, tagset)
    if as_json:
        _print_json(info)
        return
    entry = info.entry
    details = Table.grid(padding=(0, 2))
    details.add_column(style="bold")
    details.add_column()
    rows = [
        ("name", entry.name), ("description", entry.description), ("source", entry.source_url),
        ("license", entry.license), ("citation", entry.citation or "-"),
        ("tagsets", ", ".join(entry.tagsets)), ("splits", f"{', '.join(entry.splits)}: {entry.split_rule}"),
        ("location", entry.location), ("present", "yes" if entry.present else "no"),
        ("on disk", _megabytes(entry.size_bytes)),
    ]
    for label, value in rows:
        details.add_row(label, _text(value))
    console.print(details)
    if not info.splits:
        console.print(f"not present locally: run `postag corpora download {entry.name}`", highlight=False)
        return
    table = Table(title=f"{entry.name} ({info.tagset})")
    for column in ("split", "sentences", "tokens", "tags"):
        table.add_column(column, justify="left" if column == "split" else "right")
    for split in info.splits:
        table.add_row(split.split, f"{split.sentences:,}", f"{split.tokens:,}", str(split.tags))
    console.print(table)
    console.print(_text(f"{len(info.tags)} tags: {' '.join(info.tags)}"))


@corpora_app.command("download")
@user_errors
def corpora_download(
    name: str = typer.Argument(..., help="A corpus name: ud:en_gum, ud:de_gsd@2.15, nltk:brown, ..."),
) -> None:
    """Download a named corpus (UD: into POSTAG_DATA_DIR, verified; NLTK: with nltk.download)."""
    from pipelines.corpus_stats import download

    def progress(file_name: str, done: int, total: int | None) -> None:
        if total and done == total:
            err_console.print(_text(f"  {file_name}: {done / 1e6:.1f} MB"))

    paths = download(name, progress)
    for path in paths:
        console.print(_text(f"{path}"))
    # UD files are checked against their SHA-256; NLTK packages carry no checksum to check.
    console.print(_text(f"{name}: present" + (" and verified" if name.startswith("ud:") else "")))


@corpora_app.command("stats")
@user_errors
def corpora_stats(
    source: str = typer.Argument(..., help="A corpus name (ud:..., nltk:...), a file, or a folder of splits."),
    tagset: str = typer.Option(None, "--tagset", "-t", help="upos/xpos (UD, CoNLL-U) or native/universal (NLTK)."),
    file_format: str = typer.Option("auto", "--format", help="auto, conllu, wordtag or columns (files only)."),
    split: str = typer.Option(None, "--split", help="Cut dev/test off a lone training file: 90/10 or 80/10/10."),
    separator: str = typer.Option("/", "--separator", help="Between word and tag in word/TAG files."),
    word_column: int = typer.Option(None, "--word-column", help="Column files: the word's column (from 1)."),
    tag_column: int = typer.Option(None, "--tag-column", help="Column files: the tag's column (from 1)."),
    top: int = typer.Option(20, "--top", help="How many tags and ambiguous words to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (all tags) instead of tables."),
) -> None:
    """Tag distribution, sentence lengths, vocabulary, OOV rate of dev/test against train, ambiguous words."""
    from rich.table import Table

    from pipelines.corpus_stats import corpus_stats

    # Only the options the user set: a named corpus refuses file options.
    options = {key: value for key, value in
               (("separator", separator if separator != "/" else None), ("word_column", word_column),
                ("tag_column", tag_column)) if value is not None}
    stats = corpus_stats(source, tagset=tagset, format=file_format, split=split, top=top, **options)
    if as_json:
        _print_json(stats)
        return
    splits = Table(title=_text(f"{stats.source}: {stats.name} ({stats.tagset}), vocabulary {stats.vocabulary:,}"))
    for column in ("split", "sentences", "tokens", "vocabulary", "tags", "length mean", "median", "p90", "max",
                   "OOV tokens", "OOV types"):
        splits.add_column(column, justify="left" if column == "split" else "right")
    for s in stats.splits:
        oov = f"{s.oov_rate:.2%}" if s.oov_rate is not None else "-"
        oov_types = f"{s.oov_type_rate:.2%}" if s.oov_type_rate is not None else "-"
        splits.add_row(s.split, f"{s.sentences:,}", f"{s.tokens:,}", f"{s.vocabulary:,}", str(s.tags),
                       f"{s.length_mean:.1f}", f"{s.length_median:g}", str(s.length_p90), str(s.length_max),
                       oov, oov_types)
    console.print(splits)
    if stats.empty_splits:
        console.print(f"no sentences in: {', '.join(stats.empty_splits)}", highlight=False)

    names = [s.split for s in stats.splits]
    totals = {split: sum(stats.tag_counts[split].values()) for split in names}
    tags = list(stats.tag_counts[names[0]])
    tag_table = Table(title=f"tags ({len(tags)} in {names[0]}; top {min(top, len(tags))})")
    tag_table.add_column("tag")
    for split in names:
        tag_table.add_column(split, justify="right")
    for tag in tags[:top]:
        cells = []
        for split in names:
            count = stats.tag_counts[split].get(tag, 0)
            cells.append(f"{count:,} ({count / totals[split]:.1%})" if totals[split] else "0")
        tag_table.add_row(_text(tag), *cells)
    console.print(tag_table)

    lengths = Table(title="sentence lengths (words)")
    lengths.add_column("length")
    for split in names:
        lengths.add_column(split, justify="right")
    labels = [label for label, _ in stats.length_histogram[names[0]]]
    for index, label in enumerate(labels):
        lengths.add_row(label, *[f"{stats.length_histogram[split][index][1]:,}" for split in names])
    console.print(lengths)

    console.print(
        f"ambiguous words in train: {stats.ambiguous_types:,} forms ({stats.ambiguous_type_rate:.1%} of forms), "
        f"{stats.ambiguous_token_rate:.1%} of tokens", highlight=False,
    )
    if stats.ambiguous_words:
        ambiguous = Table(title=f"most frequent ambiguous words (top {len(stats.ambiguous_words)})")
        for column in ("word", "count", "tags"):
            ambiguous.add_column(column, justify="right" if column == "count" else "left")
        for word in stats.ambiguous_words:
            tags_text = ", ".join(f"{tag} {count:,}" for tag, count in word.tags[:6])
            ambiguous.add_row(_text(word.word), f"{word.count:,}", _text(tags_text))
        console.print(ambiguous)


@app.command("tokenize")
@user_errors
def tokenize_command(
    file: str = typer.Argument(..., help="A UTF-8 text file, or - for standard input."),
    output_format: str = typer.Option("text", "--format", "-f", help="text (a sentence a line) or json."),
    tokenizer_kind: str = typer.Option(None, "--tokenizer", help="rules (NLTK) or model (a trained tokenizer); "
                                       "default: the --model's tokenizer when it has one, else rules."),
    model: str = typer.Option(None, "--model", "-m", help="A tokenizer directory, or a model (name or directory) "
                              "whose tokenizer/ to use."),
) -> None:
    """Show how raw text is split into sentences and words.

    text: one sentence a line, words separated by single spaces. json: every sentence and word with its
    character offsets [start, end) into the text as read (after a UTF-8 BOM, line ends untouched); the
    words of a multiword token (don't = do + n't) share its offsets.
    """
    import corpora
    from pipelines.evaluate_raw import choose_tokenizer, tokenize_document

    if output_format not in ("text", "json"):
        raise typer.BadParameter(f"--format must be text or json, not {output_format!r}")
    from corpora.textfile import read_raw_stream

    tokenizer = choose_tokenizer(tokenizer_kind, model)
    text = read_raw_stream(sys.stdin.buffer, "<stdin>") if file == "-" else corpora.read_raw_text(file)
    sentences = tokenize_document(tokenizer, text)
    if output_format == "text":
        sys.stdout.write("".join(" ".join(sentence.words) + "\n" for sentence in sentences))
        return
    _print_json({
        "source": file,
        "sentences": [
            {
                "start": sentence.spans[0][0], "end": sentence.spans[-1][1],
                "text": text[sentence.spans[0][0] : sentence.spans[-1][1]],
                "words": [{"word": w, "start": a, "end": b} for w, (a, b) in zip(sentence.words, sentence.spans,
                                                                                   strict=True)],
            }
            for sentence in sentences
        ],
    })


# ---- tokenizer train|attach: the trained tokenizer and sentence splitter -------------------------------

tokenizer_app = typer.Typer(help="Trained tokenizers: train one on raw text with gold tokens, attach it to a tagger.",
                            no_args_is_help=True)
app.add_typer(tokenizer_app, name="tokenizer")


@tokenizer_app.command("train")
@user_errors
def tokenizer_train(
    output: Path = typer.Option(..., "--output", "-o", help="Tokenizer directory to write (replaced atomically)."),
    corpus: str = typer.Option(None, "--corpus", "-c", help="A UD treebank, e.g. ud:en_ewt."),
    train_file: Path = typer.Option(None, "--train", help="Training file: CoNLL-U (its text is rebuilt from the "
                                    "tokens and SpaceAfter, as UD's conllu_to_text.pl does)."),
    dev_file: Path = typer.Option(None, "--dev", help="Development CoNLL-U file, for early stopping."),
    test_file: Path = typer.Option(None, "--test", help="Test CoNLL-U file, scored after training."),
    epochs: int = typer.Option(None, "--epochs", help="Most epochs to train (early stopping may end sooner)."),
    seed: int = typer.Option(None, "--seed", help="Random seed: the same seed repeats the same run."),
    max_seconds: float = typer.Option(None, "--max-seconds", help="Stop after this many seconds; keep the best."),
    settings: list[str] = typer.Option([], "--set", help="Any TokenizerConfig field, KEY=VALUE (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
) -> None:
    """Train a tokenizer and sentence splitter on gold raw text and save it as a directory."""
    from pipelines.tokenizer_train import load_tokenizer_data, train_tokenizer
    from tagger import TokenizerConfig

    options = {"epochs": epochs, "seed": seed, "max_seconds": max_seconds}
    config = TokenizerConfig().replace(**{k: v for k, v in options.items() if v is not None})
    config = config.with_settings(_parse_settings(settings))
    data = load_tokenizer_data(corpus, train_file, dev_file, test_file)
    given = [("--corpus", corpus), ("--train", train_file), ("--dev", dev_file), ("--test", test_file),
             ("--epochs", epochs), ("--seed", seed), ("--max-seconds", max_seconds),
             *(("--set", item) for item in settings), ("--output", output)]
    command = " ".join(["postag tokenizer train", *(f"{flag} {value}" for flag, value in given if value is not None)])
    with _TrainingDisplay(score_name="dev F1 (tokens+sentences)/2") as display:
        result = train_tokenizer(data, config, output=output, progress=display.update,
                                 metadata={"command": command})
    if result.interrupted:
        where = f"; the best epoch so far ({result.best_epoch}) is saved in {output}" if result.best_epoch else ""
        err_console.print(f"training interrupted{where}")
        raise typer.Exit(130)
    if as_json:
        console.print_json(json.dumps(result.metrics))
        return
    from rich.table import Table

    table = Table(title=_text(f"tokenizer saved to {output}"))
    for column in ("split", "tokens F1", "sentences F1", "words F1"):
        table.add_column(column, justify="left" if column == "split" else "right")
    for name, evaluation in (("dev", result.dev), ("test", result.test)):
        if evaluation is not None:
            table.add_row(name, f"{evaluation.tokens.f1:.2%}", f"{evaluation.sentences.f1:.2%}",
                          f"{evaluation.words.f1:.2%}")
    console.print(table)
    console.print(f"best epoch {result.best_epoch} ({result.stopped_because}); {result.train_seconds:.0f} s; "
                  f"{result.parameters:,} parameters")


@tokenizer_app.command("attach")
@user_errors
def tokenizer_attach(
    tokenizer: Path = typer.Argument(..., help="A tokenizer directory (from `postag tokenizer train`)."),
    model: Path = typer.Argument(..., help="A tagger's model directory: the tokenizer goes into its tokenizer/."),
) -> None:
    """Give a tagger a trained tokenizer: copy it into the model directory (atomically, checksums rewritten)."""
    from tagger.tokenizer import attach_tokenizer

    attach_tokenizer(tokenizer, model)
    console.print(_text(f"{model}: tokenizer/ is now {tokenizer}; raw text given to this model is split by it"))


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
        self.tasks: dict[str, int] = {}
        return self

    def update(self, event) -> None:
        if not self.tasks:  # started on the first event, so a data error leaves no empty bar behind
            self.progress.start()
        if event.mode not in self.tasks:
            self.tasks[event.mode] = self.progress.add_task(event.mode, total=event.epochs * event.steps_per_epoch,
                                                            status="")
        status = f"epoch {event.epoch}/{event.epochs}"
        if event.loss is not None:
            status += f" loss {event.loss:.4f}"
        self.progress.update(self.tasks[event.mode], status=status,
                             completed=(event.epoch - 1) * event.steps_per_epoch + event.step)

    def __exit__(self, *exc):
        if self.tasks:
            self.progress.stop()
        return False


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


# ---- compare: architectures side by side, with baselines and significance tests ---------------------------


@app.command()
@user_errors
def compare(
    output: Path = typer.Option(..., "--output", "-o", help="Folder for the report and the models; a folder "
                                "holding the same comparison is resumed."),
    corpus: str = typer.Option(None, "--corpus", "-c", help="Named corpus, e.g. ud:en_ewt."),
    train_file: Path = typer.Option(None, "--train", help="Training file (CoNLL-U or word/TAG lines)."),
    dev_file: Path = typer.Option(None, "--dev", help="Development file: early stopping, choosing the best."),
    test_file: Path = typer.Option(None, "--test", help="Test file: where the models are compared."),
    file_format: str = typer.Option("auto", "--format", help="Format of --train/--dev/--test files."),
    tagset: str = typer.Option(None, "--tagset", "-t", help="upos (default) or xpos for CoNLL-U and UD; native "
                               "(default) or universal for NLTK."),
    archs: list[str] = typer.Option([], "--arch", "-a", help="Architecture to compare, repeatable: fcn, window, "
                                    "rnn, or NAME=ARCH for a named variant (default: fcn, window and rnn)."),
    configs: Path = typer.Option(None, "--configs", help="JSON or TOML file of variants: "
                                 "name -> {architecture, TaggerConfig fields}."),
    settings: list[str] = typer.Option([], "--set", help="KEY=VALUE for every variant, NAME.KEY=VALUE for one "
                                       "variant or architecture (repeatable)."),
    seeds: str = typer.Option(None, "--seeds", help="Seeds, e.g. 1,2,3 or 1-5 (default 1): each variant "
                              "trains once per seed."),
    epochs: int = typer.Option(None, "--epochs", help="Most epochs for every variant."),
    baselines: bool = typer.Option(True, "--baselines/--no-baselines",
                                   help="Most-frequent-tag and NLTK averaged perceptron rows."),
    force: bool = typer.Option(False, "--force", help="Replace a different comparison in --output "
                               "(models that still match are reused)."),
    as_json: bool = typer.Option(False, "--json", help="Print report.json instead of tables."),
):
    """Which architecture is best for this corpus: same data, vocabulary and seeds; McNemar tests; report files."""
    from pipelines.compare import compare as run_comparison
    from pipelines.compare import parse_seeds, plan_variants
    from pipelines.compare_records import DataSource
    from pipelines.errors import PipelineError

    try:
        parsed_settings = _parse_settings(settings)
    except typer.BadParameter as error:
        raise PipelineError(f"{error.message}; e.g. --set hidden_dim=256 or --set rnn.cell=gru") from None
    # Everything is checked before any data is read or any model trained.
    seed_list = parse_seeds(seeds)
    variants = plan_variants(archs, parsed_settings, configs, epochs)
    source = DataSource.of(corpus, train_file, dev_file, test_file, file_format, tagset)
    command = _compare_command(corpus, train_file, dev_file, test_file, tagset, archs, configs, settings, seeds,
                               epochs, baselines, output)
    with _CompareDisplay() as display:
        result = run_comparison(source, variants, seed_list, output, force=force, baselines=baselines,
                                progress=display.update, command=command)
    if as_json:
        sys.stdout.write(json.dumps(result.report.to_json(), ensure_ascii=False) + "\n")
        return
    _print_comparison(result.report, result.files)


def _compare_command(corpus, train_file, dev_file, test_file, tagset, archs, configs, settings, seeds, epochs,
                     baselines, output) -> str:
    """The command line that repeats this comparison, for the report."""
    import shlex

    parts = ["postag", "compare"]
    for option, value in (("--corpus", corpus), ("--train", train_file), ("--dev", dev_file),
                          ("--test", test_file), ("--tagset", tagset), ("--configs", configs),
                          ("--seeds", seeds), ("--epochs", epochs)):
        if value is not None:
            parts += [option, str(value)]
    for arch in archs:
        parts += ["--arch", arch]
    for setting in settings:
        parts += ["--set", setting]
    if not baselines:
        parts.append("--no-baselines")
    return shlex.join(parts + ["--output", str(output)])


class _CompareDisplay:
    """Rich progress for `postag compare`: runs done, and the current run's epoch and batches (on stderr)."""

    def __enter__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[status]}"), TimeElapsedColumn(),
                                 console=err_console, transient=True)
        self.progress.__enter__()
        self.overall = None
        self.current = None
        self.best_dev = None
        return self

    def _say(self, text: str) -> None:
        self.progress.console.print(_text(text), soft_wrap=True)

    def update(self, event) -> None:
        progress = self.progress
        if event.kind == "plan":
            if event.message == "resume":
                self._say("resuming: models that finished training are reused")
            elif event.message == "replace":
                self._say("replacing the comparison in the output folder (--force)")
            self.overall = progress.add_task("comparison", total=event.total, status="")
        elif event.kind == "run-start":
            self.best_dev = None
            self.current = progress.add_task(event.run, total=None, status="starting")
        elif event.kind == "reuse" and self.current is not None:
            progress.update(self.current, status="reusing the trained model")
        elif event.kind == "train-start" and self.current is not None:
            progress.update(self.current, status=f"training ({event.message})")
        elif event.kind in ("training", "batch") and self.current is not None:
            loss = "" if event.loss is None else f" loss {event.loss:.4f}"
            best = "" if self.best_dev is None else f", best dev {self.best_dev:.2%}"
            progress.update(self.current, description=f"{event.run} epoch {max(event.epoch, 1)}/{event.epochs}",
                            total=event.batches or None, completed=event.batch, status=f"{loss}{best}")
        elif event.kind == "epoch" and event.dev_accuracy is not None:
            self.best_dev = max(self.best_dev or 0.0, event.dev_accuracy)
        elif event.kind == "scoring" and self.current is not None:
            progress.update(self.current, description=event.run, status="tagging dev and test")
        elif event.kind == "run-done":
            if self.current is not None:
                progress.remove_task(self.current)
                self.current = None
            how = "reused" if event.message == "reused" else "trained"
            best = "" if self.best_dev is None or how == "reused" else f", best dev accuracy {self.best_dev:.2%}"
            self._say(f"[{event.index}/{event.total}] {event.run}: {how}{best}")
            if self.overall is not None:
                progress.advance(self.overall)
        elif event.kind == "report" and self.overall is not None:
            progress.update(self.overall, status="writing the report")

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)


def _print_comparison(report, files: dict) -> None:
    from rich.table import Table

    from pipelines import report as render

    corpus = report.corpus
    title = f"postag compare: {corpus.name} ({corpus.tagset}), test {corpus.splits['test'].tokens:,} tokens"
    headers = {key: short for key, _, short in render.RESULT_COLUMNS}
    cells = render.result_cells(report, short=True)
    # One wide table where it fits; otherwise accuracy and cost as two tables of six columns.
    groups = [[key for key, _, _ in render.RESULT_COLUMNS]] if console.width >= 160 else \
        [list(render.ACCURACY_KEYS), list(render.COST_KEYS)]
    for number, keys in enumerate(groups):
        part = "" if len(groups) == 1 else (" (accuracy)" if number == 0 else " (cost)")
        table = Table(title=title + part)
        for index, key in enumerate(keys):
            table.add_column(headers[key], justify="left" if index == 0 else "right", overflow="fold",
                             no_wrap=index == 0)
        previous_kind = None
        for row, row_cells in zip(report.rows, cells):
            if previous_kind == "baseline" and row.kind != "baseline":
                table.add_section()  # baselines above the line, neural variants below
            previous_kind = row.kind
            table.add_row(*[_text(row_cells[key]) for key in keys], style="bold green" if row.best else None)
        console.print(table)
    console.print(_text("dev/test acc: accuracy; unseen acc: test accuracy on words unseen in training; p vs best: "
                        "McNemar's test (largest p over seeds); peak mem: of the run's own process"),
                  style="dim", soft_wrap=True)
    console.print(_text(render.seeds_note(report)), soft_wrap=True)
    console.print(_text(render.summary(report)), soft_wrap=True)

    significance = Table(title="McNemar's test on the test tokens, the best model against each other "
                               "(best only / other only: tokens only that model tags right)")
    for index, header in enumerate(render.SHORT_SIGNIFICANCE_HEADERS):
        significance.add_column(header, justify="left" if index < 2 else "right", overflow="fold",
                                no_wrap=index == 0)
    for cells in render.significance_rows(report):
        significance.add_row(*[_text(cell) for cell in cells])
    console.print(significance)

    tags = Table(title=f"Where the models differ most: test F1 per tag (spread over "
                       f"{', '.join(report.per_tag.spread_over)})")
    for index, header in enumerate(render.per_tag_headers(report)):
        tags.add_column(header, justify="left" if index == 0 else "right")
    for cells in render.per_tag_rows(report):
        tags.add_row(*[_text(cell) for cell in cells])
    console.print(tags)
    console.print(_text(f"report: {files['markdown']}, {files['json']}; chart: {files['chart']}"), soft_wrap=True)


# ---- vocab build|show, embeddings train|similar (TensorFlow only inside the commands that train) ---------

vocab_app = typer.Typer(help="Word vocabularies: build one from corpora or files, show one.", no_args_is_help=True)
embeddings_app = typer.Typer(help="Word embeddings: train skip-gram vectors on text, look at neighbours.",
                             no_args_is_help=True)
app.add_typer(vocab_app, name="vocab")
app.add_typer(embeddings_app, name="embeddings")

_SOURCES_HELP = ("Corpus names (their train split; nltk:brown:all or ud:en_ewt:train,dev for others) or files "
                 "(CoNLL-U, or raw text split by the `postag tag` tokenizer).")


class _ReadingStatus:
    """'reading SOURCE (i/n)' on stderr while sources are read, for the vocab and embeddings pipelines."""

    def __call__(self, source, index: int, count: int) -> None:
        err_console.print(_text(f"reading {source.describe()} ({index + 1}/{count})"))


@vocab_app.command("build")
@user_errors
def vocab_build(
    sources: list[str] = typer.Argument(..., help=_SOURCES_HELP),
    output: Path = typer.Option(..., "--output", "-o", help="Vocabulary JSON to write (atomically)."),
    min_count: int = typer.Option(2, "--min-count", help="Keep words seen at least this many times."),
    max_size: int = typer.Option(None, "--max-size", help="Keep at most this many words, most frequent first."),
    lowercase: bool = typer.Option(True, "--lowercase/--cased", help="Lowercase words (as the tagger does by "
                                   "default; the tagger takes this setting from the file)."),
    file_format: str = typer.Option("auto", "--format", help="How to read files: auto, conllu, wordtag, columns, "
                                    "text."),
) -> None:
    """Build a word vocabulary (for `postag train --vocab FILE`)."""
    from pipelines.vocab import build_word_vocab, save_word_vocab

    vocab_file = build_word_vocab(list(sources), min_count, max_size, lowercase, file_format, _ReadingStatus())
    save_word_vocab(vocab_file, output)
    console.print(_text(f"{output}: {len(vocab_file.vocab) - 2:,} words (+ padding and unknown) from "
                        f"{vocab_file.tokens:,} tokens of {', '.join(vocab_file.sources)}; min count "
                        f"{min_count}, {'lowercased' if lowercase else 'cased'}"), soft_wrap=True)


@vocab_app.command("show")
@user_errors
def vocab_show(
    vocab: Path = typer.Argument(..., help="A vocabulary file written by `postag vocab build`."),
    coverage: list[str] = typer.Option([], "--coverage", "-c", help="A corpus name or file to measure the "
                                       "vocabulary's coverage of (repeatable). " + _SOURCES_HELP),
    top: int = typer.Option(10, "--top", help="How many most frequent and rarest words to show."),
    file_format: str = typer.Option("auto", "--format", help="How to read --coverage files."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Size, coverage of a corpus, most frequent and rarest words of a vocabulary."""
    import dataclasses

    from rich.table import Table

    from pipelines.vocab import vocab_summary

    summary = vocab_summary(vocab, list(coverage), top, file_format)
    if as_json:
        data = dataclasses.asdict(summary)
        for item, entry in zip(data["coverage"], summary.coverage):
            item.update(token_rate=entry.token_rate, type_rate=entry.type_rate)
        _print_json(data)
        return
    console.print(_text(f"{summary.path}: {summary.words:,} words (+ padding and unknown), "
                        f"{'lowercased' if summary.lowercase else 'cased'}, min count {summary.min_count}"
                        + (f", max size {summary.max_size:,}" if summary.max_size else "")
                        + f"; built from {summary.tokens:,} tokens of {', '.join(summary.sources) or '?'}"),
                  soft_wrap=True)
    if summary.coverage:
        table = Table(title="coverage (words with their own id; the rest share <unk>)")
        for column in ("source", "tokens", "known tokens", "types", "known types"):
            table.add_column(column, justify="left" if column == "source" else "right")
        for entry in summary.coverage:
            table.add_row(_text(entry.source), f"{entry.tokens:,}", f"{entry.token_rate:.2%}", f"{entry.types:,}",
                          f"{entry.type_rate:.2%}")
        console.print(table)
    for title, words in ((f"most frequent {len(summary.most_frequent)}", summary.most_frequent),
                         (f"rarest {len(summary.rarest)}", summary.rarest)):
        table = Table(title=title)
        table.add_column("word")
        table.add_column("count", justify="right")
        for word, count in words:
            table.add_row(_text(word), f"{count:,}")
        console.print(table)


class _EmbeddingsDisplay:
    """Reading lines, then a Rich progress bar over corpus tokens x epochs, fed by the pipeline's callback."""

    def __enter__(self):
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
                                 TextColumn("{task.fields[status]}"), TimeElapsedColumn(), console=err_console)
        self.progress.__enter__()
        self.task = None
        return self

    def update(self, event) -> None:
        if event.stage == "read":
            self.progress.console.print(_text(f"reading {event.source} ({event.index + 1}/{event.sources})"))
            return
        if self.task is None:
            self.task = self.progress.add_task("skip-gram", total=event.tokens_total, status="")
        loss = "" if event.loss is None else f" loss {event.loss:.4f}"
        self.progress.update(self.task, completed=event.tokens_done, status=f"epoch {event.epoch}/{event.epochs}"
                             f"{loss}")

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)


@embeddings_app.command("train")
@user_errors
def embeddings_train(
    sources: list[str] = typer.Argument(..., help="Text files and corpus names. " + _SOURCES_HELP),
    output: Path = typer.Option(..., "--output", "-o", help="Vectors file to write (word2vec text format)."),
    dim: int = typer.Option(100, "--dim", help="Vector dimensions."),
    window: int = typer.Option(5, "--window", help="Most words on each side of a word that count as context."),
    epochs: int = typer.Option(5, "--epochs", help="Passes over the text."),
    min_count: int = typer.Option(5, "--min-count", help="Words seen fewer times get no vector."),
    negatives: int = typer.Option(5, "--negatives", help="Negative samples per (word, context) pair."),
    lowercase: bool = typer.Option(True, "--lowercase/--cased", help="Lowercase words first (as the tagger's "
                                   "word embedding does by default)."),
    batch_size: int = typer.Option(4096, "--batch-size", help="(word, context) pairs per update."),
    learning_rate: float = typer.Option(0.025, "--learning-rate", "--lr", help="Starting step size (decays to 0)."),
    seed: int = typer.Option(1, "--seed", help="Random seed: the same seed repeats the same run."),
    file_format: str = typer.Option("auto", "--format", help="How to read files: auto, conllu, wordtag, columns, "
                                    "text."),
) -> None:
    """Train word vectors (skip-gram with negative sampling) and write them in word2vec text format."""
    from pipelines.embeddings import train_embeddings

    with _EmbeddingsDisplay() as display:
        result = train_embeddings(list(sources), output, dim=dim, window=window, epochs=epochs, min_count=min_count,
                                  negatives=negatives, lowercase=lowercase, batch_size=batch_size,
                                  learning_rate=learning_rate, seed=seed, format=file_format,
                                  progress=display.update)
    loss = (f"; loss per pair {result.losses[0]:.3f} at the start, {result.epoch_losses[-1]:.3f} over the last "
            f"epoch" if result.losses else "")
    if result.reused:
        loss += "; reused: the file was trained on the same sources with the same settings (its .run.json)"
    console.print(_text(
        f"{result.output}: {result.vocabulary:,} words x {result.dim} from {result.corpus_tokens:,} tokens "
        f"({result.training_tokens:,} kept by --min-count {min_count}) in {result.sentences:,} sentences; "
        f"{result.epochs} epoch{'s' if result.epochs != 1 else ''} in {result.train_seconds:.1f} s, "
        f"{result.words_per_second:,.0f} words/s{loss}"), soft_wrap=True)


charlm_app = typer.Typer(help="Character language models: pretrain one on raw text for taggers to read.",
                         no_args_is_help=True)
app.add_typer(charlm_app, name="charlm")


class _CharLMDisplay:
    """Reading lines, then a Rich progress bar over batches, fed by the pipeline's callback."""

    def __enter__(self):
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
                                 TextColumn("{task.fields[status]}"), TimeElapsedColumn(), console=err_console)
        self.progress.__enter__()
        self.task = None
        return self

    def update(self, event) -> None:
        if event.stage == "read":
            self.progress.console.print(_text(f"reading {event.source} ({event.index}/{event.sources})"))
            return
        if self.task is None:
            self.task = self.progress.add_task("character LM", total=event.batches * event.epochs, status="")
        loss = "" if event.loss is None else f" loss {event.loss:.3f}"
        self.progress.update(self.task, completed=(event.epoch - 1) * event.batches + event.batch,
                             status=f"epoch {event.epoch}/{event.epochs}{loss}")

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)


@charlm_app.command("train")
@user_errors
def charlm_train(
    sources: list[str] = typer.Argument(..., help="Text files and corpus names (also untagged NLTK text: nltk:abc, "
                                        "nltk:movie_reviews, ...). " + _SOURCES_HELP),
    output: Path = typer.Option(..., "--output", "-o", help="Directory to write (reused when it holds an LM "
                                "trained on the same sources with the same settings)."),
    units: int = typer.Option(256, "--units", help="LSTM units of each direction."),
    char_dim: int = typer.Option(32, "--char-dim", help="Character embedding size."),
    sequence_length: int = typer.Option(150, "--sequence-length", help="Characters per training example."),
    batch_size: int = typer.Option(64, "--batch-size", help="Examples per update."),
    epochs: int = typer.Option(1, "--epochs", help="Passes over the text."),
    max_seconds: float = typer.Option(0.0, "--max-seconds", help="Stop after this many seconds (0: no limit)."),
    learning_rate: float = typer.Option(0.002, "--learning-rate", "--lr", help="Adam's step size."),
    min_char_count: int = typer.Option(5, "--min-char-count", help="Rarer characters are unknown to the LM."),
    seed: int = typer.Option(1, "--seed", help="Random seed."),
    file_format: str = typer.Option("auto", "--format", help="How to read files: auto, conllu, wordtag, columns, "
                                    "text."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Pretrain a forward and a backward character LSTM on raw text (for `postag train --set char_lm=DIR`)."""
    from pipelines.charlm import result_json, train_char_lm

    with _CharLMDisplay() as display:
        result = train_char_lm(list(sources), output, units=units, char_dim=char_dim,
                               sequence_length=sequence_length, batch_size=batch_size, epochs=epochs,
                               max_seconds=max_seconds, learning_rate=learning_rate, min_char_count=min_char_count,
                               seed=seed, format=file_format, progress=display.update)
    if as_json:
        _print_json(result_json(result))
        return
    bits = "—" if result.dev_bits_per_character is None else f"{result.dev_bits_per_character:.3f}"
    how = "reused (same sources and settings)" if result.reused else (
        f"trained {result.epochs_done:g} epochs in {result.train_seconds:.0f} s, "
        f"{result.characters_per_second:,.0f} characters/s ({result.stopped_because})")
    console.print(_text(f"{result.output}: {result.settings['units']} units x 2 "
                        f"directions, {result.vocabulary} characters, from {result.characters:,} characters in "
                        f"{result.sentences:,} sentences; {how}; held-out bits per character {bits}; "
                        f"{result.size_bytes / 1e6:.1f} MB"), soft_wrap=True)


@embeddings_app.command("trim")
@user_errors
def embeddings_trim(
    vectors: Path = typer.Argument(..., help="A word2vec text file, most frequent word first (.gz accepted)."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write; gzip-compressed when it ends with .gz."),
    max_words: int = typer.Option(20000, "--max-words", help="Keep the file's first (most frequent) N words."),
    precision: int = typer.Option(3, "--precision", help="Significant digits of each value."),
) -> None:
    """Cut a vectors file to its most frequent words and fewer digits (vectors small enough to ship)."""
    from pipelines.embeddings import trim_vectors

    result = trim_vectors(vectors, output, max_words, precision)
    console.print(_text(f"{result.output}: {result.words:,} of {result.words_in_file:,} words x {result.dim}, "
                        f"{precision} significant digits, {result.size_bytes / 1e6:.1f} MB"), soft_wrap=True)


@embeddings_app.command("similar")
@user_errors
def embeddings_similar(
    vectors: Path = typer.Argument(..., help="A word2vec, GloVe or fastText text file (.gz accepted)."),
    word: str = typer.Argument(..., help="The word to find neighbours of (exact form, else lowercased)."),
    k: int = typer.Option(10, "-k", "--top", help="How many neighbours."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Nearest neighbours of a word by cosine similarity: a quick look at whether vectors mean anything."""
    from rich.table import Table

    from pipelines.embeddings import nearest_neighbours

    result = nearest_neighbours(vectors, word, k)
    if as_json:
        _print_json(result)
        return
    console.print(_text(f"nearest to {result.found_as!r} in {result.path} ({result.vectors:,} words x {result.dim})"),
                  soft_wrap=True)
    table = Table()
    for column in ("rank", "word", "cosine"):
        table.add_column(column, justify="left" if column == "word" else "right")
    for rank, (neighbour, cosine) in enumerate(result.neighbours, start=1):
        table.add_row(str(rank), _text(neighbour), f"{cosine:.3f}")
    console.print(table)


def _prepare_word_inputs(data, config, vocab_file, embeddings, freeze, extend, settings):
    """`train --vocab/--embeddings`: the settled vocabulary and embedding, with coverage reported on stderr."""
    if not (vocab_file or embeddings or freeze or extend):
        return None
    from pipelines.embeddings import prepare_word_inputs

    words = prepare_word_inputs(data, config, vocab_file, embeddings, freeze, extend, set(_parse_settings(settings)))
    if words.vocab_file is not None:
        err_console.print(_text(f"vocabulary {vocab_file}: {len(words.vocab_file.vocab) - 2:,} words, "
                                f"{words.vocab_coverage:.2%} of training tokens have their own id"), soft_wrap=True)
    report = words.embeddings
    if report:
        extended = f"; {report['extended']:,} words added from the file" if report["extended"] else ""
        err_console.print(_text(
            f"embeddings {report['file']} ({report['dim']} dimensions): {report['covered']:,} of "
            f"{report['vocabulary']:,} vocabulary words have a vector ({report['coverage']:.2%}: {report['exact']:,} "
            f"exact, {report['lowercased']:,} by lowercase), {report['token_coverage']:.2%} of training tokens; "
            f"{report['random']:,} initialised at random{extended}"
            f"{'; frozen' if words.config.freeze_embeddings else ''}"), soft_wrap=True)
    return words

def main() -> None:
    app()


if __name__ == "__main__":
    main()
