"""Training a tagger, as the five blocks: data, model, loss, updater, iterative learning.

`train()` prints nothing: it reports progress through a callback and returns a TrainResult. With an
output directory it saves the best model after every epoch that improves dev accuracy (atomically), so an
interrupted run still leaves the best model so far as a valid model directory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from common.files import output_lock
from corpora import Corpus, count_tokens

from .errors import PipelineError
from .evaluate import Evaluation, evaluate


@dataclass
class EpochRecord:
    epoch: int
    train_loss: float
    dev_accuracy: float | None
    seconds: float


@dataclass
class TrainProgress:
    """One event for the progress callback: 'start', 'batch' or 'epoch'."""

    kind: str
    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    loss: float | None = None
    record: EpochRecord | None = None


@dataclass
class TrainResult:
    tagger: object  # tagger.Tagger, holding the best weights
    history: list[EpochRecord]
    best_epoch: int
    train_seconds: float
    parameters: int
    dev: Evaluation | None = None
    test: Evaluation | None = None
    interrupted: bool = False
    stopped_because: str = ""
    output: Path | None = None
    metrics: dict = field(default_factory=dict)


ProgressCallback = Callable[[TrainProgress], None]


def distribution_strategy():
    """Several GPUs (or a TF_CONFIG cluster) train data-parallel with no change to the code."""
    import os

    import tensorflow as tf

    if os.environ.get("TF_CONFIG"):
        return tf.distribute.MultiWorkerMirroredStrategy()
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


# ---- block 1: data ------------------------------------------------------------------------------------

def check_corpus(corpus: Corpus) -> None:
    if not corpus.train:
        raise PipelineError(f"corpus {corpus.name} has no training sentences")
    if any(not s.tags for s in corpus.train):
        raise PipelineError(f"corpus {corpus.name}: training sentences must be tagged")


def build_vocabularies(corpus: Corpus, config):
    from tagger import Vocabularies

    return Vocabularies.build([s.words for s in corpus.train], [s.tags for s in corpus.train],
                              min_count=config.min_count, lowercase=config.lowercase)


def training_batches(encoder, sentences, batch_size: int, rng: np.random.Generator):
    """A tf.data pipeline of length-bucketed, padded batches, reshuffled every epoch."""
    import tensorflow as tf

    from tagger.tagger import input_signature

    lengths = [len(s) for s in sentences]

    def generate():
        for batch in _epoch_batches(lengths, batch_size, rng):
            chosen = [sentences[i] for i in batch]
            inputs = encoder.inputs([s.words for s in chosen])
            yield inputs, encoder.encode_tags([s.tags for s in chosen], inputs["words"].shape[1])

    signature = (input_signature(), tf.TensorSpec([None, None], tf.int32))
    batches = len(_epoch_batches(lengths, batch_size, None))
    dataset = tf.data.Dataset.from_generator(generate, output_signature=signature)
    # A known length lets Keras end the epoch cleanly instead of warning that the data ran out.
    return dataset.apply(tf.data.experimental.assert_cardinality(batches)).prefetch(4)


def _epoch_batches(lengths, batch_size, rng):
    from tagger import length_batches

    return length_batches(lengths, batch_size, rng=rng)


# ---- block 4: updater ---------------------------------------------------------------------------------

def uses_weight_average(config, batches_per_epoch: int) -> bool:
    """Average the weights (config.ema) only where an epoch is long enough for the average to settle.

    An average with momentum m remembers about 1/(1 - m) steps; on a tiny corpus it would still be mostly
    the random initial weights when the first epochs are scored.
    """
    return bool(config.ema) and batches_per_epoch >= 1 / (1 - config.ema)


def make_optimizer(config, weight_average: bool = False):
    import keras

    options = {"clipnorm": config.clipnorm} if config.clipnorm else {}
    if weight_average:
        options.update(use_ema=True, ema_momentum=config.ema)
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=config.learning_rate, momentum=0.9, **options)
    return keras.optimizers.Adam(learning_rate=config.learning_rate, **options)


# ---- block 5: iterative learning ----------------------------------------------------------------------

def train(
    corpus: Corpus,
    config,
    output: str | Path | None = None,
    progress: ProgressCallback | None = None,
    vocabs=None,
    word_vectors: np.ndarray | None = None,
    metadata: dict | None = None,
) -> TrainResult:
    """Train `config.architecture` on corpus.train, early-stopping on corpus.dev accuracy.

    Returns the best epoch's tagger with dev and test evaluations. Ctrl-C stops training after the
    current batch; the best model so far is kept (and saved when `output` is given). While it runs, the
    output is locked: a second training into the same output fails at once (common.files.output_lock).
    """
    if not output:
        return _train(corpus, config, None, progress, vocabs, word_vectors, metadata)
    with output_lock(output):
        return _train(corpus, config, output, progress, vocabs, word_vectors, metadata)


def _train(corpus, config, output, progress, vocabs, word_vectors, metadata) -> TrainResult:
    import keras

    from tagger import Tagger, count_parameters, sequence_loss

    check_corpus(corpus)
    notify = progress or (lambda event: None)
    keras.utils.set_random_seed(config.seed)
    rng = np.random.default_rng(config.seed)

    # 1. data
    vocabs = vocabs or build_vocabularies(corpus, config)
    output = Path(output) if output else None
    metadata = {"corpus": corpus.name, "tagset": corpus.tagset, "seed": config.seed, **(metadata or {})}

    # 2. model, 3. loss, 4. updater: built inside the strategy so they are replicated where it applies
    batches_per_epoch = len(_epoch_batches([len(s) for s in corpus.train], config.batch_size, None))
    weight_average = uses_weight_average(config, batches_per_epoch)
    metadata["weight_average"] = weight_average
    with distribution_strategy().scope():
        tagger = Tagger(config, vocabs, metadata=metadata, word_vectors=word_vectors)
        tagger.model.compile(optimizer=make_optimizer(config, weight_average), loss=sequence_loss,
                             jit_compile=False)
    dataset = training_batches(tagger.encoder, corpus.train, config.batch_size, rng)
    # With a weight average, Keras ends every fit() by overwriting the weights with the average; training
    # goes on from the weights the updater reached, kept by this callback just before that happens.
    last_weights = _LastWeights() if weight_average else None
    parameters = count_parameters(tagger.model)

    # 5. iterative learning
    history: list[EpochRecord] = []
    best_accuracy, best_epoch, best_weights = -1.0, 0, None
    stopped_because, interrupted = "all epochs done", False
    started = time.perf_counter()
    notify(TrainProgress("start", epochs=config.epochs, batches=batches_per_epoch))
    try:
        for epoch in range(1, config.epochs + 1):
            epoch_start = time.perf_counter()
            callbacks = [_BatchReporter(notify, epoch, config.epochs, batches_per_epoch)]
            if last_weights is not None:
                callbacks.append(last_weights)
            fit = tagger.model.fit(dataset, epochs=1, verbose=0, shuffle=False, callbacks=callbacks)
            train_loss = float(fit.history["loss"][-1])
            dev_accuracy = evaluate(tagger, corpus.dev).accuracy if corpus.dev else None
            record = EpochRecord(epoch, train_loss, dev_accuracy, time.perf_counter() - epoch_start)
            history.append(record)
            # Without a dev set the last epoch is the best one: nothing else to choose by.
            score = dev_accuracy if dev_accuracy is not None else float(epoch)
            if score > best_accuracy:
                best_accuracy, best_epoch, best_weights = score, epoch, tagger.model.get_weights()
                if output:
                    _save(tagger, output, corpus, history, best_epoch, time.perf_counter() - started,
                          parameters, complete=False)
            elif config.lr_decay < 1.0:
                # A plateau usually means steps too large to settle into a better minimum.
                optimizer = tagger.model.optimizer
                optimizer.learning_rate = float(optimizer.learning_rate.numpy()) * config.lr_decay
            if last_weights is not None:  # scored and kept the averaged weights; train on from the last ones
                tagger.model.set_weights(last_weights.weights)
            notify(TrainProgress("epoch", epoch=epoch, epochs=config.epochs, record=record))
            if not np.isfinite(train_loss):
                stopped_because = "training loss is not finite (lower --set learning_rate=...)"
                break
            if config.patience and epoch - best_epoch >= config.patience:
                stopped_because = f"no better dev accuracy for {config.patience} epochs"
                break
            if config.max_seconds and time.perf_counter() - started >= config.max_seconds:
                stopped_because = f"time limit of {config.max_seconds:g} s reached"
                break
    except KeyboardInterrupt:
        interrupted, stopped_because = True, "interrupted"
    train_seconds = time.perf_counter() - started
    if best_weights is not None:
        tagger.model.set_weights(best_weights)

    result = TrainResult(tagger, history, best_epoch, train_seconds, parameters, interrupted=interrupted,
                         stopped_because=stopped_because, output=output)
    if interrupted:
        return result  # the directory already holds the best epoch; no time for test scoring
    result.dev = evaluate(tagger, corpus.dev) if corpus.dev else None
    result.test = evaluate(tagger, corpus.test) if corpus.test else None
    result.metrics = _metrics(corpus, history, best_epoch, train_seconds, parameters, result.dev, result.test,
                              complete=True, stopped_because=stopped_because)
    if output:
        tagger.save(output, result.metrics, model_card(tagger, corpus, result.metrics))
    return result


class _LastWeights:
    """A Keras callback holding the model's weights as they are at the end of each epoch's fit()."""

    def __new__(cls):
        import keras

        class Keeper(keras.callbacks.Callback):
            weights = None

            def on_epoch_end(self, epoch, logs=None):
                self.weights = self.model.get_weights()

        return Keeper()


class _BatchReporter:
    """A minimal Keras callback that forwards batch losses to the progress callback."""

    def __new__(cls, notify, epoch, epochs, batches):
        import keras

        class Reporter(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                loss = (logs or {}).get("loss")
                notify(TrainProgress("batch", epoch=epoch, epochs=epochs, batch=batch + 1, batches=batches,
                                     loss=None if loss is None else float(loss)))

        return Reporter()


def _metrics(corpus, history, best_epoch, seconds, parameters, dev=None, test=None, complete=False,
             stopped_because="") -> dict:
    def summary(evaluation: Evaluation | None):
        return None if evaluation is None else evaluation.to_json()

    return {
        "complete": complete,
        "corpus": corpus.name,
        "tagset": corpus.tagset,
        "train_sentences": len(corpus.train),
        "train_tokens": count_tokens(corpus.train),
        "best_epoch": best_epoch,
        "stopped_because": stopped_because,
        "train_seconds": round(seconds, 2),
        "parameters": parameters,
        "history": [asdict(r) for r in history],
        "dev": summary(dev),
        "test": summary(test),
    }


def _save(tagger, output, corpus, history, best_epoch, seconds, parameters, complete):
    metrics = _metrics(corpus, history, best_epoch, seconds, parameters, complete=complete,
                       stopped_because="training in progress; this is the best epoch so far")
    tagger.save(output, metrics, model_card(tagger, corpus, metrics))


def model_card(tagger, corpus: Corpus, metrics: dict) -> str:
    """README.md of a model directory: what it is, what data trained it, how good it is."""
    config = tagger.config
    lines = [
        f"# postag `{config.architecture}` tagger: {corpus.name} ({corpus.tagset})",
        "",
        f"Trained by postag on `{corpus.name}`: {metrics['train_sentences']:,} sentences, "
        f"{metrics['train_tokens']:,} tokens; best dev accuracy at epoch {metrics['best_epoch']} "
        f"({metrics['stopped_because']}).",
        "",
    ]
    license_text = tagger.metadata.get("license")
    if license_text:
        lines += [f"Training data license: {license_text}. Models trained on it may carry its terms.", ""]
    lines += ["| split | accuracy | unseen-word accuracy | tokens |", "|---|---|---|---|"]
    for split in ("dev", "test"):
        scores = metrics.get(split)
        if scores:
            oov = scores["oov_accuracy"]
            lines.append(f"| {split} | {scores['accuracy']:.2%} | {'—' if oov is None else f'{oov:.2%}'} | "
                         f"{scores['tokens']:,} |")
    lines += [
        "",
        f"Training: {metrics['train_seconds']:.0f} s, {metrics['parameters']:,} parameters, seed {config.seed}.",
        "",
        "Use it: `postag tag FILE --model THIS_DIR`, or in Python `Tagger.load(THIS_DIR).tag(words)`.",
        "",
        "Configuration (config.json holds it all):",
        "",
        "```json",
        config.dumps(),
        "```",
        "",
    ]
    return "\n".join(lines)
