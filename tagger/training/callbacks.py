"""The parts of the training loop that Keras does not have, as Keras callbacks.

pipelines.training.loop puts them in order beside Keras' own EarlyStopping and ReduceLROnPlateau and runs them all
under one `model.fit`. They know nothing of corpora or files: scoring and saving come in as functions.
A training step written by hand (`strategy.run` under MultiWorkerMirroredStrategy, where `fit` does not
work) drives the same list through `keras.callbacks.CallbackList`, as `fit` itself does.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import keras


class NonFiniteLoss(ArithmeticError):
    """The training loss became NaN or infinite: the updates diverged."""

    def __init__(self, epoch: int, batch: int, loss: float):
        super().__init__(f"training loss {loss} in epoch {epoch}, batch {batch}")
        self.epoch, self.batch, self.loss = epoch, batch, loss


class ReportBatches(keras.callbacks.Callback):
    """Calls `report(epoch, batch, loss)` after every batch: both counted from 1, the loss the epoch's mean so far."""

    def __init__(self, report: Callable[[int, int, float | None], None]):
        super().__init__()
        self.report = report
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        self.report(self.epoch, batch + 1, None if loss is None else float(loss))


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raises NonFiniteLoss at the first batch whose loss is not finite, before anything scores or saves it.

    keras.callbacks.TerminateOnNaN only asks fit to stop, and fit still ends the epoch: the diverged
    weights would be scored, kept and saved by the callbacks that run then.
    """

    def __init__(self):
        super().__init__()
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            raise NonFiniteLoss(self.epoch, batch + 1, float(loss))


class SwapInWeightAverage(keras.callbacks.Callback):
    """At each epoch's end the model holds the optimizer's weight average (`use_ema`), so the callbacks after
    this one score, keep and save the average; the next epoch trains on from the updater's own weights.

    keras.callbacks.SwapEMAWeights swaps the two in place by additions and subtractions, which gives the
    updater's weights back only up to rounding; this keeps a copy and gives them back exactly.
    """

    def __init__(self):
        super().__init__()
        self.updater_weights = None

    def on_epoch_end(self, epoch, logs=None):
        self.updater_weights = self.model.get_weights()
        self.model.optimizer.finalize_variable_values(self.model.trainable_variables)

    def on_epoch_begin(self, epoch, logs=None):
        if self.updater_weights is not None:
            self.model.set_weights(self.updater_weights)
            self.updater_weights = None


class ScoreAfterEpoch(keras.callbacks.Callback):
    """Adds `name: score()` to each epoch's logs (e.g. dev accuracy), for the callbacks after it to monitor."""

    def __init__(self, name: str, score: Callable[[], float]):
        super().__init__()
        self.name, self.score = name, score

    def on_epoch_end(self, epoch, logs=None):
        logs[self.name] = float(self.score())


class EpochStamp(keras.callbacks.Callback):
    """Adds the epoch's number (from 1) and its seconds so far to its logs.

    With nothing else to choose by, monitoring "epoch" makes the latest epoch the best one.
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter):
        super().__init__()
        self.clock = clock
        self.started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.started = self.clock()

    def on_epoch_end(self, epoch, logs=None):
        logs["epoch"] = epoch + 1
        logs["seconds"] = self.clock() - self.started


class SaveImproved(keras.callbacks.Callback):
    """Calls `save(epoch)` after each epoch whose `monitor` log beats every earlier one (higher is better).

    `save` writes the model directory atomically, so an interrupted run always leaves its best epoch.
    Improvement is decided as EarlyStopping(mode="max") decides it, so the epoch saved is the epoch it keeps.
    """

    def __init__(self, monitor: str, save: Callable[[int], None]):
        super().__init__()
        self.monitor, self.save = monitor, save
        self.best = None

    def on_train_begin(self, logs=None):
        self.best = None

    def on_epoch_end(self, epoch, logs=None):
        current = logs[self.monitor]
        if self.best is None or bool(keras.ops.greater(current, self.best)):
            self.best = current
            self.save(epoch + 1)


class TimeLimit(keras.callbacks.Callback):
    """Stops training after the first epoch that ends `seconds` or more after training began."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.perf_counter):
        super().__init__()
        self.seconds, self.clock = seconds, clock
        self.started = 0.0
        self.reached = False

    def on_train_begin(self, logs=None):
        self.started, self.reached = self.clock(), False

    def on_epoch_end(self, epoch, logs=None):
        if self.clock() - self.started >= self.seconds:
            self.reached = True
            self.model.stop_training = True
