"""Results as Rich tables on stdout: what each command shows once its pipeline has returned.

Every function takes a pipeline's result and prints it; user data (words, tags, paths) goes through
`text`, so it is never read as markup.
"""

from __future__ import annotations

from rich.table import Table

from .terminal import console, megabytes, say, text


def _table(title, columns: list[str], left: int = 1, **options) -> Table:
    """A table whose first `left` columns are left-aligned and the rest (numbers) right-aligned."""
    table = Table(title=title, **options)
    for index, column in enumerate(columns):
        table.add_column(column, justify="left" if index < left else "right")
    return table


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


# ---- training and evaluation ----------------------------------------------------------------------------------

def training_summary(result, output) -> None:
    table = _table(text(f"{result.tagger.config.architecture} tagger saved to {output}"),
                   ["split", "accuracy", "unseen-word accuracy", "tokens"])
    for name, evaluation in (("dev", result.dev), ("test", result.test)):
        if evaluation is not None:
            table.add_row(name, f"{evaluation.accuracy:.2%}", percent(evaluation.oov_accuracy),
                          f"{evaluation.tokens:,}")
    console.print(table)
    _stopping(result)


def tokenizer_summary(result, output) -> None:
    table = _table(text(f"tokenizer saved to {output}"), ["split", "tokens F1", "sentences F1", "words F1"])
    for name, evaluation in (("dev", result.dev), ("test", result.test)):
        if evaluation is not None:
            table.add_row(name, f"{evaluation.tokens.f1:.2%}", f"{evaluation.sentences.f1:.2%}",
                          f"{evaluation.words.f1:.2%}")
    console.print(table)
    _stopping(result)


def tokenizer_relearned(metrics: dict, output) -> None:
    memory, classifier = metrics["memory"], metrics["sentence_classifier"]
    table = _table(text(f"tokenizer saved to {output}: learned from {memory['corpus']}, a token memory of "
                        f"{memory['joins']:,} joins, {memory['cuts']:,} cuts and {len(memory['prefixes']):,} "
                        f"prefixes, and a sentence classifier of {classifier['features']:,} features"),
                   ["split", "boundaries", "tokens F1", "sentences F1", "words F1"])
    for split in ("dev", "test"):
        for label, key in (("network alone", f"{split}_network_alone"), ("+ token memory", f"{split}_with_memory"),
                           ("+ sentence classifier", split)):
            scores = metrics.get(key)
            if scores:
                table.add_row(split, label, f"{scores['tokens']:.2%}", f"{scores['sentences']:.2%}",
                              f"{scores['words']:.2%}")
    console.print(table)


def _stopping(result) -> None:
    console.print(f"best epoch {result.best_epoch} ({result.stopped_because}); {result.train_seconds:.0f} s; "
                  f"{result.parameters:,} parameters", highlight=False)


def evaluation(result, title: str) -> None:
    oov = "—" if result.oov_accuracy is None else f"{result.oov_accuracy:.2%} of {result.oov_tokens:,}"
    from rich.text import Text

    console.print(Text.assemble((title, "bold"), f": accuracy {result.accuracy:.2%} on {result.tokens:,} tokens "
                                f"({result.sentences:,} sentences); unseen words {oov}"))
    table = _table("per tag", ["tag", "precision", "recall", "F1", "support"])
    for tag, s in sorted(result.per_tag.items(), key=lambda item: -item[1].support):
        table.add_row(text(tag), f"{s.precision:.2%}", f"{s.recall:.2%}", f"{s.f1:.2%}", f"{s.support:,}")
    console.print(table)
    confusions = _table("most frequent confusions", ["gold", "predicted", "count"], left=2)
    for gold, predicted, count in result.confusions:
        confusions.add_row(text(gold), text(predicted), f"{count:,}")
    console.print(confusions)


