"""The one training loop, blocks 4 and 5 of every training here: the updater, and iterative learning.

Taggers (pipelines.training.tagger, on one machine or several workers, and through `postag compare`) and
tokenizers (pipelines.training.tokenizer) build their data and model, then hand both to this module:

    compile_model(model, loss, settings, batches)      the updater: Adam or SGD, clipping, weight average
    run(model, data, settings, ...) -> LoopResult      epochs of steps; after each batch and epoch the
                                                       callbacks of `learning_callbacks`

It reads only `TrainingSettings` (tagger.config), the fields that TaggerConfig and TokenizerConfig share, so a
setting means the same to every model trained here. Iterative learning is one `model.fit` over all epochs, or
under a distribution strategy tagger.training.distributed's steps, which run the same callbacks. Progress
goes to a callback; nothing is printed. TensorFlow is imported where training starts, not with this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import TrainingDiverged

DEV_ACCURACY = "dev_accuracy"  # the epoch log the best epoch is chosen by


@dataclass
class EpochRecord:
    epoch: int
    train_loss: float
    dev_accuracy: float | None  # the dev score the best epoch is chosen by (a tokenizer's: mean F1)
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


ProgressCallback = Callable[[TrainProgress], None]


@dataclass
class LoopResult:
    """What the loop did: every epoch's record, the best one (its weights are the model's now), and why it
    stopped."""

    history: list[EpochRecord]
    best_epoch: int  # counted from 1; 0 when no epoch ended
    seconds: float
    interrupted: bool
    stopped_because: str


# ---- block 4: updater ---------------------------------------------------------------------------------

def uses_weight_average(settings, batches_per_epoch: int) -> bool:
    """Average the weights (settings.ema) only where an epoch is long enough for the average to settle.

    An average with momentum m remembers about 1/(1 - m) steps; on a tiny corpus it would still be mostly
    the random initial weights when the first epochs are scored.
    """
    return bool(settings.ema) and batches_per_epoch >= 1 / (1 - settings.ema)


def make_optimizer(settings, weight_average: bool = False, batches_per_epoch: int = 1, clip: bool = True):
    """Adam or SGD with momentum. `clip=False`: no gradient clipping (the distributed step clips itself)."""
    import keras

    options = {"clipnorm": settings.clipnorm} if settings.clipnorm and clip else {}
    if weight_average:
        options.update(use_ema=True, ema_momentum=settings.ema)
    learning_rate = settings.learning_rate
    if settings.lr_schedule == "cosine":
        # Large steps while far from a minimum, small ones at the end, without waiting for a plateau.
        learning_rate = keras.optimizers.schedules.CosineDecay(settings.learning_rate,
                                                               decay_steps=settings.epochs * batches_per_epoch)
    if settings.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9, **options)
    return keras.optimizers.Adam(learning_rate=learning_rate, **options)


def compile_model(model, loss, settings, batches_per_epoch: int, strategy=None) -> bool:
    """Give the model its updater and loss (one per head, or one); whether the weights are averaged.

    Under a distribution strategy (call this inside its scope) the updater does not clip, since the
    distributed step clips the whole batch's gradient, and its variables are made here, replicated.
    """
    weight_average = uses_weight_average(settings, batches_per_epoch)
    optimizer = make_optimizer(settings, weight_average, batches_per_epoch, clip=strategy is None)
    model.compile(optimizer=optimizer, loss=loss, jit_compile=False)
    if strategy is not None:
        model.optimizer.build(model.trainable_variables)
    return weight_average


def seeded(settings):
    """Seed Keras, TensorFlow, numpy and Python for the run; the numpy generator that shuffles its batches."""
    import numpy as np

    from tagger.training import keras

    keras.utils.set_random_seed(settings.seed)
    return np.random.default_rng(settings.seed)


# ---- block 5: iterative learning ----------------------------------------------------------------------

@dataclass
class Learning:
    """The parts of the training loop, as Keras callbacks in the order they run, and what they decided.

    After each batch: report progress; fail at once on a loss that is not finite. After each epoch: swap in
    the weight average, score dev, record the epoch, keep the best weights and stop when the dev score stops
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

    def stopped_because(self, settings, score_name: str = "dev accuracy") -> str:
        if self.keep_best.stopped_epoch:
            return f"no better {score_name} for {settings.patience} epochs"
        if self.time_limit is not None and self.time_limit.reached:
            return f"time limit of {settings.max_seconds:g} s reached"
        return "all epochs done"


