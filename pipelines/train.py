"""Training a tagger, as the five blocks: data, model, loss, updater, iterative learning.

`train()` prints nothing: it reports progress through a callback and returns a TrainResult. With an
output directory it saves the best model after every epoch that improves dev accuracy (atomically), so an
interrupted run still leaves the best model so far as a valid model directory.

Iterative learning is one `model.fit` over all epochs. What happens after each batch and each epoch (weight
average, dev score, keeping the best, checkpoint, learning-rate decay, stopping) is a list of Keras callbacks
(`learning_callbacks`), so a loop that runs its steps another way can run the same parts.

Under a distribution strategy (a TF_CONFIG cluster of workers, or several GPUs) the steps are
tagger.training.distributed's instead of fit's: each replica encodes only its part of every global batch
(`replica_batches`), the workers agree on the dev score and on when to stop, and only the chief writes the
model directory. Every worker ends with the same weights.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from common.files import output_lock
from corpora import Corpus, count_tokens

from .data import build_vocabularies, check_corpus, with_silver
from .errors import PipelineError, TrainingDiverged
from .evaluate import Evaluation, evaluate

if TYPE_CHECKING:  # numpy and TensorFlow are imported where training starts, not by importing this module
    import numpy as np

DEV_ACCURACY = "dev_accuracy"  # the epoch log the best epoch is chosen by


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
    tagger: object  # tagger.training.KerasTagger, holding the best weights
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
    """The strategy to train under: MultiWorkerMirroredStrategy for the cluster in TF_CONFIG, MirroredStrategy
    over several GPUs, None for one device (Keras' fit, as always)."""
    import os

    from tagger.training.distributed import StrategyError, multi_worker_strategy

    if os.environ.get("TF_CONFIG"):
        try:
            return multi_worker_strategy()
        except StrategyError as error:
            raise PipelineError(str(error)) from None
        except (ValueError, KeyError, TypeError) as error:  # a TF_CONFIG that TensorFlow cannot read
            raise PipelineError(f"TF_CONFIG is not a cluster TensorFlow can use: {error}") from None
    import tensorflow as tf

    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return None


# ---- block 1: data ------------------------------------------------------------------------------------

def corpus_license(name: str) -> str | None:
    """A named corpus's licence, which a model trained on it may carry (None for the user's own files)."""
    from corpora import CorpusError, corpus_entry, is_corpus_name

    if not is_corpus_name(name):
        return None
    try:
        return corpus_entry(name).license or None
    except CorpusError:
        return None


def head_sentences(sentences, head: int):
    """The sentences with the tags of one output head as their `tags` (0: the first tagset)."""
    from corpora import Sentence

    if head == 0:
        return sentences
    return [Sentence(s.words, s.more_tags[head - 1], s.spans) for s in sentences]


def training_batches(encoder, sentences, batch_size: int, rng: np.random.Generator,
                     soft_targets: list[np.ndarray] | None = None):
    """A tf.data pipeline of length-bucketed, padded batches, reshuffled every epoch. With `soft_targets`
    (a [words, tags] array per sentence: teachers' probabilities), the first head's targets are [B, T, 1 + tags]:
    the gold tag id, then those probabilities (tagger.training.loss.summed_distilled_loss)."""
    import tensorflow as tf

    lengths = [len(s) for s in sentences]
    heads = len(encoder.vocabs.heads)

    def generate():
        for batch in _epoch_batches(lengths, batch_size, rng):
            inputs, tags = _encode_batch(encoder, [sentences[i] for i in batch], heads)
            if soft_targets is not None:
                tags = _with_soft_targets(tags, [soft_targets[i] for i in batch], heads)
            yield inputs, tags

    batches = len(_epoch_batches(lengths, batch_size, None))
    char_lm = encoder.vocabs.lm_chars is not None
    soft_width = soft_targets[0].shape[1] if soft_targets else 0
    dataset = tf.data.Dataset.from_generator(generate, output_signature=_batch_signature(heads, char_lm, soft_width))
    # A known length lets Keras end the epoch cleanly instead of warning that the data ran out.
    return dataset.apply(tf.data.experimental.assert_cardinality(batches)).prefetch(4)


def replica_batches(encoder, sentences, batch_size: int, rng: np.random.Generator, replicas: int,
                    replica_ids: list[int], encoded: list[int]):
    """The parts of every global batch that the replicas `replica_ids` (of `replicas`) train on, in turn.

    Every worker computes the same global batches as `training_batches` (the same lengths, the same seed),
    so all run the same number of steps; each encodes only its own replicas' sentences (sentence i of a
    batch goes to replica i mod `replicas`, which keeps the parts' lengths alike). A replica whose part is
    empty gets one all-padding row. With each part comes the global batch's number of real tokens, which
    the replica divides its summed loss by. `encoded[0]` counts the sentences this worker encoded.
    """
    import numpy as np
    import tensorflow as tf

    from corpora import Sentence

    lengths = [len(s) for s in sentences]
    heads = len(encoder.vocabs.heads)
    padding_row = Sentence((), (), (), tuple(() for _ in range(heads - 1)))

    def generate():
        for batch in _epoch_batches(lengths, batch_size, rng):
            global_tokens = np.float32(sum(lengths[i] for i in batch))
            for replica in replica_ids:
                chosen = [sentences[i] for i in batch[replica::replicas]]
                encoded[0] += len(chosen)
                # A word's features do not depend on the batch around it (SentenceEncoder pads every spelling
                # past the character CNN's reach), so a part computes what the whole batch would for its words.
                yield (*_encode_batch(encoder, chosen or [padding_row], heads), global_tokens)

    signature = (*_batch_signature(heads, encoder.vocabs.lm_chars is not None), tf.TensorSpec([], tf.float32))
    return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(4)


def _encode_batch(encoder, chosen, heads: int):
    """(inputs, tags) of a batch of sentences: tags [B, T], or a tuple of them with several heads."""
    inputs = encoder.inputs([s.words for s in chosen])
    length = inputs["words"].shape[1]
    tags = encoder.encode_tags([s.tags for s in chosen], length)
    if heads == 1:
        return inputs, tags
    return inputs, (tags, *(encoder.encode_tags([s.more_tags[i] for s in chosen], length, head=i + 1)
                            for i in range(heads - 1)))


def _with_soft_targets(tags, soft: list[np.ndarray], heads: int):
    """The batch's tags with the first head's as [B, T, 1 + tags]: the gold id, then the soft targets."""
    import numpy as np

    first = tags if heads == 1 else tags[0]
    combined = np.zeros((*first.shape, 1 + soft[0].shape[1]), np.float32)
    combined[..., 0] = first
    for row, table in enumerate(soft):
        combined[row, : len(table), 1:] = table
    return combined if heads == 1 else (combined, *tags[1:])


def _batch_signature(heads: int, char_lm: bool = False, soft_width: int = 0):
    import tensorflow as tf

    from tagger.training.keras_tagger import input_signature

    tag_spec = tf.TensorSpec([None, None], tf.int32)
    first = tf.TensorSpec([None, None, 1 + soft_width], tf.float32) if soft_width else tag_spec
    return input_signature(char_lm), first if heads == 1 else (first, *(tag_spec for _ in range(heads - 1)))


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


def make_optimizer(config, weight_average: bool = False, batches_per_epoch: int = 1, clip: bool = True):
    """Adam or SGD with momentum. `clip=False`: no gradient clipping (the distributed step clips itself)."""
    import keras

    options = {"clipnorm": config.clipnorm} if config.clipnorm and clip else {}
    if weight_average:
        options.update(use_ema=True, ema_momentum=config.ema)
    learning_rate = config.learning_rate
    if config.lr_schedule == "cosine":
        # Large steps while far from a minimum, small ones at the end, without waiting for a plateau.
        learning_rate = keras.optimizers.schedules.CosineDecay(config.learning_rate,
                                                               decay_steps=config.epochs * batches_per_epoch)
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9, **options)
    return keras.optimizers.Adam(learning_rate=learning_rate, **options)