def raw_evaluation(result, title: str) -> None:
    scores = result.evaluation
    table = _table(text(title), ["metric", "precision", "recall", "F1", "aligned accuracy", "gold", "system"])
    for name in ("tokens", "sentences", "words", "upos", "xpos"):
        score = getattr(scores, name)
        if score is not None:
            aligned = "" if score.aligned_accuracy is None else f"{score.aligned_accuracy:.2%}"
            table.add_row(name.upper() if name in ("upos", "xpos") else name, f"{score.precision:.2%}",
                          f"{score.recall:.2%}", f"{score.f1:.2%}", aligned, f"{score.gold:,}", f"{score.system:,}")
    console.print(table)
    if result.tokenize_seconds:
        say(f"tokenizer: {result.tokenizer}; {result.tokens:,} tokens in {result.tokenize_seconds:.2f} s "
            f"({result.tokens_per_second:,.0f} tokens/s)")
    else:  # a system's file, scored as it was written
        say(f"system file: {result.tokenizer}; {result.tokens:,} tokens")


def comparison(report, files: dict) -> None:
    from pipelines.compare import render as columns

    corpus = report.corpus
    title = f"postag compare: {corpus.name} ({corpus.tagset}), test {corpus.splits['test'].tokens:,} tokens"
    headers = {key: short for key, _, short in columns.RESULT_COLUMNS}
    cells = columns.result_cells(report, short=True)
    # One wide table where it fits; otherwise accuracy and cost as two tables of six columns.
    groups = [[key for key, _, _ in columns.RESULT_COLUMNS]] if console.width >= 160 else \
        [list(columns.ACCURACY_KEYS), list(columns.COST_KEYS)]
    for number, keys in enumerate(groups):
        part = "" if len(groups) == 1 else (" (accuracy)" if number == 0 else " (cost)")
        table = Table(title=text(title + part))
        for index, key in enumerate(keys):
            table.add_column(headers[key], justify="left" if index == 0 else "right", overflow="fold",
                             no_wrap=index == 0)
        previous_kind = None
        for row, row_cells in zip(report.rows, cells):
            if previous_kind == "baseline" and row.kind != "baseline":
                table.add_section()  # baselines above the line, neural variants below
            previous_kind = row.kind
            table.add_row(*[text(row_cells[key]) for key in keys], style="bold green" if row.best else None)
        console.print(table)
    console.print(text("dev/test acc: accuracy; unseen acc: test accuracy on words unseen in training; p vs best: "
                       "McNemar's test (largest p over seeds); peak mem: of the run's own process"),
                  style="dim", soft_wrap=True)
    say(columns.seeds_note(report))
    say(columns.summary(report))

    significance = Table(title="McNemar's test on the test tokens, the best model against each other "
                               "(best only / other only: tokens only that model tags right)")
    for index, header in enumerate(columns.SHORT_SIGNIFICANCE_HEADERS):
        significance.add_column(header, justify="left" if index < 2 else "right", overflow="fold",
                                no_wrap=index == 0)
    for row in columns.significance_rows(report):
        significance.add_row(*[text(cell) for cell in row])
    console.print(significance)

    tags = _table(f"Where the models differ most: test F1 per tag (spread over "
                  f"{', '.join(report.per_tag.spread_over)})", columns.per_tag_headers(report))
    for row in columns.per_tag_rows(report):
        tags.add_row(*[text(cell) for cell in row])
    console.print(tags)
    say(f"report: {files['markdown']}, {files['json']}; chart: {files['chart']}")


def mnist_modes(results) -> None:
    from pipelines.sanity.mnist import MODE_NAMES

    first = results[0]
    epochs = f"{first.epochs} epoch{'' if first.epochs == 1 else 's'}"
    table = _table(f"Gradient descent modes, {first.examples_seen:,} examples seen each "
                   f"({first.train_size:,} x {epochs})",
                   ["mode", "per update", "updates", "learning rate", "test accuracy", "seconds"])
    for result in results:
        table.add_row(MODE_NAMES[result.mode], f"{result.batch_size:,}", f"{result.updates:,}",
                      f"{result.learning_rate:g}", f"{result.accuracy:.2%}", f"{result.seconds:.1f}")
    console.print(table)


