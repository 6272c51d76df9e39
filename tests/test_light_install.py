"""The light install: without the `train` extra (TensorFlow, Keras, h5py, matplotlib, onnx, NLTK), tagging,
tokenizing, models list/info, evaluating a model with its graph and serving all work, and a command that needs
the extra stops with one line naming it (exit 2, no traceback).

Here the extra's modules are hidden from a child process by an import hook (sitecustomize on PYTHONPATH), so
the test runs in the development environment; CI also installs the wheel without extras into a fresh
environment where they are truly absent (.ci/run).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from common.extras import EXTRAS, missing_extra_message, require_modules

REPO = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
HIDDEN = sorted(module for module, (_, extra) in EXTRAS.items() if extra == "train")

HIDING_HOOK = f"""
import sys

HIDDEN = {HIDDEN!r}


class HideTrainingStack:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, HideTrainingStack())
"""


@pytest.fixture(scope="module")
def hidden_environment(tmp_path_factory) -> dict:
    """The environment of a child process that cannot import the training stack."""
    hook = tmp_path_factory.mktemp("hook")
    (hook / "sitecustomize.py").write_text(HIDING_HOOK, encoding="utf-8")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), str(REPO)])}


@pytest.fixture(scope="module")
def light(hidden_environment):
    """Run `postag ARGS` without the training stack."""

    def run(*arguments):
        return subprocess.run([sys.executable, str(REPO / "cli.py"), *arguments], cwd=REPO, env=hidden_environment,
                              capture_output=True, text=True, timeout=120)

    return run


def test_the_hook_hides_the_training_stack(hidden_environment):
    done = subprocess.run([sys.executable, "-c", "import tensorflow"], env=hidden_environment, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1 and "No module named 'tensorflow'" in done.stderr


def test_tagging_tokenizing_and_models_work_without_the_training_stack(light, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("The old man the boats. Time flies like an arrow.\n", encoding="utf-8")
    tagged = light("tag", str(notes))
    assert tagged.returncode == 0, tagged.stderr
    assert tagged.stdout.startswith("The/DET old/ADJ man/NOUN")
    assert light("tag", str(notes), "--format", "conllu").returncode == 0
    assert light("tokenize", str(notes)).stdout.splitlines()[0] == "The old man the boats ."
    listed = light("models", "list", "--json")
    assert listed.returncode == 0 and '"en_ewt"' in listed.stdout
    assert light("models", "info", "en_ewt").returncode == 0


def test_evaluating_a_shipped_model_works_without_the_training_stack(light):
    scored = light("evaluate", "en_ewt", str(FIXTURES / "tiny.conllu"), "--json")
    assert scored.returncode == 0, scored.stderr
    assert '"accuracy"' in scored.stdout
    raw = light("evaluate", "en_ewt", str(FIXTURES / "ud_text.conllu"), "--raw", "--json")
    assert raw.returncode == 0, raw.stderr


def test_the_python_api_works_without_the_training_stack(hidden_environment):
    code = ("import sys, tagger; t = tagger.load('en_ewt'); print(t.tag(['I', 'saw', 'her'])); "
            "print(t.tag_text('Acme is here.')[0][0].word); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'nltk', 'onnx')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=hidden_environment, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["['PRON', 'VERB', 'PRON']", "Acme", "[]"]


@pytest.mark.parametrize("arguments, module", [
    (["train", "--corpus", "ud:en_ewt", "--output", "{tmp}/model"], "TensorFlow"),
    (["compare", "--corpus", "ud:en_ewt", "--output", "{tmp}/compare"], "TensorFlow"),
    (["tokenizer", "train", "--corpus", "ud:en_ewt", "--output", "{tmp}/tokenizer"], "TensorFlow"),
    (["sanity", "mnist", "--data-dir", "{tmp}"], "TensorFlow"),
    (["models", "build", "en_ewt", "--output", "{tmp}/built"], "TensorFlow"),
    (["embeddings", "train", "{tmp}/notes.txt", "--output", "{tmp}/vectors.txt"], "TensorFlow"),
    (["corpora", "info", "nltk:brown"], "NLTK"),
])
def test_a_command_that_needs_the_train_extra_says_so_in_one_line(light, tmp_path, arguments, module):
    (tmp_path / "notes.txt").write_text("Some text to train on.\n", encoding="utf-8")
    done = light(*[argument.format(tmp=tmp_path) for argument in arguments])
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert module in lines[0] and 'pip install "postag[train]"' in lines[0]
    assert "Traceback" not in done.stderr


def test_a_missing_module_of_no_extra_is_not_disguised():
    assert missing_extra_message(ModuleNotFoundError("No module named 'numpyy'", name="numpyy")) is None
    message = missing_extra_message(ModuleNotFoundError("No module named 'keras.src'", name="keras.src"))
    assert message is not None and 'postag[train]' in message


def test_require_modules_names_the_first_missing_one():
    require_modules("json", "numpy")
    with pytest.raises(ModuleNotFoundError) as caught:
        require_modules("json", "no_such_module_here")
    assert caught.value.name == "no_such_module_here"


def test_serving_works_without_the_training_stack(hidden_environment):
    from server_process import request, running_server

    with running_server(env=hidden_environment) as (base, _):
        status, _, body = request(base + "/v1/tag", {"text": "The old man the boats."})
    assert status == 200
    assert '"tag": "DET"' in body.decode()