# ---- block 5: iterative learning ----------------------------------------------------------------------

@dataclass
class Learning:
    """The parts of the training loop, as Keras callbacks in the order they run, and what they decided.

    After each batch: report progress; fail at once on a loss that is not finite. After each epoch: swap in
    the weight average, score dev, record the epoch, keep the best weights and stop when dev accuracy stops
    improving (EarlyStopping), save the best so far, lower the learning rate on a plateau, stop at the time
    limit. `model.fit` runs them; a hand-written step under a distribution strategy can run the same list.
    """

    callbacks: list
    keep_best: object  # keras.callbacks.EarlyStopping, restore_best_weights=True
    time_limit: object | None  # tagger.training.callbacks.TimeLimit

    @property
    def best_epoch(self) -> int:
        """The best epoch so far, counted from 1; 0 before any epoch ended."""
        return self.keep_best.best_epoch + 1 if self.keep_best.best_weights is not None else 0

    def restore_best(self, model) -> None:
        """Put the best epoch's weights back: fit does it at its end, but an interrupted fit never gets there."""
        if self.keep_best.best_weights is not None:
            model.set_weights(self.keep_best.best_weights)

    def stopped_because(self, config) -> str:
        if self.keep_best.stopped_epoch:
            return f"no better dev accuracy for {config.patience} epochs"
        if self.time_limit is not None and self.time_limit.reached:
            return f"time limit of {config.max_seconds:g} s reached"
        return "all epochs done"