# ---- models ---------------------------------------------------------------------------------------------------

def _score_text(scores: dict, split: str) -> str:
    entry = scores.get(split) or {}
    if entry.get("accuracy") is None:
        return "-"
    oov = entry.get("oov_accuracy")
    return f"{entry['accuracy']:.2%}" + ("" if oov is None else f" (unseen {oov:.2%})")


def models_table(infos, default: str) -> None:
    table = Table(title=text(f"postag models (default: {default})"))
    for column in ("name", "shipped", "architecture", "tagset", "tags", "test accuracy", "size", "license"):
        table.add_column(column, justify="right" if column in ("tags", "size") else "left")
    for info in infos:
        table.add_row(text(info.name), "yes" if info.shipped else "no", info.architecture, text(info.tagset),
                      str(len(info.tags)), _score_text(info.scores, "test"), megabytes(info.size_bytes),
                      text(info.license))
    console.print(table)


def model_details(info) -> None:
    from rich.markdown import Markdown

    details = [("name", info.name), ("path", info.path), ("shipped", "yes" if info.shipped else "no"),
               ("architecture", info.architecture), ("corpus", info.corpus), ("tagset", info.tagset),
               ("tags", " ".join(info.tags)), ("dev accuracy", _score_text(info.scores, "dev")),
               ("test accuracy", _score_text(info.scores, "test")), ("size", megabytes(info.size_bytes)),
               ("license", info.license), ("tags without TensorFlow", "yes" if info.runtime else "after export")]
    for label, value in details:
        say(f"{label:>24}: {value}")
    if info.card:
        console.print(Markdown(info.card))


# ---- corpora --------------------------------------------------------------------------------------------------

def corpora_table(entries, data_dir) -> None:
    table = Table(title="Named corpora (ud:CODE@RELEASE for another UD release)")
    for column in ("name", "present", "on disk", "words", "license", "corpus"):
        # A licence is read whole: "CC BY-SA 4.0" cut over two lines reads as two licences.
        table.add_column(column, justify="right" if column in ("on disk", "words") else "left",
                         no_wrap=column in ("name", "on disk", "words"), min_width=12 if column == "license" else None)
    for entry in entries:
        table.add_row(entry.name, "[green]yes[/green]" if entry.present else "[dim]no[/dim]",
                      megabytes(entry.size_bytes), f"{entry.words:,}" if entry.words else "-", text(entry.license),
                      text(entry.title))
    console.print(table)
    say(f"UD data folder: {data_dir} (POSTAG_DATA_DIR); NLTK data: NLTK_DATA or ~/nltk_data")


def corpus_info(info) -> None:
    entry = info.entry
    details = Table.grid(padding=(0, 2))
    details.add_column(style="bold")
    details.add_column()
    rows = [
        ("name", entry.name), ("description", entry.description), ("source", entry.source_url),
        ("license", entry.license), ("citation", entry.citation or "-"),
        ("tagsets", ", ".join(entry.tagsets)), ("splits", f"{', '.join(entry.splits)}: {entry.split_rule}"),
        ("location", entry.location), ("present", "yes" if entry.present else "no"),
        ("on disk", megabytes(entry.size_bytes)),
    ]
    for label, value in rows:
        details.add_row(label, text(value))
    console.print(details)
    if not info.splits:
        say(f"not present locally: run `postag corpora download {entry.name}`")
        return
    table = _table(text(f"{entry.name} ({info.tagset})"), ["split", "sentences", "tokens", "tags"])
    for split in info.splits:
        table.add_row(split.split, f"{split.sentences:,}", f"{split.tokens:,}", str(split.tags))
    console.print(table)
    say(f"{len(info.tags)} tags: {' '.join(info.tags)}")


