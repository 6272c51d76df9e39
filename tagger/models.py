"""Models by name: the ones shipped inside the package (tagger/pretrained/<name>/), or any model directory."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from common.errors import shorten

from .errors import ModelError
from .modeldir import CONFIG_FILE, GRAPH_FILE, METRICS_FILE, read_json, read_model

PRETRAINED_DIR = Path(__file__).parent / "pretrained"
DEFAULT_MODEL = "en_ewt"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


def shipped_models() -> list[str]:
    if not PRETRAINED_DIR.is_dir():
        return []
    return sorted(p.name for p in PRETRAINED_DIR.iterdir() if _NAME.match(p.name) and (p / CONFIG_FILE).is_file())


def default_model() -> str:
    """The one place that says which model runs when none is named: $POSTAG_MODEL when set, else the shipped
    English model."""
    return os.environ.get("POSTAG_MODEL") or DEFAULT_MODEL


def resolve_model(model: str | Path | None) -> Path:
    """The directory of a model: None is the default model; a bare name of a shipped model (`en_ewt`) is that
    model, even where the current folder holds a folder of that name (write `./en_ewt` for the folder); anything
    else is a path."""
    model = default_model() if model is None else model
    name = str(model)
    if isinstance(model, str) and _NAME.match(name) and (PRETRAINED_DIR / name / CONFIG_FILE).is_file():
        return PRETRAINED_DIR / name
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    shown = shorten(name)
    shipped = ", ".join(shipped_models()) or "none in this install"
    raise ModelError(f"no model {shown!r}: not a model directory nor a shipped model (shipped: {shipped}); "
                     "train one with `postag train --corpus ud:en_ewt --output DIR`")


def model_reference(directory: Path) -> str:
    """How another process or machine names the model in `directory`: a shipped model by its name (each install
    has its own copy), any other by its path."""
    directory = Path(directory)
    return directory.name if directory.parent == PRETRAINED_DIR else str(directory)


@dataclass
class ModelInfo:
    """What `postag models list|info` shows of a model."""

    name: str
    path: str
    shipped: bool
    architecture: str
    tagset: str
    tags: list[str]
    corpus: str
    license: str
    size_bytes: int
    runtime: bool  # holds the exported graph, so tagging needs no TensorFlow
    scores: dict = field(default_factory=dict)  # split -> {"accuracy", "oov_accuracy", "tokens"}
    card: str = ""
    config: dict = field(default_factory=dict)


def model_info(model: str | Path) -> ModelInfo:
    files = read_model(resolve_model(model))
    directory, config = files.directory, files.config_data
    metrics = read_json(directory / METRICS_FILE) if files.has(METRICS_FILE) else {}
    tags = files.vocabs.tags.items[1:]
    scores = {}
    for split in ("dev", "test"):
        entry = metrics.get(split)
        if isinstance(entry, dict):
            scores[split] = {key: entry.get(key) for key in ("accuracy", "oov_accuracy", "tokens")}
    card = directory / "README.md"
    return ModelInfo(
        name=directory.name if directory.parent == PRETRAINED_DIR else str(model),
        path=str(directory), shipped=directory.parent == PRETRAINED_DIR,
        architecture=files.config.architecture, tagset=str(config.get("tagset", "?")),
        tags=[str(t) for t in tags], corpus=str(config.get("corpus", "?")),
        license=str(config.get("license") or "not stated"),
        size_bytes=sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()),
        runtime=files.has(GRAPH_FILE), scores=scores, card=card.read_text(encoding="utf-8") if card.is_file() else "",
        config=files.config.to_json())


def list_models(extra: list[str] | None = None) -> list[ModelInfo]:
    """The shipped models, then the given ones."""
    return [model_info(name) for name in shipped_models()] + [model_info(m) for m in extra or []]