def learning_callbacks(config, batches: int, notify: ProgressCallback, history: list[EpochRecord],
                       weight_average: bool, score_dev: Callable[[], float] | None = None,
                       save: Callable[[int], None] | None = None) -> Learning:
    """The callbacks of one run. Without `score_dev` the latest epoch counts as the best; without `save`
    nothing is written."""
    from tagger.training import keras
    from tagger.training.callbacks import (
        EpochStamp,
        ReportBatches,
        SaveImproved,
        ScoreAfterEpoch,
        StopOnNonFiniteLoss,
        SwapInWeightAverage,
        TimeLimit,
    )

    def report_batch(epoch: int, batch: int, loss: float | None) -> None:
        notify(TrainProgress("batch", epoch=epoch, epochs=config.epochs, batch=batch, batches=batches, loss=loss))

    def record_epoch(epoch: int, logs: dict) -> None:
        record = EpochRecord(logs["epoch"], float(logs["loss"]), logs.get(DEV_ACCURACY), logs["seconds"])
        history.append(record)
        notify(TrainProgress("epoch", epoch=record.epoch, epochs=config.epochs, record=record))

    monitor = DEV_ACCURACY if score_dev else "epoch"
    # patience 0 never stops early; the best epoch is still the one kept.
    keep_best = keras.callbacks.EarlyStopping(monitor=monitor, mode="max", patience=config.patience or config.epochs,
                                              restore_best_weights=True)
    time_limit = TimeLimit(config.max_seconds) if config.max_seconds else None
    callbacks = [
        ReportBatches(report_batch),
        StopOnNonFiniteLoss(),
        SwapInWeightAverage() if weight_average else None,
        ScoreAfterEpoch(DEV_ACCURACY, score_dev) if score_dev else None,
        EpochStamp(),
        keras.callbacks.LambdaCallback(on_epoch_end=record_epoch),
        keep_best,
        SaveImproved(monitor, save) if save else None,
        # A plateau usually means steps too large to settle into a better minimum.
        keras.callbacks.ReduceLROnPlateau(monitor=monitor, mode="max", factor=config.lr_decay, patience=1,
                                          min_delta=0) if config.lr_decay < 1.0 and config.lr_schedule == "plateau"
        else None,
        time_limit,
    ]
    return Learning([callback for callback in callbacks if callback is not None], keep_best, time_limit)


