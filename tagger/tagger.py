"""Tagger: a trained model with its vocabularies and config, saved to and loaded from a model directory.

A model directory holds config.json, vocab.json, model.weights.h5, metrics.json and README.md. Loading
rebuilds the model in code from config.json and then loads the weights: nothing in the directory runs.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from .config import ConfigError, TaggerConfig
from .encoding import SentenceEncoder, length_batches
from .loss import predict_tags
from .models import SequenceTagger, VocabSizes, build_model
from .vocab import Vocabularies

# 2: ten affix kinds (prefixes to 4, suffixes to 5) where format 1 had six.
FORMAT_VERSION = 2
CONFIG_FILE, VOCAB_FILE, WEIGHTS_FILE, METRICS_FILE, CARD_FILE = (
    "config.json", "vocab.json", "model.weights.h5", "metrics.json", "README.md")
REQUIRED_FILES = (CONFIG_FILE, VOCAB_FILE, WEIGHTS_FILE)
HOW_TO_GET_A_MODEL = "train one with `postag train --corpus ud:en_ewt --output DIR` (see `postag train --help`)"


def input_signature() -> dict[str, tf.TensorSpec]:
    """Shapes of a batch of model inputs: any batch size and sentence length, so one trace serves all."""
    return {"words": tf.TensorSpec([None, None], tf.int32), "spellings": tf.TensorSpec([None, None], tf.int32),
            "spelling_index": tf.TensorSpec([None, None], tf.int32),
            "affixes": tf.TensorSpec([None, None, None], tf.int32)}


class ModelError(ValueError):
    """A model directory is missing, incomplete or was written by an incompatible version."""


def postag_version() -> str:
    try:
        from importlib.metadata import version

        return version("postag")
    except Exception:  # running from a source tree that was never installed
        return "unknown"


class Tagger:
    """Tags sentences of words: `tag(words)` for one, `tag_sents(list_of_word_lists)` for many."""

    def __init__(self, config: TaggerConfig, vocabs: Vocabularies, model: SequenceTagger | None = None,
                 metadata: dict | None = None, word_vectors: np.ndarray | None = None):
        self.config = config
        self.vocabs = vocabs
        self.sizes = VocabSizes(len(vocabs.words), len(vocabs.chars), len(vocabs.tags))
        self.model = model if model is not None else build_model(config, self.sizes, word_vectors)
        self.metadata = dict(metadata or {})
        self.encoder = SentenceEncoder(vocabs, config.max_word_length, config.affix_buckets)
        self._predict_ids = tf.function(
            lambda inputs: predict_tags(self.model(inputs, training=False)),
            input_signature=[input_signature()],
        )

    @property
    def tagset(self) -> list[str]:
        return self.vocabs.tags.items[1:]

    def tag(self, words: Sequence[str]) -> list[str]:
        return self.tag_sents([words])[0]

    def tag_sents(self, sentences: Sequence[Sequence[str]], batch_size: int = 1024, max_tokens: int = 8192,
                  max_padding: float | None = 0.1) -> list[list[str]]:
        """Tags for every sentence, batching sentences of similar length (never one call per sentence).

        A batch holds at most `batch_size` sentences, `max_tokens` padded positions and a `max_padding` share
        of padding: on EWT test that is 27k padded positions instead of 33k with fixed batches of 256 (the
        speed difference is within this machine's noise: benchmarks/tagging_speed.py).
        """
        sentences = [list(s) for s in sentences]
        results: list[list[str]] = [[] for _ in sentences]
        lengths = [len(s) for s in sentences]
        tag_items = self.vocabs.tags.items
        for batch in length_batches(lengths, batch_size, max_tokens=max_tokens, max_padding=max_padding):
            batch_sentences = [sentences[i] for i in batch]
            if not any(batch_sentences):
                continue
            predicted = self._predict_ids(self.encoder.inputs(batch_sentences)).numpy()
            for row, index in enumerate(batch):
                results[index] = [tag_items[t] for t in predicted[row, : lengths[index]]]
        return results

    def accuracy(self, gold: Sequence[tuple[Sequence[str], Sequence[str]]]) -> float:
        """Token accuracy against (words, tags) pairs, as NLTK's TaggerI.accuracy."""
        gold = list(gold)
        predicted = self.tag_sents([words for words, _ in gold])
        pairs = [(p, g) for pred, (_, tags) in zip(predicted, gold) for p, g in zip(pred, tags)]
        return sum(p == g for p, g in pairs) / max(len(pairs), 1)

    # ---- the model directory -------------------------------------------------------------------------

    def save(self, directory: str | Path, metrics: dict | None = None, card: str | None = None) -> Path:
        """Write the model directory atomically: a crash never leaves a half-written or lost model."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.tmp-", dir=directory.parent))
        try:
            self.write_files(staging, metrics, card)
            replace_directory(staging, directory)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return directory

    def write_files(self, folder: Path, metrics: dict | None, card: str | None) -> None:
        config = {
            "format_version": FORMAT_VERSION,
            "tagger": self.config.to_json(),
            "sizes": vars(self.sizes),
            "postag_version": postag_version(),
            "tensorflow_version": tf.__version__,
            "keras_version": keras.__version__,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            **{k: v for k, v in self.metadata.items() if k not in ("tagger", "sizes", "format_version")},
        }
        _write_json(folder / CONFIG_FILE, config)
        _write_json(folder / VOCAB_FILE, self.vocabs.to_json())
        model = self.model
        if getattr(model, "optimizer", None) is not None:
            # A compiled model also writes its updater's state (Adam's moments, the weight average): three to
            # four times the weights, and of no use for tagging. An uncompiled copy writes the weights alone.
            model = build_model(self.config, self.sizes)
            model.set_weights(self.model.get_weights())
        model.save_weights(str(folder / WEIGHTS_FILE))
        _write_json(folder / METRICS_FILE, metrics or {})
        (folder / CARD_FILE).write_text(card or f"# postag {self.config.architecture} tagger\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> Tagger:
        directory = Path(directory)
        if not directory.is_dir():
            raise ModelError(f"no model directory at {directory}; {HOW_TO_GET_A_MODEL}")
        missing = [name for name in REQUIRED_FILES if not (directory / name).is_file()]
        if missing:
            raise ModelError(f"{directory} is not a complete postag model (missing {', '.join(missing)}); "
                             f"{HOW_TO_GET_A_MODEL}")
        config_data = _read_json(directory / CONFIG_FILE)
        if config_data.get("format_version") != FORMAT_VERSION or "tagger" not in config_data:
            raise ModelError(f"{directory / CONFIG_FILE}: model format {config_data.get('format_version')!r} is not "
                             f"the format {FORMAT_VERSION} this postag reads; retrain the model")
        try:
            config = TaggerConfig.from_json(config_data["tagger"])
            vocabs = Vocabularies.from_json(_read_json(directory / VOCAB_FILE))
        except (ConfigError, ValueError) as error:
            raise ModelError(f"{directory}: incompatible model: {error}") from None
        metadata = {k: v for k, v in config_data.items() if k not in ("tagger", "sizes", "format_version")}
        tagger = cls(config, vocabs, metadata=metadata)
        try:
            tagger.model.load_weights(str(directory / WEIGHTS_FILE))
        except Exception as error:  # h5py and Keras raise many types for a bad or mismatched file
            raise ModelError(f"{directory / WEIGHTS_FILE}: weights do not fit the model in config.json "
                             f"({type(error).__name__}: {error})") from None
        return tagger


def replace_directory(new: Path, target: Path) -> None:
    """Put `new` at `target`; an existing `target` is removed only after the new one is in place."""
    if target.exists() and not target.is_dir():
        raise ModelError(f"{target} exists and is not a directory")
    backup = None
    if target.exists():
        backup = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rmdir(backup)
        os.replace(target, backup)
    try:
        os.replace(new, target)
    except BaseException:
        if backup is not None:
            os.replace(backup, target)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"{path}: not valid JSON ({error}); the model directory is damaged") from None
