"""KerasTagger: a tagger being trained (tagger.api's verbs over its Keras model); saves the model directory.

Saving writes the Keras weights and the exported inference graph (model.onnx) side by side, so that every
trained directory tags through tagger.runtime without TensorFlow. Loading rebuilds the Keras model in code
from config.json, then loads the weights: nothing in the directory runs.
"""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tagger.api import TaggerBase
from tagger.config import TaggerConfig
from tagger.crf import Transitions
from tagger.encoding import SentenceEncoder
from tagger.errors import ModelError
from tagger.modeldir import (
    CARD_FILE,
    CONFIG_FILE,
    FORMAT_VERSION,
    GRAPH_FILE,
    METRICS_FILE,
    VOCAB_FILE,
    WEIGHTS_FILE,
    read_json,
    read_model,
    save_directory,
    write_json,
)
from tagger.tokenizer import TOKENIZER_FOLDER, Tokenizer
from tagger.vocab import Vocabularies

from .architectures import SequenceTagger, VocabSizes, build_model
from .export import export_graph


def input_signature(char_lm: bool = False) -> dict[str, tf.TensorSpec]:
    """Shapes of a batch of model inputs: any batch size and sentence length, so one trace serves all."""
    signature = {"words": tf.TensorSpec([None, None], tf.int32), "spellings": tf.TensorSpec([None, None], tf.int32),
                 "spelling_index": tf.TensorSpec([None, None], tf.int32),
                 "affixes": tf.TensorSpec([None, None, None], tf.int32)}
    if char_lm:
        signature.update({name: tf.TensorSpec([None, None], tf.int32)
                          for name in ("lm_chars", "lm_forward", "lm_backward")})
    return signature


def made_by() -> dict:
    """What a saved directory's config.json records of the software that made it, and when."""
    return {"postag_version": postag_version(), "tensorflow_version": tf.__version__,
            "keras_version": keras.__version__,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def without_updater(model: keras.Model, rebuild) -> keras.Model:
    """The model to save weights from: a compiled model also writes its updater's state (Adam's moments, the
    weight average), three to four times the weights and of no use for tagging, so an uncompiled copy from
    `rebuild()` takes its weights instead."""
    if getattr(model, "optimizer", None) is None:
        return model
    copy = rebuild()
    copy.set_weights(model.get_weights())
    return copy


def postag_version() -> str:
    try:
        from importlib.metadata import version

        return version("postag")
    except Exception:  # running from a source tree that was never installed
        return "unknown"


class KerasTagger(TaggerBase):
    """The Keras model of a tagger with its vocabularies: what training trains and saves. Its verbs are tagger.api's,
    the same as the runtime's (scoring dev sets during training, or a model directory loaded for more training)."""

    def __init__(self, config: TaggerConfig, vocabs: Vocabularies, model: SequenceTagger | None = None,
                 metadata: dict | None = None, word_vectors: np.ndarray | None = None,
                 char_lm_weights: list[np.ndarray] | None = None, directory: Path | None = None):
        self.config = config
        self.vocabs = vocabs
        self.sizes = VocabSizes.of(vocabs)
        self.model = model if model is not None else build_model(config, self.sizes, word_vectors, char_lm_weights)
        self.metadata = dict(metadata or {})
        self.encoder = SentenceEncoder(vocabs, config.max_word_length, config.affix_buckets, config.char_kernel)
        self.tagsets = tuple(str(self.metadata.get("tagset", "tags")).split(","))
        self.directory = directory
        self._head_logits = tf.function(self.model, input_signature=[input_signature(config.uses_char_lm)])

    @property
    def crfs(self) -> list[Transitions]:
        """The CRF heads' transition scores as they are now (they change while training)."""
        return [Transitions(crf.transitions.numpy(), crf.start_transitions.numpy(), crf.end_transitions.numpy())
                for crf in self.model.crfs]

    def _logits(self, sentences: list[list[str]], head: int):
        for batch in self._batches(sentences):
            logits = self._head_logits(self.encoder.inputs([sentences[i] for i in batch]))
            logits = logits[head] if isinstance(logits, tuple) else logits
            yield batch, logits.numpy(), [len(sentences[i]) for i in batch]

    # ---- the model directory -------------------------------------------------------------------------

    def save(self, directory: str | Path, metrics: dict | None = None, card: str | None = None) -> Path:
        """Write the model directory atomically: a crash never leaves a half-written or lost model."""
        return save_directory(directory, lambda folder: self.write_files(folder, metrics, card))

    def config_json(self) -> dict:
        return {
            "format_version": FORMAT_VERSION,
            "tagger": self.config.to_json(),
            "sizes": self.sizes.to_json(),
            **made_by(),
            **{k: v for k, v in self.metadata.items() if k not in ("tagger", "sizes", "format_version")},
        }

    def write_files(self, folder: Path, metrics: dict | None, card: str | None) -> None:
        write_json(folder / CONFIG_FILE, self.config_json())
        write_json(folder / VOCAB_FILE, self.vocabs.to_json())
        model = without_updater(self.model, lambda: build_model(self.config, self.sizes))
        model.save_weights(str(folder / WEIGHTS_FILE))
        (folder / GRAPH_FILE).write_bytes(export_graph(model))
        write_json(folder / METRICS_FILE, metrics or {})
        (folder / CARD_FILE).write_text(card or f"# postag {self.config.architecture} tagger\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> KerasTagger:
        """A model directory's tagger rebuilt in code from config.json, then its weights loaded; its trained
        tokenizer (tokenizer/) too, for tag_text."""
        files = read_model(Path(directory))
        if not files.has(WEIGHTS_FILE):
            raise ModelError(f"{files.directory} has no {WEIGHTS_FILE}: it can tag but not be trained on or "
                             f"re-exported")
        tagger = cls(files.config, files.vocabs, metadata=files.metadata, directory=files.directory)
        try:
            tagger.model.load_weights(str(files.directory / WEIGHTS_FILE))
        except Exception as error:  # h5py and Keras raise many types for a bad or mismatched file
            raise ModelError(f"{files.directory / WEIGHTS_FILE}: weights do not fit the model in config.json "
                             f"({type(error).__name__}: {str(error)[:200]})") from None
        if (files.directory / TOKENIZER_FOLDER).is_dir():
            tagger.tokenizer = Tokenizer.load(files.directory / TOKENIZER_FOLDER)
        return tagger


def export_directory(directory: str | Path) -> dict:
    """Add the inference graph to a model directory saved before there was one (format 2), atomically.

    The directory is rewritten as format 3: the same files plus model.onnx and SHA256SUMS. Returns the new
    config.json.
    """
    directory = Path(directory)
    tagger = KerasTagger.load(directory)
    config = {**read_json(directory / CONFIG_FILE), "format_version": FORMAT_VERSION}

    def write_files(folder: Path) -> None:
        for path in directory.iterdir():
            if path.is_file():
                shutil.copy2(path, folder / path.name)
            elif path.is_dir():
                shutil.copytree(path, folder / path.name)
        write_json(folder / CONFIG_FILE, config)
        (folder / GRAPH_FILE).write_bytes(export_graph(tagger.model))

    save_directory(directory, write_files)
    return config