def run_epochs(model, dataset, epochs: int, callbacks: list) -> None:
    """How the epochs' steps run: Keras' fit, which calls each callback at its place.

    A loop of its own (tagger.training.distributed.run_distributed_epochs, a `strategy.run` step) runs the
    same callbacks through keras.callbacks.CallbackList as fit does: on_train_begin; per epoch
    on_epoch_begin, then on_train_batch_end with the running mean loss, then on_epoch_end with the epoch's
    mean loss, stopping when model.stop_training is set; then optimizer.finalize_variable_values and
    on_train_end.
    """
    model.fit(dataset, epochs=epochs, verbose=0, shuffle=False, callbacks=callbacks)


@dataclass
class Distribution:
    """How a run under a strategy shares the work; recorded in metrics.json as `distributed`."""

    strategy: str
    workers: int
    replicas: int
    worker: int  # this process's place among the workers (0: the chief)
    global_batch_size: int
    sentences_encoded: list[int] = field(default_factory=list)  # per worker, over all epochs
    weight_sums: list[float] = field(default_factory=list)  # per worker: the sum of |w| over its final weights

    def to_json(self) -> dict:
        return {"strategy": self.strategy, "workers": self.workers, "replicas": self.replicas,
                "global_batch_size": self.global_batch_size, "sentences_encoded": self.sentences_encoded,
                "weight_sums": self.weight_sums}


def train(
    corpus: Corpus,
    config,
    output: str | Path | None = None,
    progress: ProgressCallback | None = None,
    vocabs=None,
    word_vectors: np.ndarray | None = None,
    metadata: dict | None = None,
    strategy=None,
) -> TrainResult:
    """Train `config.architecture` on corpus.train, early-stopping on corpus.dev accuracy.

    Returns the best epoch's tagger with dev and test evaluations. Ctrl-C stops training after the
    current batch; the best model so far is kept (and saved when `output` is given). A loss that stops being
    a finite number is a TrainingDiverged error, and nothing is saved from that epoch on. While it runs, the
    output is locked: a second training into the same output fails at once (common.files.output_lock).

    `strategy`: a tf.distribute strategy to train under; by default `distribution_strategy()` (TF_CONFIG, or
    several GPUs). Under one, only the chief writes `output`; the other workers' results hold no evaluations.
    """
    strategy = strategy if strategy is not None else distribution_strategy()
    if strategy is not None:
        from tagger.training.distributed import is_chief

        if not is_chief(strategy):
            output = None
    if not output:
        return _train(corpus, config, None, progress, vocabs, word_vectors, metadata, strategy)
    with output_lock(output):
        return _train(corpus, config, output, progress, vocabs, word_vectors, metadata, strategy)


