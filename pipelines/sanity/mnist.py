"""MNIST sanity check: the tutorial's "hello world" network, built from its five blocks.

1. data                MNIST images as vectors of 784 pixels in 0..1, labels 0..9
2. model               a fully connected network made of the tagger's own `dense` block (LeCun normal init)
3. loss                cross-entropy between the softmax output and the label
4. updater             gradient descent (with momentum) on full batches, single examples or mini-batches
5. iterative learning  epochs over the shuffled training set, then accuracy on held-out examples

It also tells which device TensorFlow uses, so `postag sanity mnist` checks an install (CPU or GPU) in a
minute. Returns dataclasses, prints nothing; progress goes through a callback.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.errors import PipelineError
from pipelines.sanity.idx import read_images, read_labels
from tagger.training.layers import dense

__all__ = ["MODES", "MnistData", "SanityResult", "TrainingProgress", "compare_modes", "describe_device",
           "load_mnist", "run_sanity", "train_and_evaluate"]

# Only after tagger: its __init__ quiets TensorFlow's C++ logging, which must happen before the first import.
import keras  # noqa: E402

MODES = ("batch", "sgd", "minibatch")
MODE_NAMES = {"batch": "batch", "sgd": "stochastic", "minibatch": "mini-batch"}  # "... gradient descent"
# One learning rate per mode, since the right step size grows with the number of examples averaged per
# update; each was picked on MNIST (8,000 examples) so that every mode learns without diverging.
DEFAULT_LEARNING_RATES = {"batch": 0.2, "sgd": 0.001, "minibatch": 0.05}
MOMENTUM = 0.9
HIDDEN_UNITS = (256,)
CLASSES = 10
DEFAULT_TRAIN_SIZE = 10_000
DEFAULT_EPOCHS = 10
DEFAULT_BATCH_SIZE = 64
DEFAULT_SEED = 0
TEST_FRACTION_WHEN_ONLY_T10K = 0.2  # 10,000 t10k examples -> train on the first 8,000, test on the last 2,000
# Single-example updates are tiny; running many per compiled call keeps Python out of the inner loop.
STEPS_PER_CALL_SGD = 100


# ---------------------------------------------------------------------------------------------------
# Results and progress


@dataclass(frozen=True)
class EpochStats:
    epoch: int  # 1-based
    loss: float  # mean training loss over the epoch
    train_accuracy: float
    seconds: float


@dataclass(frozen=True)
class SanityResult:
    mode: str
    accuracy: float  # on the test examples
    correct: int
    test_loss: float
    seconds: float  # training and evaluation, excluding data loading
    load_seconds: float
    device: str
    split: str  # where the training and test examples came from, in words
    train_size: int
    test_size: int
    epochs: int
    batch_size: int  # examples per update
    learning_rate: float
    updates: int  # weight updates made
    seed: int
    architecture: str  # e.g. "784 -> 256 relu -> 10 softmax"
    history: tuple[EpochStats, ...]

    @property
    def examples_seen(self) -> int:
        return self.train_size * self.epochs


@dataclass(frozen=True)
class TrainingProgress:
    mode: str
    epoch: int  # 1-based
    epochs: int
    step: int  # updates done in this epoch
    steps_per_epoch: int
    loss: float | None  # mean training loss of the epoch, given once the epoch ends


ProgressCallback = Callable[[TrainingProgress], None]


def describe_device() -> str:
    """The device TensorFlow will run on, e.g. 'GPU 0: NVIDIA H100 80GB HBM3' or 'CPU (2 cores)'."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        names = []
        for index, gpu in enumerate(gpus):
            details = tf.config.experimental.get_device_details(gpu)
            names.append(f"GPU {index}: {details.get('device_name', gpu.name)}")
        return "; ".join(names)
    return f"CPU ({os.cpu_count()} cores)"


def framework_versions() -> str:
    import tensorflow as tf

    return f"TensorFlow {tf.__version__}, Keras {keras.__version__}"


# ---------------------------------------------------------------------------------------------------
# 1. Data


