"""Training a tokenizer and sentence splitter on raw text, as the five blocks: data, model, loss, updater,
iterative learning.

The data is gold raw text as UD's `conllu_to_text.pl` lays it out (`corpora.read_ud_text`), each character
labelled from the gold token and sentence spans. Every epoch is scored on the dev text with the CoNLL 2018
raw-text metrics (`pipelines.evaluation.conll18`); the epoch with the best mean of tokens F1 and sentences F1 is kept
(sentences are the hard part, tokens what everything else stands on). The loop is the taggers' one
(pipelines.training.loop: updater, weight average, dev score, best epoch kept, checkpoints, early stopping,
learning-rate decay, time limit). `train_tokenizer()` prints nothing: progress goes to a callback, the
result is returned.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from common.files import output_lock
from corpora import CorpusError, TokenizedText, read_ud_text, token_ranges
from pipelines.errors import PipelineError
from pipelines.evaluation.conll18 import RawEvaluation

from . import loop
from .loop import TrainProgress


@dataclass
class TokenizerData:
    """Gold raw text to train on, to early-stop on (optional) and to score once trained (optional)."""

    name: str
    train: TokenizedText
    dev: TokenizedText | None = None
    test: TokenizedText | None = None
    license: str = ""


@dataclass
class TokenizerEpoch:
    epoch: int
    train_loss: float
    dev_accuracy: float | None  # the early-stopping score: mean of dev tokens F1 and sentences F1
    dev_tokens_f1: float | None
    dev_sentences_f1: float | None
    dev_words_f1: float | None
    seconds: float


@dataclass
class TokenizerTrainResult:
    tokenizer: object  # tagger.training.tokenizer_model.KerasTokenizer, holding the best weights
    history: list[TokenizerEpoch]
    best_epoch: int
    train_seconds: float
    parameters: int
    dev: RawEvaluation | None = None
    test: RawEvaluation | None = None
    interrupted: bool = False
    stopped_because: str = ""
    output: Path | None = None
    metrics: dict = field(default_factory=dict)


ProgressCallback = Callable[[TrainProgress], None]


# ---- block 1: data ------------------------------------------------------------------------------------

def load_tokenizer_data(corpus: str | None = None, train: str | Path | None = None, dev: str | Path | None = None,
                        test: str | Path | None = None) -> TokenizerData:
    """A named UD treebank's train/dev/test raw text, or CoNLL-U files (`# text` and SpaceAfter give the text)."""
    if corpus and train:
        raise PipelineError("give either --corpus NAME or --train FILE, not both")
    if corpus:
        from corpora.registry import ud_files, ud_treebank, verify_ud_files

        if not corpus.startswith("ud:"):
            raise PipelineError(f"a tokenizer trains on raw text with gold tokens: a UD treebank (ud:...), "
                                f"not {corpus[:40]!r}")
        treebank = ud_treebank(corpus)
        paths = ud_files(treebank)
        verify_ud_files(treebank, paths)
        texts = {split: _read(path) for split, path in paths.items()}
        return TokenizerData(treebank.name, texts["train"], texts.get("dev"), texts.get("test"), treebank.license)
    if not train:
        raise PipelineError("no training data: give --corpus NAME (e.g. ud:en_ewt) or --train FILE (CoNLL-U)")
    return TokenizerData(Path(train).name, _read(train), dev and _read(dev), test and _read(test))


def _read(path: str | Path) -> TokenizedText:
    if not Path(path).is_file():
        raise CorpusError(f"{path}: no such file")
    document = read_ud_text(path)
    if not document.sentences:
        raise CorpusError(f"{path}: no sentences; a tokenizer trains on CoNLL-U files")
    return document