def _train(corpus, config, output, progress, vocabs, word_vectors, metadata, strategy) -> TrainResult:
    import contextlib

    import numpy as np

    # Keras through tagger.training, which imports TensorFlow with its start-up chatter silenced.
    from tagger.training import KerasTagger, count_parameters, keras
    from tagger.training.callbacks import NonFiniteLoss

    check_corpus(corpus)
    gold_sentences = len(corpus.train)
    # Silver sentences train, and count as seen in training, but scores stay on gold dev and test.
    corpus = with_silver(corpus, config)  # read_silver checks its sentences' tags
    silver = corpus.train[gold_sentences:]
    notify = progress or (lambda event: None)
    keras.utils.set_random_seed(config.seed)
    rng = np.random.default_rng(config.seed)

    # 1. data, with what pretraining gives (word vectors, a character LM) when the config names it
    vocabulary_settled = vocabs is not None
    vocabs = vocabs or build_vocabularies(corpus, config)
    char_lm_weights = None
    metadata = {"corpus": corpus.name, "tagset": corpus.tagset, "seed": config.seed,
                **({"license": license_text} if (license_text := corpus_license(corpus.name)) else {}),
                **(metadata or {})}
    if silver:
        metadata["silver"] = {"file": config.silver, "sentences": len(silver), "tokens": count_tokens(silver)}
    if config.distill:
        if strategy is not None:
            raise PipelineError("distillation (distill=...) trains on one machine: leave out the distribution "
                                "strategy")
        metadata["distill"] = {"teachers": _teachers(config), "weight": config.distill_weight}
    if config.embeddings or config.char_lm:
        from .pretrained import pretrained_inputs

        pretrained = pretrained_inputs(config, vocabs, word_vectors, vocabulary_settled)
        config, vocabs, word_vectors = pretrained.config, pretrained.vocabs, pretrained.word_vectors
        char_lm_weights = pretrained.char_lm_weights
        metadata = {**pretrained.metadata, **metadata}
    output = Path(output) if output else None

    # 2. model, 3. loss, 4. updater: built inside the strategy so they are replicated where it applies
    batches_per_epoch = len(_epoch_batches([len(s) for s in corpus.train], config.batch_size, None))
    weight_average = uses_weight_average(config, batches_per_epoch)
    metadata["weight_average"] = weight_average
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        tagger = KerasTagger(config, vocabs, metadata=metadata, word_vectors=word_vectors,
                             char_lm_weights=char_lm_weights)
        # Several heads: one loss each, summed (UPOS and XPOS learn from one encoder). Each is the masked
        # sequence loss (label-smoothed or not), or a CRF's sequence likelihood.
        losses = tagger.model.head_losses()
        tagger.model.compile(optimizer=make_optimizer(config, weight_average, batches_per_epoch, clip=strategy is None),
                             loss=losses[0] if len(losses) == 1 else losses, jit_compile=False)
        if strategy is not None:  # its variables are made here, replicated, rather than in the first step
            tagger.model.optimizer.build(tagger.model.trainable_variables)
    parameters = count_parameters(tagger.model)
    if strategy is None:
        soft_targets = _soft_targets(config, corpus, vocabs) if config.distill else None
        dataset = training_batches(tagger.encoder, corpus.train, config.batch_size, rng, soft_targets)
        distribution = None
        score_dev = (lambda: evaluate(tagger, corpus.dev).accuracy) if corpus.dev else None
    else:
        dataset, distribution, sums, encoded = _replica_data(strategy, tagger, corpus, config, rng)
        score_dev = (lambda: _summed_dev_accuracy(tagger, corpus.dev, distribution, sums)) if corpus.dev else None

    # 5. iterative learning: one fit over all epochs; the callbacks do what happens after each batch and epoch
    history: list[EpochRecord] = []
    started = time.perf_counter()

    def save_checkpoint(epoch: int) -> None:
        _save(tagger, output, corpus, history, epoch, time.perf_counter() - started, parameters, complete=False)

    learning = learning_callbacks(config, batches_per_epoch, notify, history, weight_average, score_dev=score_dev,
                                  save=save_checkpoint if output else None)
    interrupted = False
    notify(TrainProgress("start", epochs=config.epochs, batches=batches_per_epoch))
    try:
        if strategy is None:
            run_epochs(tagger.model, dataset, config.epochs, learning.callbacks)
        else:
            from tagger.training.distributed import run_distributed_epochs

            run_distributed_epochs(strategy, tagger.model, dataset, batches_per_epoch, config.epochs,
                                   learning.callbacks, config.clipnorm, sums)
    except KeyboardInterrupt:
        interrupted = True
        learning.restore_best(tagger.model)
    except NonFiniteLoss as error:
        kept = (f"the best epoch before it ({learning.best_epoch}) stays in {output}" if output and learning.best_epoch
                else "nothing was saved")
        raise TrainingDiverged(f"training diverged: the loss became {error.loss} in epoch {error.epoch}, batch "
                               f"{error.batch}; lower the learning rate (now {config.learning_rate:g}: try --set "
                               f"learning_rate={config.learning_rate / 10:g}); {kept}") from None
    train_seconds = time.perf_counter() - started
    best_epoch = learning.best_epoch
    stopped_because = "interrupted" if interrupted else learning.stopped_because(config)

    result = TrainResult(tagger, history, best_epoch, train_seconds, parameters, interrupted=interrupted,
                         stopped_because=stopped_because, output=output)
    if interrupted:
        return result  # the directory already holds the best epoch; no time for test scoring
    if distribution is not None:
        # What each worker did and ended with, known to all: the last collective, before the chief alone scores
        # and saves. The same weights everywhere show as the same sums.
        counts, weight_sums = np.zeros(distribution.workers), np.zeros(distribution.workers)
        counts[distribution.worker] = encoded[0]
        weight_sums[distribution.worker] = sum(float(np.abs(w).sum(dtype=np.float64))
                                               for w in tagger.model.get_weights())
        distribution.sentences_encoded = [int(n) for n in sums(counts)]
        distribution.weight_sums = [float(x) for x in sums(weight_sums)]
        result.metrics["distributed"] = distribution.to_json()
        from tagger.training.distributed import is_chief

        if not is_chief(strategy):
            return result
    result.dev = evaluate(tagger, corpus.dev) if corpus.dev else None
    result.test = evaluate(tagger, corpus.test) if corpus.test else None
    result.metrics = {**_metrics(corpus, history, best_epoch, train_seconds, parameters, result.dev, result.test,
                                 complete=True, stopped_because=stopped_because), **result.metrics}
    for head, tagset in enumerate(corpus.tagsets[1:], start=1):
        result.metrics.setdefault("more_tagsets", {})[tagset] = {
            split: evaluate(tagger, head_sentences(sentences, head), tagset=tagset).to_json()
            for split, sentences in (("dev", corpus.dev), ("test", corpus.test)) if sentences}
    if output:
        tagger.save(output, result.metrics, model_card(tagger, corpus, result.metrics))
    return result


