"""Models by name: the ones shipped inside the package (tagger/pretrained/<name>/), or any model directory."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from common.errors import shorten

from .errors import ModelError
from .modeldir import CONFIG_FILE, GRAPH_FILE, METRICS_FILE, WEIGHTS_FILE, read_json

PRETRAINED_DIR = Path(__file__).parent / "pretrained"
DEFAULT_MODEL = "en_ewt"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


def shipped_models() -> list[str]:
    if not PRETRAINED_DIR.is_dir():
        return []
    return sorted(p.name for p in PRETRAINED_DIR.iterdir() if _NAME.match(p.name) and (p / CONFIG_FILE).is_file())


def default_model() -> str:
    """$POSTAG_MODEL when set, else the shipped English model."""
    return os.environ.get("POSTAG_MODEL") or DEFAULT_MODEL


def resolve_model(model: str | Path) -> Path:
    """The directory of a model given by name (`en_ewt`) or path; a directory path wins over a name."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    name = str(model)
    if _NAME.match(name) and (PRETRAINED_DIR / name / CONFIG_FILE).is_file():
        return PRETRAINED_DIR / name
    shown = shorten(name)
    shipped = ", ".join(shipped_models()) or "none in this install"
    raise ModelError(f"no model {shown!r}: not a model directory nor a shipped model (shipped: {shipped}); "
                     "train one with `postag train --corpus ud:en_ewt --output DIR`")


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
    directory = resolve_model(model)
    config = read_json(directory / CONFIG_FILE)
    metrics = read_json(directory / METRICS_FILE) if (directory / METRICS_FILE).is_file() else {}
    vocab = read_json(directory / "vocab.json")
    tags = vocab.get("tags", {}).get("items", [])[1:] if isinstance(vocab.get("tags"), dict) else []
    scores = {}
    for split in ("dev", "test"):
        entry = metrics.get(split)
        if isinstance(entry, dict):
            scores[split] = {key: entry.get(key) for key in ("accuracy", "oov_accuracy", "tokens")}
    card = directory / "README.md"
    tagger = config.get("tagger") if isinstance(config.get("tagger"), dict) else {}
    return ModelInfo(
        name=directory.name if directory.parent == PRETRAINED_DIR else str(model),
        path=str(directory), shipped=directory.parent == PRETRAINED_DIR,
        architecture=str(tagger.get("architecture", "?")), tagset=str(config.get("tagset", "?")),
        tags=[str(t) for t in tags], corpus=str(config.get("corpus", "?")),
        license=str(config.get("license") or "not stated"),
        size_bytes=sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()),
        runtime=(directory / GRAPH_FILE).is_file() or not (directory / WEIGHTS_FILE).is_file(),
        scores=scores, card=card.read_text(encoding="utf-8") if card.is_file() else "", config=tagger)


def list_models(extra: list[str] | None = None) -> list[ModelInfo]:
    """The shipped models, then the given ones."""
    return [model_info(name) for name in shipped_models()] + [model_info(m) for m in extra or []]