@dataclass(frozen=True)
class MnistData:
    x_train: np.ndarray  # float32 (count, pixels) in 0..1
    y_train: np.ndarray  # int32 (count,)
    x_test: np.ndarray
    y_test: np.ndarray
    split: str


def find_idx_file(data_dir: Path, name: str) -> Path | None:
    """`name` or `name`.gz in `data_dir`, whichever exists (the compressed one first)."""
    for candidate in (data_dir / f"{name}.gz", data_dir / name):
        if candidate.is_file():
            return candidate
    return None


def read_pair(data_dir: Path, prefix: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Images and labels of one MNIST part ('train' or 't10k'), or None when neither file is there."""
    images_path = find_idx_file(data_dir, f"{prefix}-images-idx3-ubyte")
    labels_path = find_idx_file(data_dir, f"{prefix}-labels-idx1-ubyte")
    if images_path is None and labels_path is None:
        return None
    if images_path is None:
        raise PipelineError(f"{data_dir}: has {labels_path.name} but no {prefix}-images-idx3-ubyte[.gz]")
    if labels_path is None:
        raise PipelineError(f"{data_dir}: has {images_path.name} but no {prefix}-labels-idx1-ubyte[.gz]")
    images = read_images(images_path)
    labels = read_labels(labels_path)
    if len(images) != len(labels):
        raise PipelineError(f"{images_path} has {len(images):,} images but {labels_path.name} has "
                            f"{len(labels):,} labels")
    if len(labels) and int(labels.max()) >= CLASSES:
        raise PipelineError(f"{labels_path}: label {int(labels.max())} out of range 0..{CLASSES - 1}")
    return images, labels


def to_vectors(images: np.ndarray) -> np.ndarray:
    """Flatten each image to one row and scale pixels from 0..255 to 0..1."""
    return images.reshape(len(images), -1).astype(np.float32) / 255.0


def load_mnist(data_dir: Path | str | None, train_size: int = DEFAULT_TRAIN_SIZE) -> MnistData:
    """The first `train_size` training examples and the test examples, from IDX files or from Keras.

    With only the 10,000 t10k files (no train-* files), the first 80% train and the last 20% test.
    """
    if train_size < 1:
        raise PipelineError(f"--train-size must be at least 1, got {train_size}")
    if data_dir is None:
        train, test, source = load_from_keras()
    else:
        train, test, source = load_from_directory(Path(data_dir))
    images, labels = train
    note = ""
    if train_size > len(images):
        note = f" (--train-size {train_size:,} capped at {len(images):,})"
        train_size = len(images)
    split = source.format(train=train_size) + note
    test_images, test_labels = test
    if test_images.shape[1:] != images.shape[1:]:
        raise PipelineError(f"training images are {images.shape[1]}x{images.shape[2]} but test images are "
                            f"{test_images.shape[1]}x{test_images.shape[2]}")
    return MnistData(to_vectors(images[:train_size]), labels[:train_size].astype(np.int32),
                     to_vectors(test_images), test_labels.astype(np.int32), split)


def load_from_directory(data_dir: Path):
    if not data_dir.exists():
        raise PipelineError(f"MNIST directory not found: {data_dir}")
    if not data_dir.is_dir():
        raise PipelineError(f"{data_dir}: not a directory (--data-dir wants the folder holding the IDX files)")
    train = read_pair(data_dir, "train")
    test = read_pair(data_dir, "t10k")
    if test is None:
        raise PipelineError(f"{data_dir}: no t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] "
                            "(the MNIST test files are needed)")
    if train is not None:
        return train, test, (f"{data_dir}: first {{train:,}} of {len(train[0]):,} train examples, "
                             f"tested on the {len(test[0]):,} t10k examples")
    images, labels = test
    test_size = int(round(len(images) * TEST_FRACTION_WHEN_ONLY_T10K))
    if test_size < 1 or test_size >= len(images):
        raise PipelineError(f"{data_dir}: only {len(images)} t10k examples, too few to split into "
                            "training and test examples")
    cut = len(images) - test_size
    return ((images[:cut], labels[:cut]), (images[cut:], labels[cut:]),
            f"{data_dir}: only the t10k files, so trained on the first {{train:,}} and tested on the last "
            f"{test_size:,} of its {len(images):,} examples")


def load_from_keras():
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:  # the download's errors vary by cause (no network, proxy, disk); all mean the same
        raise PipelineError(f"cannot load MNIST through keras.datasets ({error}); "
                            "pass --data-dir with the IDX files instead") from None
    return ((x_train, y_train), (x_test, y_test),
            f"keras.datasets.mnist: first {{train:,}} of {len(x_train):,} train examples, "
            f"tested on the {len(x_test):,} test examples")


# ---------------------------------------------------------------------------------------------------
# 2. Model


def describe_architecture(model: keras.Model) -> str:
    parts = [str(model.inputs[0].shape[-1])]
    parts += [f"{layer.units} {layer.activation.__name__}" for layer in model.layers]
    return " -> ".join(parts)


def build_model(inputs: int, hidden_units: tuple[int, ...] = HIDDEN_UNITS, classes: int = CLASSES,
                seed: int = DEFAULT_SEED) -> keras.Model:
    """inputs -> hidden ReLU layers -> softmax over the classes, every layer the tagger's `dense` block."""
    layers = [keras.Input(shape=(inputs,), name="pixels")]
    for index, units in enumerate(hidden_units):
        layers.append(dense(units, "relu", name=f"hidden_{index}", seed=seed + index))
    layers.append(dense(classes, "softmax", name="digit", seed=seed + len(hidden_units)))
    return keras.Sequential(layers, name="mnist_sanity")


# ---------------------------------------------------------------------------------------------------
# 3. Loss


def make_loss() -> keras.losses.Loss:
    """Cross-entropy of the softmax output against the integer label, averaged over the batch."""
    return keras.losses.SparseCategoricalCrossentropy()


# ---------------------------------------------------------------------------------------------------
# 4. Updater


def batch_size_for(mode: str, batch_size: int, train_size: int) -> int:
    """Examples averaged per update: the whole set (batch), one (sgd) or `batch_size` (minibatch)."""
    if mode == "batch":
        return train_size
    if mode == "sgd":
        return 1
    return min(batch_size, train_size)


def make_updater(learning_rate: float) -> keras.optimizers.Optimizer:
    """Gradient descent with momentum: each step is learning_rate x gradient plus 0.9 x the last step."""
    return keras.optimizers.SGD(learning_rate=learning_rate, momentum=MOMENTUM)


# ---------------------------------------------------------------------------------------------------
# 5. Iterative learning


class _ProgressBridge(keras.callbacks.Callback):
    """Forwards Keras' batch and epoch ends to a ProgressCallback, and records each epoch's figures."""

    def __init__(self, mode: str, epochs: int, steps_per_epoch: int, progress: ProgressCallback | None):
        super().__init__()
        self.mode = mode
        self.epochs = epochs
        self.steps_per_epoch = steps_per_epoch
        self.progress = progress
        self.history: list[EpochStats] = []
        self.epoch_started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self.progress is not None:
            step = min(batch + 1, self.steps_per_epoch)
            self.progress(TrainingProgress(self.mode, self.current_epoch, self.epochs, step,
                                           self.steps_per_epoch, None))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        stats = EpochStats(epoch + 1, float(logs["loss"]), float(logs["accuracy"]),
                           time.perf_counter() - self.epoch_started)
        self.history.append(stats)
        if self.progress is not None:
            self.progress(TrainingProgress(self.mode, epoch + 1, self.epochs, self.steps_per_epoch,
                                           self.steps_per_epoch, stats.loss))

    @property
    def current_epoch(self) -> int:
        return len(self.history) + 1


def check_options(mode: str, epochs: int, batch_size: int, learning_rate: float | None) -> None:
    if mode not in MODES:
        raise PipelineError(f"--mode must be one of {', '.join(MODES)}; got {mode!r}")
    if epochs < 1:
        raise PipelineError(f"--epochs must be at least 1, got {epochs}")
    if batch_size < 1:
        raise PipelineError(f"--batch-size must be at least 1, got {batch_size}")
    if learning_rate is not None and not learning_rate > 0:
        raise PipelineError(f"--learning-rate must be positive, got {learning_rate}")


def train_and_evaluate(data: MnistData, mode: str = "minibatch", epochs: int = DEFAULT_EPOCHS,
                       batch_size: int = DEFAULT_BATCH_SIZE, learning_rate: float | None = None,
                       seed: int = DEFAULT_SEED, progress: ProgressCallback | None = None,
                       load_seconds: float = 0.0) -> SanityResult:
    """Blocks 2 to 5 on loaded data: build, train for `epochs`, and measure accuracy on the test examples."""
    check_options(mode, epochs, batch_size, learning_rate)
    learning_rate = DEFAULT_LEARNING_RATES[mode] if learning_rate is None else learning_rate
    train_size = len(data.x_train)
    examples_per_update = batch_size_for(mode, batch_size, train_size)
    steps_per_epoch = -(-train_size // examples_per_update)

    started = time.perf_counter()
    keras.utils.set_random_seed(seed)  # weights, shuffling order: the same run gives the same figures
    model = build_model(data.x_train.shape[1], seed=seed)
    steps_per_call = 1
    if mode == "sgd":
        # The largest divisor of the epoch's steps up to STEPS_PER_CALL_SGD, so no call straddles epochs.
        steps_per_call = max(d for d in range(1, min(STEPS_PER_CALL_SGD, steps_per_epoch) + 1)
                             if steps_per_epoch % d == 0)
    model.compile(optimizer=make_updater(learning_rate), loss=make_loss(), metrics=["accuracy"],
                  steps_per_execution=steps_per_call)
    bridge = _ProgressBridge(mode, epochs, steps_per_epoch, progress)
    model.fit(data.x_train, data.y_train, batch_size=examples_per_update, epochs=epochs, shuffle=True,
              verbose=0, callbacks=[bridge])
    probabilities = model.predict(data.x_test, batch_size=1024, verbose=0)
    predicted = probabilities.argmax(axis=1)
    correct = int((predicted == data.y_test).sum())
    test_loss = float(make_loss()(data.y_test, probabilities))
    seconds = time.perf_counter() - started

    return SanityResult(
        mode=mode, accuracy=correct / len(data.y_test), correct=correct, test_loss=test_loss, seconds=seconds,
        load_seconds=load_seconds, device=describe_device(), split=data.split, train_size=train_size,
        test_size=len(data.y_test), epochs=epochs, batch_size=examples_per_update, learning_rate=learning_rate,
        updates=steps_per_epoch * epochs, seed=seed, architecture=describe_architecture(model),
        history=tuple(bridge.history))


def run_sanity(data_dir: Path | str | None = None, train_size: int = DEFAULT_TRAIN_SIZE,
               epochs: int = DEFAULT_EPOCHS, batch_size: int = DEFAULT_BATCH_SIZE, mode: str = "minibatch",
               learning_rate: float | None = None, seed: int = DEFAULT_SEED,
               progress: ProgressCallback | None = None) -> SanityResult:
    """The whole check: load MNIST (IDX files in `data_dir`, or Keras' download), train one mode, test."""
    check_options(mode, epochs, batch_size, learning_rate)
    started = time.perf_counter()
    data = load_mnist(data_dir, train_size)
    return train_and_evaluate(data, mode, epochs, batch_size, learning_rate, seed, progress,
                              load_seconds=time.perf_counter() - started)


def compare_modes(data_dir: Path | str | None = None, train_size: int = DEFAULT_TRAIN_SIZE,
                  epochs: int = DEFAULT_EPOCHS, batch_size: int = DEFAULT_BATCH_SIZE, seed: int = DEFAULT_SEED,
                  progress: ProgressCallback | None = None,
                  modes: tuple[str, ...] = MODES) -> list[SanityResult]:
    """Batch, stochastic and mini-batch gradient descent on the same data for the same examples seen.

    Each mode uses its default learning rate and the same seed, so only the update rule differs.
    """
    for mode in modes:
        check_options(mode, epochs, batch_size, None)
    started = time.perf_counter()
    data = load_mnist(data_dir, train_size)
    load_seconds = time.perf_counter() - started
    return [train_and_evaluate(data, mode, epochs, batch_size, None, seed, progress, load_seconds)
            for mode in modes]