def _teachers(config) -> list[str]:
    return [teacher.strip() for teacher in config.distill.split(",") if teacher.strip()]


def _soft_targets(config, corpus: Corpus, vocabs) -> list[np.ndarray]:
    """The teachers' mean tag probabilities for every training word, in the first head's tag order."""
    from .silver import teacher_probabilities

    return teacher_probabilities(_teachers(config), [s.words for s in corpus.train], corpus.tagsets[0],
                                 vocabs.heads[0].items)


def _replica_data(strategy, tagger, corpus: Corpus, config, rng):
    """(the distributed batches, the Distribution, the workers' sums, this worker's encoded-sentence count)."""
    from tagger.training.distributed import ReplicaData, WorkerSums, strategy_name

    encoded = [0]
    replicas = strategy.num_replicas_in_sync
    data = ReplicaData(strategy, lambda replica_ids: replica_batches(
        tagger.encoder, corpus.train, config.batch_size, rng, replicas, replica_ids, encoded))
    distribution = Distribution(strategy_name(strategy), data.workers, replicas, data.worker, config.batch_size)
    return data, distribution, WorkerSums(strategy), encoded


def _summed_dev_accuracy(tagger, dev, distribution: Distribution, sums) -> float:
    """Dev accuracy, each worker tagging its share of the sentences: the same number on every worker, so all
    make the same decisions (keep, decay, stop) from it."""
    share = dev[distribution.worker :: distribution.workers]
    correct = evaluate(tagger, share).correct if share else []
    right, tokens = sums([sum(correct), len(correct)])
    return float(right / max(tokens, 1.0))


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
    silver = tagger.metadata.get("silver")
    if silver:
        lines += [f"Trained also on {silver['sentences']:,} silver sentences ({silver['tokens']:,} words of raw text "
                  f"tagged by an ensemble, `{silver['file']}`); dev and test are gold.", ""]
    vectors, char_lm = tagger.metadata.get("embeddings"), tagger.metadata.get("char_lm")
    if vectors:
        lines += [f"Word embedding started from pretrained vectors `{vectors.get('file')}` ({vectors.get('dim')} "
                  f"dimensions; {vectors.get('coverage', 0):.2%} of the training vocabulary covered; "
                  f"{vectors.get('extended', 0):,} words added from the file).", ""]
    if char_lm:
        training = char_lm.get("training", {})
        lines += [f"Reads a pretrained character language model, `{char_lm.get('path')}` (kept frozen): trained "
                  f"on {', '.join(char_lm.get('sources', [])) or '?'}, {training.get('characters', 0):,} "
                  f"characters.", ""]
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