def learning_callbacks(settings, batches: int, notify: ProgressCallback, history: list[EpochRecord],
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
        notify(TrainProgress("batch", epoch=epoch, epochs=settings.epochs, batch=batch, batches=batches, loss=loss))

    def record_epoch(epoch: int, logs: dict) -> None:
        record = EpochRecord(logs["epoch"], float(logs["loss"]), logs.get(DEV_ACCURACY), logs["seconds"])
        history.append(record)
        notify(TrainProgress("epoch", epoch=record.epoch, epochs=settings.epochs, record=record))

    monitor = DEV_ACCURACY if score_dev else "epoch"
    # patience 0 never stops early; the best epoch is still the one kept.
    keep_best = keras.callbacks.EarlyStopping(monitor=monitor, mode="max",
                                              patience=settings.patience or settings.epochs,
                                              restore_best_weights=True)
    time_limit = TimeLimit(settings.max_seconds) if settings.max_seconds else None
    plateau = settings.lr_decay < 1.0 and settings.lr_schedule == "plateau"
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
        keras.callbacks.ReduceLROnPlateau(monitor=monitor, mode="max", factor=settings.lr_decay, patience=1,
                                          min_delta=0) if plateau else None,
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


def run(model, data, settings, batches_per_epoch: int, weight_average: bool, *,
        notify: ProgressCallback | None = None, score_dev: Callable[[], float] | None = None,
        save: Callable[[int, list[EpochRecord], float], None] | None = None, output: Path | None = None,
        score_name: str = "dev accuracy", strategy=None, sums=None) -> LoopResult:
    """Train `model` (compiled by `compile_model`) on `data` for up to `settings.epochs` epochs.

    `score_dev()` scores an epoch (higher is better; without it the latest epoch is the best); `save(epoch,
    history, seconds)` writes the model after each epoch that improves it, and `output` says where, for the
    message when training diverges. Ctrl-C ends the run after the current batch with the best weights put
    back (`interrupted`); a loss that stops being a finite number is a TrainingDiverged error. Under a
    `strategy` the steps are tagger.training.distributed's, `data` a ReplicaData and `sums` its WorkerSums.
    """
    from tagger.training.callbacks import NonFiniteLoss

    notify = notify or (lambda event: None)
    history: list[EpochRecord] = []
    started = time.perf_counter()
    checkpoint = (lambda epoch: save(epoch, history, time.perf_counter() - started)) if save else None
    learning = learning_callbacks(settings, batches_per_epoch, notify, history, weight_average, score_dev=score_dev,
                                  save=checkpoint)
    interrupted = False
    notify(TrainProgress("start", epochs=settings.epochs, batches=batches_per_epoch))
    try:
        if strategy is None:
            run_epochs(model, data, settings.epochs, learning.callbacks)
        else:
            from tagger.training.distributed import run_distributed_epochs

            run_distributed_epochs(strategy, model, data, batches_per_epoch, settings.epochs, learning.callbacks,
                                   settings.clipnorm, sums)
    except KeyboardInterrupt:
        interrupted = True
        learning.restore_best(model)
    except NonFiniteLoss as error:
        kept = (f"the best epoch before it ({learning.best_epoch}) stays in {output}" if output and learning.best_epoch
                else "nothing was saved")
        raise TrainingDiverged(f"training diverged: the loss became {error.loss} in epoch {error.epoch}, batch "
                               f"{error.batch}; lower the learning rate (now {settings.learning_rate:g}: try --set "
                               f"learning_rate={settings.learning_rate / 10:g}); {kept}") from None
    stopped_because = "interrupted" if interrupted else learning.stopped_because(settings, score_name)
    return LoopResult(history, learning.best_epoch, time.perf_counter() - started, interrupted, stopped_because)


def count_parameters(model) -> int:
    """Trainable and frozen weights of a built Keras model."""
    import numpy as np

    return int(sum(np.prod(weight.shape) for weight in model.weights))