def token_words(document: TokenizedText) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(surface form, words) of every token: what the multiword splitter learns from."""
    for sentence in document.sentences:
        for first, stop in token_ranges(sentence):
            start, end = sentence.spans[first]
            yield document.text[start:end], sentence.words[first:stop]


def token_spans(document: TokenizedText) -> list[tuple[int, int]]:
    """The [start, end) span of every token of the document, in order: what the token memory learns from."""
    return [sentence.spans[first] for sentence in document.sentences for first, _ in token_ranges(sentence)]


def learn_memory(document: TokenizedText, config):
    """The token boundaries a tokenizer remembers from its training text (empty when memory_min_count is 0)."""
    from tagger.segmentation import TokenMemory

    if not config.memory_min_count:
        return TokenMemory()
    return TokenMemory.learn(document.text, token_spans(document), config.memory_min_count)


def learn_sentence_classifier(tokenizer, document: TokenizedText, config):
    """The sentence classifier of a trained tokenizer network (and its token memory), learned from its own
    tokenization of `document` against the gold sentence ends (empty when sentence_epochs is 0)."""
    from tagger.segmentation import SentenceClassifier, token_end_probabilities
    from tagger.tokenizer import text_logits, token_boundaries

    if not config.sentence_epochs:
        return SentenceClassifier()
    classes, logits = text_logits(tokenizer, document.text)
    starts, ends, _ = token_boundaries(document.text, classes, logits, tokenizer.tables.memory)
    gold_ends = {sentence.spans[-1][1] for sentence in document.sentences if sentence.spans}
    return SentenceClassifier.learn(document.text, classes, starts.tolist(), ends.tolist(),
                                    token_end_probabilities(logits, ends), gold_ends, epochs=config.sentence_epochs,
                                    seed=config.seed)


def character_labels_of(document: TokenizedText) -> np.ndarray:
    from tagger.segmentation import character_labels

    return character_labels(len(document.text), (s.spans for s in document.sentences))


def as_tokenized_text(text: str, sentences) -> TokenizedText:
    """A tokenizer's output (words and spans per sentence) as the TokenizedText the scorer reads."""
    from corpora import Sentence

    return TokenizedText(text, tuple(Sentence(tuple(s.words), spans=tuple(s.spans)) for s in sentences))


def score_tokenizer(tokenizer, gold: TokenizedText) -> RawEvaluation:
    from pipelines.evaluation.conll18 import score_raw

    return score_raw(gold, as_tokenized_text(gold.text, tokenizer.tokenize(gold.text)))


# ---- blocks 2 to 5 --------------------------------------------------------------------------------------

def train_tokenizer(data: TokenizerData, config, output: str | Path | None = None,
                    progress: ProgressCallback | None = None, metadata: dict | None = None) -> TokenizerTrainResult:
    """Train a tokenizer on data.train, early-stopping on data.dev; save the best epoch to `output`.

    Ctrl-C stops after the current batch; the best epoch so far is kept (and saved when `output` is given).
    A loss that stops being a finite number is a TrainingDiverged error. While it runs, the output is locked.
    """
    if not output:
        return _train_tokenizer(data, config, None, progress, metadata)
    with output_lock(output):
        return _train_tokenizer(data, config, Path(output), progress, metadata)


def _train_tokenizer(data, config, output, progress, metadata) -> TokenizerTrainResult:
    from tagger.segmentation import CharEncoder, MultiwordSplitter
    from tagger.tokenizer import TokenizerTables
    from tagger.training import sequence_loss
    from tagger.training.tokenizer_model import KerasTokenizer, training_dataset

    settings = config.training_settings()
    rng = loop.seeded(settings)

    # 1. data: characters with their ids and classes, labels from the gold spans; the multiword table and
    # the token memory
    encoder = CharEncoder.build([data.train.text], config.min_char_count)
    splitter = MultiwordSplitter.learn(token_words(data.train), config.multiword_min_share, config.multiword_min_count)
    memory = learn_memory(data.train, config)
    ids, classes = encoder.encode(data.train.text)
    dataset, batches = training_dataset(ids, classes, character_labels_of(data.train), config.train_window,
                                        settings.batch_size, rng)
    metadata = {"corpus": data.name, "seed": config.seed, "license": data.license, **(metadata or {})}

    # 2. model, 3. loss (masked: padding beyond the text's ends counts for nothing), 4. updater
    tokenizer = KerasTokenizer(config, encoder, TokenizerTables(splitter, memory), metadata=metadata)
    weight_average = loop.compile_model(tokenizer.network, sequence_loss, settings, batches)
    tokenizer.metadata["weight_average"] = weight_average
    parameters = loop.count_parameters(tokenizer.network)

    # 5. iterative learning: the one loop, each epoch scored by the mean of dev tokens F1 and sentences F1
    # (kept per epoch in `scores` for the history)
    scores: list[RawEvaluation] = []

    def score_dev() -> float:
        scores.append(score_tokenizer(tokenizer, data.dev))
        return (scores[-1].tokens.f1 + scores[-1].sentences.f1) / 2

    def save_checkpoint(epoch: int, history: list, seconds: float) -> None:
        metrics = _metrics(data, _epochs(history, scores), epoch, seconds, parameters, tokenizer,
                           stopped_because="training in progress; the best epoch so far")
        tokenizer.save(output, metrics, tokenizer_card(tokenizer, data, metrics))

    learned = loop.run(tokenizer.network, dataset, settings, batches, weight_average, notify=progress,
                       score_dev=score_dev if data.dev else None, save=save_checkpoint if output else None,
                       output=output, score_name="dev score")
    history, train_seconds, interrupted = learned.history, learned.seconds, learned.interrupted
    stopped_because = learned.stopped_because
    epochs = _epochs(history, scores)
    result = TokenizerTrainResult(tokenizer, epochs, learned.best_epoch, train_seconds, parameters,
                                  interrupted=interrupted, stopped_because=stopped_because, output=output)
    if interrupted:
        return result
    tokenizer.tables.sentences = learn_sentence_classifier(tokenizer, data.train, config)
    result.dev = score_tokenizer(tokenizer, data.dev) if data.dev else None
    result.test = score_tokenizer(tokenizer, data.test) if data.test else None
    result.metrics = _metrics(data, epochs, learned.best_epoch, train_seconds, parameters, tokenizer, result.dev,
                              result.test, complete=True, stopped_because=stopped_because)
    if output:
        tokenizer.save(output, result.metrics, tokenizer_card(tokenizer, data, result.metrics))
    return result