def corpus_stats(stats, top: int) -> None:
    splits = _table(text(f"{stats.source}: {stats.name} ({stats.tagset}), vocabulary {stats.vocabulary:,}"),
                    ["split", "sentences", "tokens", "vocabulary", "tags", "length mean", "median", "p90", "max",
                     "OOV tokens", "OOV types"])
    for s in stats.splits:
        oov = f"{s.oov_rate:.2%}" if s.oov_rate is not None else "-"
        oov_types = f"{s.oov_type_rate:.2%}" if s.oov_type_rate is not None else "-"
        splits.add_row(s.split, f"{s.sentences:,}", f"{s.tokens:,}", f"{s.vocabulary:,}", str(s.tags),
                       f"{s.length_mean:.1f}", f"{s.length_median:g}", str(s.length_p90), str(s.length_max),
                       oov, oov_types)
    console.print(splits)
    if stats.empty_splits:
        say(f"no sentences in: {', '.join(stats.empty_splits)}")

    names = [s.split for s in stats.splits]
    totals = {split: sum(stats.tag_counts[split].values()) for split in names}
    tags = list(stats.tag_counts[names[0]])
    tag_table = _table(f"tags ({len(tags)} in {names[0]}; top {min(top, len(tags))})", ["tag", *names])
    for tag in tags[:top]:
        cells = []
        for split in names:
            count = stats.tag_counts[split].get(tag, 0)
            cells.append(f"{count:,} ({count / totals[split]:.1%})" if totals[split] else "0")
        tag_table.add_row(text(tag), *cells)
    console.print(tag_table)

    lengths = _table("sentence lengths (words)", ["length", *names])
    labels = [label for label, _ in stats.length_histogram[names[0]]]
    for index, label in enumerate(labels):
        lengths.add_row(label, *[f"{stats.length_histogram[split][index][1]:,}" for split in names])
    console.print(lengths)

    say(f"ambiguous words in train: {stats.ambiguous_types:,} forms ({stats.ambiguous_type_rate:.1%} of forms), "
        f"{stats.ambiguous_token_rate:.1%} of tokens")
    if stats.ambiguous_words:
        ambiguous = Table(title=f"most frequent ambiguous words (top {len(stats.ambiguous_words)})")
        for column in ("word", "count", "tags"):
            ambiguous.add_column(column, justify="right" if column == "count" else "left")
        for word in stats.ambiguous_words:
            tags_text = ", ".join(f"{tag} {count:,}" for tag, count in word.tags[:6])
            ambiguous.add_row(text(word.word), f"{word.count:,}", text(tags_text))
        console.print(ambiguous)


# ---- vocabularies and embeddings ------------------------------------------------------------------------------

def vocab_summary(summary) -> None:
    say(f"{summary.path}: {summary.words:,} words (+ padding and unknown), "
        f"{'lowercased' if summary.lowercase else 'cased'}, min count {summary.min_count}"
        + (f", max size {summary.max_size:,}" if summary.max_size else "")
        + f"; built from {summary.tokens:,} tokens of {', '.join(summary.sources) or '?'}")
    if summary.coverage:
        table = _table("coverage (words with their own id; the rest share <unk>)",
                       ["source", "tokens", "known tokens", "types", "known types"])
        for entry in summary.coverage:
            table.add_row(text(entry.source), f"{entry.tokens:,}", f"{entry.token_rate:.2%}", f"{entry.types:,}",
                          f"{entry.type_rate:.2%}")
        console.print(table)
    for title, words in ((f"most frequent {len(summary.most_frequent)}", summary.most_frequent),
                         (f"rarest {len(summary.rarest)}", summary.rarest)):
        table = _table(title, ["word", "count"])
        for word, count in words:
            table.add_row(text(word), f"{count:,}")
        console.print(table)


def neighbours(result) -> None:
    say(f"nearest to {result.found_as!r} in {result.path} ({result.vectors:,} words x {result.dim})")
    table = Table()
    for column in ("rank", "word", "cosine"):
        table.add_column(column, justify="left" if column == "word" else "right")
    for rank, (neighbour, cosine) in enumerate(result.neighbours, start=1):
        table.add_row(str(rank), text(neighbour), f"{cosine:.3f}")
    console.print(table)
