"""MNIST sanity check: IDX parsing and its errors, the t10k-only split, training, and the CLI command.

Fast tests build tiny IDX files in tmp_path; the one slow test trains on the real t10k files.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from pipelines.errors import PipelineError
from pipelines.sanity.idx import IDX_TYPES, IMAGES_MAGIC, LABELS_MAGIC, parse_idx, read_idx, read_images, read_labels


def write_idx(path: Path, array: np.ndarray, compress: bool | None = None) -> None:
    """Write `array` as an IDX file (gzip when `compress`, or when the name ends in .gz): tiny fixtures."""
    codes = {dtype: code for code, dtype in IDX_TYPES.items()}
    big_endian = np.dtype(array.dtype).newbyteorder(">") if array.dtype.itemsize > 1 else array.dtype
    if big_endian not in codes:
        raise PipelineError(f"{path}: IDX cannot store values of type {array.dtype}")
    header = bytes([0, 0, codes[big_endian], array.ndim]) + b"".join(
        int(size).to_bytes(4, "big") for size in array.shape)
    content = header + np.ascontiguousarray(array, dtype=big_endian).tobytes()
    if compress is None:
        compress = path.name.endswith(".gz")
    path.write_bytes(gzip.compress(content, mtime=0) if compress else content)

IMAGES = "t10k-images-idx3-ubyte"
LABELS = "t10k-labels-idx1-ubyte"


def synthetic_digits(count: int, seed: int = 0, learnable: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """28x28 images whose class is the row band that is bright (easy to learn), with pixel noise.

    With learnable=False the labels are shuffled, so no model can reach a high accuracy.
    """
    generator = np.random.default_rng(seed)
    labels = (np.arange(count) % 10).astype(np.uint8)
    generator.shuffle(labels)
    images = generator.integers(0, 60, size=(count, 28, 28), dtype=np.uint8)
    for index, label in enumerate(labels):
        images[index, 2 + 2 * label: 5 + 2 * label, 4:24] = 255
    if not learnable:
        generator.shuffle(labels)
    return images, labels


def write_mnist(directory: Path, prefix: str, images: np.ndarray, labels: np.ndarray, gz: bool = True) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    write_idx(directory / f"{prefix}-images-idx3-ubyte{suffix}", images)
    write_idx(directory / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
    return directory


@pytest.fixture
def t10k_dir(tmp_path) -> Path:
    """Only t10k files, like ../shared/data/mnist: 500 examples -> 400 to train, 100 to test."""
    return write_mnist(tmp_path / "mnist", "t10k", *synthetic_digits(500))


# ---------------------------------------------------------------------------------------------------
# IDX files


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_idx_round_trip_plain_and_gzip(tmp_path, name):
    images, _ = synthetic_digits(7)
    path = tmp_path / name
    write_idx(path, images)
    content = path.read_bytes()
    if name.endswith(".gz"):
        assert content.startswith(b"\x1f\x8b")
        content = gzip.decompress(content)
    assert content[:16] == IMAGES_MAGIC.to_bytes(4, "big") + bytes([0, 0, 0, 7, 0, 0, 0, 28, 0, 0, 0, 28])
    back = read_images(path)
    assert back.dtype == np.uint8 and back.shape == (7, 28, 28)
    np.testing.assert_array_equal(back, images)


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    path = tmp_path / "labels-without-suffix"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 3, 4, 5, 6])))
    np.testing.assert_array_equal(read_labels(path), [4, 5, 6])


def test_multibyte_types_are_big_endian(tmp_path):
    values = np.array([[1, -2], [300, -40000]], dtype=np.int32)
    path = tmp_path / "ints.idx"
    write_idx(path, values)
    assert path.read_bytes()[:4] == bytes([0, 0, 0x0C, 2])
    assert path.read_bytes()[-4:] == (-40000).to_bytes(4, "big", signed=True)
    np.testing.assert_array_equal(read_idx(path), values)


def test_wrong_magic_number_is_named(tmp_path):
    path = tmp_path / IMAGES
    write_idx(path, np.zeros(5, dtype=np.uint8))  # a labels file under an images name
    with pytest.raises(PipelineError, match=r"wrong magic number 0x00000801 \(expected 0x00000803\)"):
        read_images(path)


def test_not_an_idx_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello, world\n")
    with pytest.raises(PipelineError, match="not an IDX file"):
        read_idx(path)


def test_truncated_plain_file(tmp_path):
    images, _ = synthetic_digits(3)
    path = tmp_path / IMAGES
    write_idx(path, images)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(PipelineError, match=r"truncated IDX file \(shape \(3, 28, 28\) needs 2368 bytes, "
                                            r"file has 2358\)"):
        read_images(path)


def test_truncated_header(tmp_path):
    with pytest.raises(PipelineError, match="truncated IDX file"):
        parse_idx(bytes([0, 0, 8, 3, 0, 0]), "short", IMAGES_MAGIC)
    with pytest.raises(PipelineError, match="no complete header"):
        parse_idx(b"\x00\x00", "tiny")


def test_truncated_gzip_file(tmp_path):
    images, _ = synthetic_digits(3)
    path = tmp_path / f"{IMAGES}.gz"
    write_idx(path, images)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(PipelineError, match=r"truncated gzip file"):
        read_images(path)


def test_extra_bytes_after_data(tmp_path):
    path = tmp_path / LABELS
    path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 2, 1, 2, 3]))
    with pytest.raises(PipelineError, match="1 bytes after the data"):
        read_idx(path, LABELS_MAGIC)


# ---------------------------------------------------------------------------------------------------
# Loading MNIST from a directory


def test_missing_directory(tmp_path):
    from pipelines.sanity.mnist import load_mnist

    with pytest.raises(PipelineError, match="MNIST directory not found: .*nowhere"):
        load_mnist(tmp_path / "nowhere")


def test_directory_without_idx_files(tmp_path):
    from pipelines.sanity.mnist import load_mnist

    with pytest.raises(PipelineError, match="no t10k-images-idx3-ubyte"):
        load_mnist(tmp_path)


def test_missing_labels_file(tmp_path):
    from pipelines.sanity.mnist import load_mnist

    images, _ = synthetic_digits(20)
    write_idx(tmp_path / f"{IMAGES}.gz", images)
    with pytest.raises(PipelineError, match=rf"has {IMAGES}.gz but no {LABELS}"):
        load_mnist(tmp_path)


def test_images_and_labels_of_different_counts(tmp_path):
    from pipelines.sanity.mnist import load_mnist

    images, labels = synthetic_digits(20)
    write_mnist(tmp_path, "t10k", images, labels[:19])
    with pytest.raises(PipelineError, match="has 20 images but t10k-labels-idx1-ubyte.gz has 19 labels"):
        load_mnist(tmp_path)


def test_label_out_of_range(tmp_path):
    from pipelines.sanity.mnist import load_mnist

    images, labels = synthetic_digits(20)
    labels[3] = 12
    write_mnist(tmp_path, "t10k", images, labels, gz=False)
    with pytest.raises(PipelineError, match="label 12 out of range 0..9"):
        load_mnist(tmp_path)


def test_only_t10k_splits_first_80_last_20_percent(t10k_dir):
    from pipelines.sanity.mnist import load_mnist

    images, labels = synthetic_digits(500)
    data = load_mnist(t10k_dir, train_size=10_000)
    assert data.x_train.shape == (400, 784) and data.x_test.shape == (100, 784)
    assert data.x_train.dtype == np.float32 and data.x_train.min() >= 0.0 and data.x_train.max() == 1.0
    np.testing.assert_allclose(data.x_train[0], images[0].reshape(-1) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(data.y_test, labels[400:])
    assert "only the t10k files" in data.split and "first 400" in data.split and "last 100" in data.split
    assert "--train-size 10,000 capped at 400" in data.split

    smaller = load_mnist(t10k_dir, train_size=50)
    assert len(smaller.x_train) == 50 and len(smaller.x_test) == 100 and "capped" not in smaller.split


def test_train_files_are_used_when_present(t10k_dir):
    from pipelines.sanity.mnist import load_mnist

    train_images, train_labels = synthetic_digits(60, seed=1)
    write_mnist(t10k_dir, "train", train_images, train_labels, gz=False)
    data = load_mnist(t10k_dir, train_size=30)
    assert len(data.x_train) == 30 and len(data.x_test) == 500
    np.testing.assert_array_equal(data.y_train, train_labels[:30])
    assert "first 30 of 60 train examples" in data.split


def test_without_data_dir_keras_dataset_is_used(monkeypatch):
    import keras

    from pipelines.sanity.mnist import load_mnist

    train, test = synthetic_digits(60), synthetic_digits(20, seed=2)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: (train, test))
    data = load_mnist(None, train_size=25)
    assert (len(data.x_train), len(data.x_test)) == (25, 20)
    assert data.split == "keras.datasets.mnist: first 25 of 60 train examples, tested on the 20 test examples"


def test_failed_keras_download_is_one_clear_error(monkeypatch):
    import keras

    from pipelines.sanity.mnist import load_mnist

    def offline():
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: None -- no network")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(PipelineError, match=r"cannot load MNIST through keras.datasets \(URL fetch failure.*"
                                            r"pass --data-dir"):
        load_mnist(None)


# ---------------------------------------------------------------------------------------------------
# Model and training


def test_model_is_made_of_the_tagger_dense_block_with_lecun_normal():
    from pipelines.sanity.mnist import build_model

    model = build_model(784, hidden_units=(1000,), seed=3)
    hidden = model.layers[0]
    config = hidden.kernel_initializer.get_config()
    assert (config["mode"], config["distribution"], config["scale"]) == ("fan_in", "untruncated_normal", 1.0)
    kernel = np.asarray(hidden.kernel)
    assert abs(kernel.mean()) < 0.001
    assert kernel.std() == pytest.approx(784 ** -0.5, rel=0.02)
    assert np.abs(kernel).max() > 2.5 * 784 ** -0.5  # untruncated: Keras' LecunNormal would stop at 2 std
    assert not np.asarray(hidden.bias).any()
    assert model.layers[-1].units == 10 and model.layers[-1].activation.__name__ == "softmax"


def test_bad_options_are_pipeline_errors(t10k_dir):
    from pipelines.sanity.mnist import run_sanity

    for options, message in (({"mode": "adam"}, "--mode must be one of batch, sgd, minibatch"),
                             ({"epochs": 0}, "--epochs must be at least 1"),
                             ({"batch_size": 0}, "--batch-size must be at least 1"),
                             ({"learning_rate": -1.0}, "--learning-rate must be positive"),
                             ({"train_size": 0}, "--train-size must be at least 1")):
        with pytest.raises(PipelineError, match=message):
            run_sanity(t10k_dir, **options)


def test_training_learns_reports_progress_and_repeats(t10k_dir):
    from pipelines.sanity.mnist import run_sanity

    events = []
    result = run_sanity(t10k_dir, epochs=3, batch_size=16, progress=events.append)
    assert result.accuracy >= 0.9, result
    assert result.correct == round(result.accuracy * 100) and result.test_size == 100
    assert (result.train_size, result.batch_size, result.updates) == (400, 16, 3 * 25)
    assert result.learning_rate == 0.05 and result.architecture == "784 -> 256 relu -> 10 softmax"
    assert [epoch.epoch for epoch in result.history] == [1, 2, 3]
    assert result.history[-1].loss < result.history[0].loss
    assert result.device and result.seconds > 0

    done = [(event.epoch, event.step) for event in events]
    assert done == sorted(done) and done[-1] == (3, 25)  # in order, to the last step of the last epoch
    assert [event.loss for event in events if event.loss is not None] == [e.loss for e in result.history]

    again = run_sanity(t10k_dir, epochs=3, batch_size=16)
    assert again.accuracy == result.accuracy
    assert [e.loss for e in again.history] == pytest.approx([e.loss for e in result.history], rel=1e-5)


def test_compare_modes_sees_the_same_examples(t10k_dir):
    from pipelines.sanity.mnist import compare_modes

    results = compare_modes(t10k_dir, train_size=100, epochs=1, batch_size=10)
    assert [result.mode for result in results] == ["batch", "sgd", "minibatch"]
    assert {result.examples_seen for result in results} == {100}
    assert [(result.batch_size, result.updates) for result in results] == [(100, 1), (1, 100), (10, 10)]
    assert [result.learning_rate for result in results] == [0.2, 0.001, 0.05]


# ---------------------------------------------------------------------------------------------------
# Command line


def invoke(*arguments: str):
    from cli import app

    return CliRunner().invoke(app, ["sanity", "mnist", *arguments])


def test_cli_missing_directory_is_one_line_exit_2(tmp_path):
    result = invoke("--data-dir", str(tmp_path / "absent"))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: MNIST directory not found: {tmp_path / 'absent'}"]


def test_cli_wrong_magic_is_one_line_exit_2(tmp_path):
    images, labels = synthetic_digits(20)
    write_mnist(tmp_path, "t10k", images, labels)
    (tmp_path / f"{LABELS}.gz").write_bytes((tmp_path / f"{IMAGES}.gz").read_bytes())
    result = invoke("--data-dir", str(tmp_path))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "wrong magic number 0x00000803 (expected 0x00000801)" in lines[0]


def test_cli_bad_option_value_is_exit_2(t10k_dir):
    result = invoke("--data-dir", str(t10k_dir), "--mode", "fast")
    assert result.exit_code == 2 and "--mode must be one of" in result.stderr
    result = invoke("--data-dir", str(t10k_dir), "--min-accuracy", "95")
    assert result.exit_code == 2 and "--min-accuracy must be between 0 and 1" in result.stderr


def test_cli_passes_and_fails_on_min_accuracy(tmp_path, t10k_dir):
    passed = invoke("--data-dir", str(t10k_dir), "--epochs", "2", "--batch-size", "16", "--min-accuracy", "0.5")
    assert passed.exit_code == 0, passed.output
    assert "OK test accuracy" in passed.stdout and "only the t10k files" in passed.stdout
    assert "on CPU" in passed.stdout or "on GPU" in passed.stdout

    noise = write_mnist(tmp_path / "noise", "t10k", *synthetic_digits(100, learnable=False))
    failed = invoke("--data-dir", str(noise), "--epochs", "1", "--min-accuracy", "0.9")
    assert failed.exit_code == 1
    assert "is below --min-accuracy 90.00%" in failed.stderr


def test_cli_compare_modes_prints_a_table(t10k_dir):
    result = invoke("--data-dir", str(t10k_dir), "--compare-modes", "--train-size", "100", "--epochs", "1",
                    "--batch-size", "10", "--min-accuracy", "0")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if "%" in line and "│" in line]
    assert [row.split("│")[1].strip() for row in rows] == ["batch", "stochastic", "mini-batch"]
    assert "100 examples seen each" in result.stdout


# ---------------------------------------------------------------------------------------------------
# Real data


def real_mnist_dir() -> Path | None:
    configured = os.environ.get("POSTAG_DATA_DIR")
    root = Path(configured) if configured else Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    directory = root / "mnist"
    return directory if (directory / f"{IMAGES}.gz").is_file() or (directory / IMAGES).is_file() else None


@pytest.mark.slow
def test_default_run_on_real_t10k_reaches_95_percent():
    directory = real_mnist_dir()
    if directory is None:
        pytest.skip("MNIST t10k files not found: set POSTAG_DATA_DIR to a folder holding mnist/")
    from pipelines.sanity.mnist import run_sanity

    result = run_sanity(directory)
    assert (result.train_size, result.test_size) == (8000, 2000)
    assert result.accuracy >= 0.95, result