def _epochs(history: list, scores: list[RawEvaluation]) -> list[TokenizerEpoch]:
    """The loop's epoch records with each epoch's dev F1s beside its score."""
    epochs = []
    for record, evaluation in zip(history, [*scores, *[None] * (len(history) - len(scores))]):
        epochs.append(TokenizerEpoch(record.epoch, record.train_loss, record.dev_accuracy,
                                     evaluation and evaluation.tokens.f1, evaluation and evaluation.sentences.f1,
                                     evaluation and evaluation.words.f1, record.seconds))
    return epochs


def _scores(evaluation: RawEvaluation | None) -> dict | None:
    if evaluation is None:
        return None
    return {name: getattr(evaluation, name).f1 for name in ("tokens", "sentences", "words")} | {
        "details": {name: getattr(evaluation, name).to_json() for name in ("tokens", "sentences", "words")}}


def _metrics(data: TokenizerData, history, best_epoch, seconds, parameters, tokenizer, dev=None, test=None,
             complete=False, stopped_because="") -> dict:
    splitter = tokenizer.tables.multiword
    return {
        "complete": complete,
        "corpus": data.name,
        "train_characters": len(data.train.text),
        "train_sentences": len(data.train.sentences),
        "train_tokens": sum(len(token_ranges(s)) for s in data.train.sentences),
        "best_epoch": best_epoch,
        "stopped_because": stopped_because,
        "train_seconds": round(seconds, 2),
        "parameters": parameters,
        "multiword": {"forms": len(splitter.words), "suffix_rules": list(splitter.suffixes)},
        "memory": _memory_counts(tokenizer.tables.memory),
        "sentence_classifier": {"features": len(tokenizer.tables.sentences.weights)},
        "history": [asdict(r) for r in history],
        "dev": _scores(dev),
        "test": _scores(test),
    }


def _memory_counts(memory) -> dict:
    return {"joins": len(memory.joins), "cuts": len(memory.cuts), "prefixes": sorted(memory.prefixes)}


def relearn_tables(directory: str | Path, data: TokenizerData, output: str | Path | None = None) -> dict:
    """A trained tokenizer given the token memory and the sentence classifier of data.train (its network
    unchanged), scored again on data.dev and data.test, and saved to `output` (default: in place,
    atomically). Its metrics.json keeps the scores of the network alone (`dev_network_alone`, ...) and with
    the memory only (`dev_with_memory`, ...) beside the final ones. Returns the new metrics."""
    from pipelines.evaluation.conll18 import score_raw
    from tagger.tokenizer import TokenizerTables, sentences_from_labels, text_logits
    from tagger.training.tokenizer_model import KerasTokenizer

    directory = Path(directory)
    output = Path(output) if output else directory
    with output_lock(output):
        tokenizer = KerasTokenizer.load(directory)
        metrics_path = directory / "metrics.json"
        try:
            metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise PipelineError(f"{metrics_path}: cannot be read ({error}); is {directory} a tokenizer "
                                f"directory?") from None
        # The network's logits for dev and test do not change: computed once, scored three ways.
        splits = {split: (gold, *text_logits(tokenizer, gold.text))
                  for split, gold in (("dev", data.dev), ("test", data.test)) if gold is not None}
        multiword = tokenizer.tables.multiword
        tokenizer.tables = TokenizerTables(multiword, learn_memory(data.train, tokenizer.config))
        tokenizer.tables.sentences = learn_sentence_classifier(tokenizer, data.train, tokenizer.config)
        variants = {"network_alone": TokenizerTables(multiword),
                    "with_memory": TokenizerTables(multiword, tokenizer.tables.memory), "": tokenizer.tables}
        for split, (gold, classes, logits) in splits.items():
            for variant, tables in variants.items():
                sentences = sentences_from_labels(gold.text, classes, logits, tables)
                metrics[f"{split}_{variant}" if variant else split] = _scores(
                    score_raw(gold, as_tokenized_text(gold.text, sentences)))
        metrics["memory"] = _memory_counts(tokenizer.tables.memory) | {"corpus": data.name}
        metrics["sentence_classifier"] = {"features": len(tokenizer.tables.sentences.weights),
                                          "corpus": data.name}
        tokenizer.save(output, metrics, tokenizer_card(tokenizer, data, metrics))
    return metrics


