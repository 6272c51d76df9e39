"""Data-parallel training: clusters from options, each replica's part of a batch, and real runs of two workers
on 127.0.0.1 (MultiWorkerMirroredStrategy) and of two logical CPU devices (MirroredStrategy), each checked
against a run in one process on the same global batches.

The runs start fresh processes (TensorFlow takes a cluster or logical devices only before it starts), with
generous time limits for a loaded machine; a process group of their own is killed whatever happens.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from multiworker import SETTINGS, write_corpus
from typer.testing import CliRunner

from cli import app
from pipelines.errors import PipelineError
from pipelines.training.cluster import Cluster, free_ports, worker_arguments

REPO = Path(__file__).parent.parent
RUN_SECONDS = 900  # one training run of a few seconds' work, on a 2-core machine that others share


# ---- the cluster from the command line ------------------------------------------------------------------

def test_cluster_option_gives_tensorflows_tf_config():
    cluster = Cluster.parse("10.0.0.1:2222, 10.0.0.2:2222", 1)
    assert json.loads(cluster.tf_config()) == {"cluster": {"worker": ["10.0.0.1:2222", "10.0.0.2:2222"]},
                                               "task": {"type": "worker", "index": 1}}


@pytest.mark.parametrize("workers, index, message", [
    ("10.0.0.1:2222,10.0.0.2:2222", None, "needs --task-index"),
    ("10.0.0.1:2222,10.0.0.2:2222", 2, "0 to 1"),
    ("10.0.0.1,10.0.0.2:2222", 0, "not host:port"),
    ("10.0.0.1:2222,10.0.0.1:2222", 0, "twice"),
    (None, 0, "needs --cluster"),
])
def test_a_bad_cluster_is_a_one_line_error(workers, index, message):
    with pytest.raises(PipelineError, match=message):
        Cluster.parse(workers, index)


def test_workers_run_the_command_without_local_workers():
    arguments = ["train", "--local-workers", "2", "--output", "m", "--local-workers=3", "--epochs", "2"]
    assert worker_arguments(arguments) == ["train", "--output", "m", "--epochs", "2"]


def test_free_ports_are_distinct():
    ports = free_ports(8)
    assert len(set(ports)) == 8 and all(0 < port < 65536 for port in ports)


@pytest.mark.parametrize("options, message", [
    (["--local-workers", "0"], "between 1 and"),
    (["--local-workers", "2", "--task-index", "0"], "leave out --cluster"),
    (["--cluster", "127.0.0.1:1,127.0.0.1:2"], "needs --task-index"),
])
def test_bad_cluster_options_exit_2_with_one_line(tmp_path, options, message):
    result = CliRunner().invoke(app, ["train", "--train", str(REPO / "tests/fixtures/tiny.conllu"),
                                      "--output", str(tmp_path / "m"), *options])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


# ---- each replica's part of every global batch ---------------------------------------------------------

def test_replicas_share_every_global_batch_and_pad_an_empty_part(tiny_sentences):
    from pipelines.training.tagger import _epoch_batches, replica_batches
    from tagger import TaggerConfig, Vocabularies
    from tagger.encoding import SentenceEncoder

    sentences = tiny_sentences[:5]  # batches of 4: one of 4 sentences, one of 1 (an empty part for replica 1)
    vocabs = Vocabularies.build([s.words for s in sentences], [s.tags for s in sentences])
    config = TaggerConfig()
    encoder = SentenceEncoder(vocabs, config.max_word_length, config.affix_buckets)
    encoded = [0]
    parts = list(replica_batches(encoder, sentences, 4, np.random.default_rng(1), 2, [0, 1], encoded))
    expected = _epoch_batches([len(s) for s in sentences], 4, np.random.default_rng(1))
    assert len(parts) == 2 * len(expected) and encoded == [5]
    for batch, (first, second) in zip(expected, zip(parts[::2], parts[1::2])):
        tokens = sum(len(sentences[i]) for i in batch)
        assert float(first[2]) == float(second[2]) == tokens  # each part knows the whole batch's tokens
        real = [int(np.count_nonzero(part[1])) for part in (first, second)]
        assert sum(real) == tokens
        if len(batch) == 1:
            assert real[1] == 0 and second[0]["words"].shape == (1, 1)  # one all-padding row


# ---- real runs -------------------------------------------------------------------------------------------

def _run(command: list[str], **options) -> subprocess.CompletedProcess:
    """Run `command` in a process group of its own, which is killed however the run ends."""
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    environment.pop("TF_CONFIG", None)
    process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True, **options)
    try:
        stdout, stderr = process.communicate(timeout=RUN_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(command[:4])}... took more than {RUN_SECONDS} s")
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _train_command(folder: Path, output: Path, *more: str) -> list[str]:
    sets = [f"--set={key}={value}" for key, value in SETTINGS.items() if key != "architecture"]
    return [sys.executable, str(REPO / "cli.py"), "train", "--train", str(folder / "train.conllu"),
            "--dev", str(folder / "dev.conllu"), "--arch", SETTINGS["architecture"], "--output", str(output),
            "--json", *sets, *more]


@pytest.fixture(scope="module")
def corpus_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    write_corpus(folder)
    return folder


def test_two_local_workers_train_together_like_one_process(corpus_folder, tmp_path):
    import tagger
    from corpora import read_conllu

    single = _run(_train_command(corpus_folder, tmp_path / "single"))
    assert single.returncode == 0, single.stderr[-2000:]
    workers = _run(_train_command(corpus_folder, tmp_path / "workers", "--local-workers", "2"))
    assert workers.returncode == 0, workers.stderr[-2000:]

    metrics = json.loads((tmp_path / "workers" / "metrics.json").read_text())
    distributed = metrics["distributed"]
    assert distributed["strategy"] == "MultiWorkerMirroredStrategy" and distributed["workers"] == 2
    # Both took part, each encoding its own half of every batch (never the whole corpus), every epoch.
    train_sentences = len(read_conllu(corpus_folder / "train.conllu"))
    counts = distributed["sentences_encoded"]
    assert min(counts) > 0 and sum(counts) == train_sentences * SETTINGS["epochs"]
    assert max(counts) < train_sentences * SETTINGS["epochs"] * 0.6
    first, second = distributed["weight_sums"]
    assert first == second > 0  # both ended with the same weights
    # The chief wrote the model; it loads and tags without TensorFlow, as well as training measured.
    loaded = tagger.load(tmp_path / "workers")
    dev = [(s.words, s.tags) for s in read_conllu(corpus_folder / "dev.conllu")]
    assert loaded.accuracy(dev) == pytest.approx(metrics["dev"]["accuracy"], abs=1e-9)
    # The same learning as one process on the same global batches, and as good.
    single = json.loads((tmp_path / "single" / "metrics.json").read_text())
    np.testing.assert_allclose([r["train_loss"] for r in metrics["history"]],
                               [r["train_loss"] for r in single["history"]], rtol=1e-4)
    assert abs(metrics["dev"]["accuracy"] - single["dev"]["accuracy"]) <= 0.005


def test_mirrored_strategy_over_two_cpu_devices_computes_what_one_process_does(corpus_folder):
    import tagger

    run = _run([sys.executable, str(REPO / "tests" / "multiworker.py"), str(corpus_folder)])
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["devices"] == 2
    assert result["distributed"]["strategy"] == "MirroredStrategy" and result["distributed"]["replicas"] == 2
    # The loss over the global batch's real tokens, all-reduced: the same update as one process, to rounding.
    assert result["one_step_difference"] < 1e-5
    # And the same learning over whole runs.
    np.testing.assert_allclose(result["mirrored_losses"], result["single_losses"], rtol=1e-4)
    assert abs(result["mirrored_dev"] - result["single_dev"]) <= 0.005
    loaded = tagger.load(corpus_folder / "mirrored-model")
    assert set(loaded.tag(["they", "watch", "the", "river", "."])) <= {"PRON", "VERB", "DET", "NOUN", "PUNCT", "ADJ",
                                                                      "CCONJ"}
