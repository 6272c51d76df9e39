"""The training loop's parts (tagger.training.callbacks), each on its own: a tiny Keras model or none at all."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from tagger.training import keras
from tagger.training.callbacks import (
    EpochStamp,
    NonFiniteLoss,
    ReportBatches,
    SaveImproved,
    ScoreAfterEpoch,
    StopOnNonFiniteLoss,
    SwapInWeightAverage,
    TimeLimit,
)


class Clock:
    """A clock that reads the times it is given, in order."""

    def __init__(self, *times: float):
        self.times = list(times)

    def __call__(self) -> float:
        return self.times.pop(0)


def test_report_batches_counts_epochs_and_batches_from_one():
    reported = []
    callback = ReportBatches(lambda *event: reported.append(event))
    callback.on_epoch_begin(0)
    callback.on_train_batch_end(0, {"loss": 2.5})
    callback.on_epoch_begin(1)
    callback.on_train_batch_end(0, {})
    assert reported == [(1, 1, 2.5), (2, 1, None)]


@pytest.mark.parametrize("loss", [math.nan, math.inf, -math.inf])
def test_a_loss_that_is_not_finite_stops_training_at_that_batch(loss):
    callback = StopOnNonFiniteLoss()
    callback.on_epoch_begin(2)
    callback.on_train_batch_end(0, {"loss": 0.7})  # finite: nothing happens
    with pytest.raises(NonFiniteLoss) as raised:
        callback.on_train_batch_end(4, {"loss": loss})
    assert (raised.value.epoch, raised.value.batch) == (3, 5)
    assert raised.value.loss == loss or math.isnan(raised.value.loss)


def test_score_after_epoch_adds_the_score_to_the_logs():
    logs = {"loss": 0.3}
    ScoreAfterEpoch("dev_accuracy", lambda: 0.875).on_epoch_end(0, logs)
    assert logs == {"loss": 0.3, "dev_accuracy": 0.875}


def test_epoch_stamp_adds_the_epoch_number_and_its_seconds():
    callback = EpochStamp(clock=Clock(10.0, 12.5))
    logs = {}
    callback.on_epoch_begin(3)
    callback.on_epoch_end(3, logs)
    assert logs == {"epoch": 4, "seconds": 2.5}


def test_save_improved_saves_only_epochs_that_beat_every_earlier_one():
    saved = []
    callback = SaveImproved("dev_accuracy", saved.append)
    callback.on_train_begin()
    for epoch, accuracy in enumerate([0.5, 0.7, 0.7, 0.6, 0.8]):
        callback.on_epoch_end(epoch, {"dev_accuracy": accuracy})
    assert saved == [1, 2, 5]  # epochs counted from 1; a tie is no improvement


def test_time_limit_stops_after_the_epoch_that_reaches_it():
    callback = TimeLimit(60, clock=Clock(0.0, 30.0, 61.0))
    callback.set_model(SimpleNamespace(stop_training=False))
    callback.on_train_begin()
    callback.on_epoch_end(0)
    assert not callback.model.stop_training and not callback.reached
    callback.on_epoch_end(1)
    assert callback.model.stop_training and callback.reached


class Probe(keras.callbacks.Callback):
    """The model's weights as the callbacks before it leave them, at each epoch's beginning and end."""

    def __init__(self):
        super().__init__()
        self.at_begin, self.at_end = {}, {}

    def on_epoch_begin(self, epoch, logs=None):
        self.at_begin[epoch] = self.model.get_weights()

    def on_epoch_end(self, epoch, logs=None):
        self.at_end[epoch] = self.model.get_weights()


def _fit(epochs: int, callbacks: list) -> keras.Model:
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(64, 4)).astype("float32"), rng.normal(size=(64, 1)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5), loss="mse")
    model.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0, callbacks=callbacks)
    return model


def test_weight_average_is_swapped_in_at_epoch_end_and_the_updaters_weights_come_back_exactly():
    # One epoch alone: Keras ends fit with the average in the model; the probe saw the updater's weights.
    updater = Probe()
    averaged = _fit(1, [updater]).get_weights()
    # Two epochs with the swap: the callbacks after it see the average, the next epoch starts from the updater.
    probe = Probe()
    _fit(2, [SwapInWeightAverage(), probe])
    for seen, expected in zip(probe.at_end[0], averaged):
        np.testing.assert_array_equal(seen, expected)
    for seen, expected in zip(probe.at_begin[1], updater.at_end[0]):
        np.testing.assert_array_equal(seen, expected)
    assert any(not np.array_equal(a, b) for a, b in zip(averaged, updater.at_end[0]))  # they do differ


def test_a_loop_of_its_own_runs_the_same_parts_as_fit():
    # What a multi-worker path would do around strategy.run: the same callbacks, driven as run_epochs documents.
    import tensorflow as tf

    def train(run):
        keras.utils.set_random_seed(3)
        rng = np.random.default_rng(3)
        x, y = rng.normal(size=(64, 4)).astype("float32"), rng.normal(size=(64, 1)).astype("float32")
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5), loss="mse")
        scores = iter([0.5, 0.7, 0.6, 0.6, 0.9])
        keep_best = keras.callbacks.EarlyStopping(monitor="score", mode="max", patience=2, restore_best_weights=True)
        run(model, tf.data.Dataset.from_tensor_slices((x, y)).batch(8),
            [SwapInWeightAverage(), ScoreAfterEpoch("score", lambda: next(scores)), keep_best])
        return model.get_weights(), keep_best.best_epoch

    def fit(model, dataset, callbacks):
        model.fit(dataset, epochs=5, verbose=0, shuffle=False, callbacks=callbacks)

    def own_loop(model, dataset, callbacks):
        step = tf.function(model.train_step)
        callbacks = keras.callbacks.CallbackList(callbacks, model=model, epochs=5)
        model.stop_training = False
        callbacks.on_train_begin()
        for epoch in range(5):
            model.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            for batch, data in enumerate(dataset):
                logs = step(data)
                callbacks.on_train_batch_end(batch, logs)
            callbacks.on_epoch_end(epoch, dict(logs))
            if model.stop_training:
                break
        model.optimizer.finalize_variable_values(model.trainable_variables)
        callbacks.on_train_end()

    (by_fit, best_by_fit), (by_loop, best_by_loop) = train(fit), train(own_loop)
    assert best_by_fit == best_by_loop == 1  # stopped after epoch 4; epoch 2 kept
    for a, b in zip(by_fit, by_loop):
        np.testing.assert_allclose(a, b, rtol=1e-6)
