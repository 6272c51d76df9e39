"""Which optional part of postag a module belongs to: `pip install postag` is the tagging product alone.

The light install runs `tag`, `tokenize`, `models list/info`, `evaluate` of a model with its graph, `serve`
and `tagger.load(...)` on ONNX Runtime. Training, comparing, pretraining, `models build/upgrade` and NLTK's
corpora need the `train` extra (TensorFlow, Keras, h5py, matplotlib, onnx, NLTK); `--engine beam` needs `beam`.
A command that reaches one of these modules without its extra stops with one line naming the extra.
"""

from __future__ import annotations

# The top-level module -> (what it is called, the extra that installs it).
EXTRAS: dict[str, tuple[str, str]] = {
    "tensorflow": ("TensorFlow", "train"),
    "keras": ("Keras", "train"),
    "h5py": ("h5py", "train"),
    "matplotlib": ("matplotlib", "train"),
    "onnx": ("the onnx package", "train"),
    "nltk": ("NLTK", "train"),
    "apache_beam": ("Apache Beam", "beam"),
}


def install_hint(module: str) -> str:
    """How to install the extra that brings `module`."""
    return f'pip install "postag[{EXTRAS[module][1]}]"'


def missing_extra_message(error: ModuleNotFoundError) -> str | None:
    """One line for a module of an extra that is not installed, or None when the missing module belongs to no
    extra (then it is a broken install or a bug, and its traceback is the useful part)."""
    module = (error.name or "").split(".")[0]
    if module not in EXTRAS:
        return None
    name, extra = EXTRAS[module]
    return (f"this command needs {name}, which postag installs only with its {extra!r} extra: "
            f"{install_hint(module)} (or pip install -e \".[{extra}]\" in a checkout)")


def require_modules(*modules: str) -> None:
    """Raise ModuleNotFoundError for the first of `modules` that is not installed, before a job starts work
    that would fail later in a child process (where the one-line message cannot reach the user)."""
    from importlib.util import find_spec

    for module in modules:
        if find_spec(module) is None:
            raise ModuleNotFoundError(f"No module named {module!r}", name=module)


def require_training_stack() -> None:
    """What the training commands call first: without the train extra they stop here, before reading data."""
    require_modules("tensorflow", "keras")