def _memory_sentence(metrics: dict) -> str:
    memory = metrics.get("memory")
    if not memory or not (memory["joins"] or memory["cuts"] or memory["prefixes"]):
        return ""
    prefixes = ", ".join(f"{p}-" for p in memory["prefixes"][:12]) or "none"
    return (f" Token boundaries the training tokens settle are laid over the network's: {memory['joins']:,} "
            f"strings joined when the network cuts them, {memory['cuts']:,} cut when it keeps them whole, and "
            f"hyphenated words with the prefixes {prefixes}{' ...' if len(memory['prefixes']) > 12 else ''} kept "
            f"whole.")


def _classifier_sentence(metrics: dict) -> str:
    classifier = metrics.get("sentence_classifier")
    if not classifier or not classifier.get("features"):
        return ""
    return (f" Sentence ends the network is unsure of are decided again by a logistic regression over the words "
            f"around them ({classifier['features']:,} features).")


def tokenizer_card(tokenizer, data: TokenizerData, metrics: dict) -> str:
    """README.md of a tokenizer directory: what it is, what trained it, how good it is, how to rebuild it."""
    config = tokenizer.config
    command = tokenizer.metadata.get("command") or "postag tokenizer train --corpus ud:en_ewt --output DIR"
    lines = [
        f"# postag tokenizer and sentence splitter: {data.name}",
        "",
        f"A character-level {config.depth}-layer bidirectional {config.cell.upper()} ({config.hidden_dim} units "
        f"a direction; {metrics['parameters']:,} parameters) labels every character: outside a token, inside, "
        f"a token's last, a sentence's last. Multiword tokens are split by a table learned from the training "
        f"tokens ({metrics['multiword']['forms']:,} forms) and suffix rules "
        f"({', '.join(metrics['multiword']['suffix_rules']) or 'none'}).{_memory_sentence(metrics)}"
        f"{_classifier_sentence(metrics)}",
        "",
        f"Trained on the raw text of `{data.name}`: {metrics['train_characters']:,} characters, "
        f"{metrics['train_tokens']:,} tokens, {metrics['train_sentences']:,} sentences; best epoch "
        f"{metrics['best_epoch']} ({metrics['stopped_because']}); {metrics['train_seconds']:.0f} s; "
        f"seed {config.seed}.",
        "",
    ]
    if data.license:
        lines += [f"Training data license: {data.license}. Models trained on it may carry its terms.", ""]
    lines += ["| split | tokens F1 | sentences F1 | words F1 |", "|---|---|---|---|"]
    for split in ("dev", "test"):
        scores = metrics.get(split)
        if scores:
            lines.append(f"| {split} | {scores['tokens']:.2%} | {scores['sentences']:.2%} | {scores['words']:.2%} |")
    lines += [
        "",
        "Scored with the CoNLL 2018 shared task's raw-text metrics on the text UD's `conllu_to_text.pl` lays out.",
        "",
        f"Rebuild it: `{command}`. Use it: `postag tokenize FILE --tokenizer model --model THIS_DIR`, or "
        "`postag tokenizer attach THIS_DIR TAGGER_DIR` so that a tagger splits raw text with it.",
        "",
        "Configuration (config.json holds it all):",
        "",
        "```json",
        config.dumps(),
        "```",
        "",
    ]
    return "\n".join(lines)
