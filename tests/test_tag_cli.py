"""`postag tag` as users run it: a separate process without TensorFlow, workers, standard input as a stream."""

import os
import subprocess
import sys
import threading
import time

import pytest
from conftest import REPO

PARAGRAPHS = "".join(f"Paragraph {i} has a first sentence. And a second one, shorter!\n\n" for i in range(6000))


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A small rnn tagger with random weights, saved as any trained model is (graph included)."""
    from tagger import TaggerConfig, Vocabularies
    from tagger.training import KerasTagger

    words = [["Paragraph", "has", "a", "first", "sentence", "."], ["And", "second", "one", ",", "shorter", "!"]]
    tags = [["NOUN", "VERB", "DET", "ADJ", "NOUN", "PUNCT"], ["CCONJ", "ADJ", "NUM", "PUNCT", "ADJ", "PUNCT"]]
    config = TaggerConfig(word_dim=8, char_dim=4, char_filters=4, hidden_dim=8, depth=1, affix_buckets=50,
                          affix_dim=4, min_count=1)
    directory = tmp_path_factory.mktemp("models") / "tiny"
    KerasTagger(config, Vocabularies.build(words, tags, min_count=1), metadata={"tagset": "upos"}).save(directory)
    return directory


def postag(*arguments, **options):
    """Run `postag` in a fresh interpreter, as the console script does."""
    code = "import sys, cli; sys.argv[0] = 'postag'; cli.app()"
    return subprocess.run([sys.executable, "-c", code, *arguments], cwd=REPO, capture_output=True, **options)


def test_tagging_imports_neither_tensorflow_nor_keras(model_dir, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("The dog barks. A cat sleeps.\n")
    code = ("import sys, cli; cli.app(['tag', sys.argv[1], '--model', sys.argv[2]], standalone_mode=False); "
            "heavy = [m for m in ('tensorflow', 'keras') if m in sys.modules]; "
            "print('imported:', heavy, file=sys.stderr); sys.exit(1 if heavy else 0)")
    done = subprocess.run([sys.executable, "-c", code, str(text), str(model_dir)], cwd=REPO, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("/") == 8


def test_two_workers_write_the_same_bytes_as_one(model_dir, tmp_path):
    text = tmp_path / "big.txt"
    text.write_text(PARAGRAPHS)  # about 400,000 characters: two blocks or more for the workers
    outputs = {}
    for workers in ("1", "2"):
        done = postag("tag", str(text), "--model", str(model_dir), "--format", "conllu", "--workers", workers,
                      "--output", str(tmp_path / f"out{workers}.conllu"))
        assert done.returncode == 0, done.stderr
        outputs[workers] = (tmp_path / f"out{workers}.conllu").read_bytes()
    assert outputs["1"] == outputs["2"] and outputs["1"].count(b"# sent_id") == 12000


def test_standard_input_is_tagged_before_it_ends(model_dir):
    code = "import sys, cli; sys.argv[0] = 'postag'; cli.app()"
    process = subprocess.Popen([sys.executable, "-c", code, "tag", "-", "--model", str(model_dir)], cwd=REPO,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def feed():  # in a thread: this one must read the output while the input is still being written
        try:
            process.stdin.write(PARAGRAPHS.encode())  # more than one block; the input stays open
            process.stdin.flush()
        except (BrokenPipeError, ValueError):  # the process was stopped first
            pass

    writer = threading.Thread(target=feed, daemon=True)
    try:
        os.set_blocking(process.stdout.fileno(), False)
        writer.start()
        deadline, received = time.monotonic() + 60, b""
        while not received and time.monotonic() < deadline:
            received = process.stdout.read() or b""
            time.sleep(0.2)
        assert received.startswith(b"Paragraph/"), "nothing was written before the input ended"
        assert process.poll() is None  # still waiting for the rest of the input
    finally:
        process.kill()  # the output pipe is no longer read: end it rather than let both sides wait
        process.wait(timeout=60)
        writer.join(timeout=60)


def test_a_closed_pipe_ends_quietly(model_dir, tmp_path):
    text = tmp_path / "big.txt"
    text.write_text(PARAGRAPHS)
    code = "import sys, cli; sys.argv[0] = 'postag'; cli.app()"
    tagging = subprocess.Popen([sys.executable, "-c", code, "tag", str(text), "--model", str(model_dir)], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tagging.stdout.read(100)
    tagging.stdout.close()  # as `| head` does
    tagging.wait(timeout=60)
    assert b"Traceback" not in tagging.stderr.read()
