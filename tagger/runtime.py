"""Tagging with a trained model, without TensorFlow: the exported graph (model.onnx) run by ONNX Runtime.

`Tagger.load(name_or_directory)` reads a model directory (checked: config ranges, vocabulary types, SHA-256
of every file) and opens its graph, and its trained tokenizer (`Tagger.tokenizer`, from the directory's
tokenizer/ sub-folder; None without one). Its verbs are tagger.api's (NLTK's TaggerI verbs, scored tagging,
raw text), written there once over the logits this module computes; a CRF output is decoded in numpy.
"""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from pathlib import Path

import numpy as np

from .api import TaggerBase
from .config import TaggerConfig
from .crf import Transitions
from .encoding import SentenceEncoder
from .errors import ModelError, OutdatedModel
from .graph import open_graph
from .modeldir import (
    CRF_METADATA,
    GRAPH_FILE,
    GRAPH_INPUTS,
    LM_INPUTS,
    WEIGHTS_FILE,
    graph_outputs,
    read_model,
)
from .models import resolve_model
from .tokenizer import TOKENIZER_FOLDER, Tokenizer
from .vocab import Vocabularies

UPGRADE = "bring it up to date with `postag models upgrade DIR` (needs postag[train]: the weights are exported)"
# Encoder rows kept between batches, by spelling: the frequent words of a text come back in every batch. Rows
# are 128 to 360 floats, so 50,000 of them take 25 to 72 MB, whatever the input's size.
FEATURE_ROWS = 50_000


class Tagger(TaggerBase):
    """Tags sentences of words (`tag(words)`, `tag_sents(list_of_word_lists)`, and the rest of TaggerAPI) with
    the model directory's exported graph."""

    def __init__(self, directory: Path, config: TaggerConfig, vocabs: Vocabularies, metadata: dict,
                 graph: bytes, threads: int | None = None, tokenizer: Tokenizer | None = None,
                 can_upgrade: bool = False):
        self.directory = directory
        # The trained tokenizer that splits raw text for this tagger (its directory's tokenizer/), if any.
        self.tokenizer = tokenizer
        self.config = config
        self.vocabs = vocabs
        self.metadata = metadata
        self.encoder = SentenceEncoder(vocabs, config.max_word_length, config.affix_buckets, config.char_kernel)
        self.threads = max(1, threads or os.cpu_count() or 1)
        self.session = open_graph(graph, directory / GRAPH_FILE)
        self._executor = None
        inputs = sorted(i.name for i in self.session.get_inputs())
        width = next((o.shape[1] for o in self.session.get_outputs() if o.name == "spelling_features"), None)
        self.char_lm = vocabs.lm_chars is not None  # the graph reads the sentence's characters too
        if inputs != sorted(GRAPH_INPUTS + (LM_INPUTS if self.char_lm else ())) or not isinstance(width, int):
            what = (f"{directory / GRAPH_FILE}: the graph takes {', '.join(inputs)[:120]}, not the inputs this postag "
                    f"gives")
            if can_upgrade:
                raise OutdatedModel(f"{what}; {UPGRADE}")
            raise ModelError(f"{what}, and the directory has no weights to export it again from; retrain the model")
        self._kept_rows: dict[str, int] = {}  # spelling -> its row in self._kept
        self._kept = np.zeros((0, width), dtype=np.float32)
        self._keeping = threading.Lock()
        # One output head per tagset: "upos" alone, or "upos,xpos" for a tagger trained on both.
        self.tagsets = tuple(str(metadata.get("tagset") or "tags").split(","))
        self.outputs = graph_outputs(len(vocabs.heads))
        if len(self.tagsets) != len(self.outputs):
            raise ModelError(f"{directory}: {len(self.outputs)} output heads but tagsets {', '.join(self.tagsets)}")
        # A CRF model's graph gives emission scores; its transition scores come with the graph (its metadata).
        self._crfs = _crf_transitions(self.session, directory / GRAPH_FILE, [len(v) for v in vocabs.heads])
        if config.crf and not self._crfs:
            raise ModelError(f"{directory / GRAPH_FILE}: the model has a CRF output but the graph carries no "
                             f"transition scores; the model directory is damaged")

    @classmethod
    def load(cls, model: str | Path | None = None, threads: int | None = None) -> Tagger:
        """A shipped model by name (`en_ewt`), a model directory, or None for the default model
        (tagger.models.default_model); `threads`: batches tagged side by side (default: one per core)."""
        files = read_model(resolve_model(model))
        directory = files.directory
        graph_path = directory / GRAPH_FILE
        if not graph_path.is_file():
            if files.has(WEIGHTS_FILE):
                raise OutdatedModel(f"{directory} was saved by an earlier postag, without the inference graph "
                                    f"({GRAPH_FILE}); {UPGRADE}")
            raise ModelError(f"{directory} has neither {GRAPH_FILE} nor {WEIGHTS_FILE}; the model is incomplete")
        tokenizer = None
        if (directory / TOKENIZER_FOLDER).is_dir():
            tokenizer = Tokenizer.load(directory / TOKENIZER_FOLDER, threads)
        return cls(directory, files.config, files.vocabs, files.metadata, _read_graph(graph_path), threads,
                   tokenizer, can_upgrade=files.has(WEIGHTS_FILE))

    @property
    def crfs(self) -> list[Transitions]:
        return self._crfs

    def _logits(self, sentences: list[list[str]], head: int):
        """(sentence indices, logits [B, T, tags], lengths) for length-bucketed batches of non-empty sentences.

        With several threads, batches run side by side, each on one core (ONNX Runtime releases the GIL): on
        2 cores that is faster than one batch at a time with two threads inside each operator, because the
        recurrent layers' per-step products are too small to split well.
        """
        lengths = [len(s) for s in sentences]
        batches = self._batches(sentences)

        def run(batch):
            words = [sentences[i] for i in batch]
            inputs, new, known_rows = self.encoder.spelling_inputs(words, self._kept_rows)
            if self.char_lm:
                inputs.update(self.encoder.lm_inputs(words, inputs["spelling_index"].shape[1]))
            with self._keeping:
                inputs["known_features"] = self._kept[known_rows]
            logits, features = self.session.run([self.outputs[head], "spelling_features"], inputs)
            self._keep(new, features)
            return batch, logits, [lengths[i] for i in batch]

        if self.threads == 1 or len(batches) == 1:
            yield from map(run, batches)
            return
        pending: deque = deque()
        for batch in batches:  # at most two batches a thread in flight: memory stays flat on long inputs
            pending.append(self._pool().submit(run, batch))
            while len(pending) > 2 * self.threads:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def _keep(self, spellings: list[str], features: np.ndarray) -> None:
        """Keep new spellings' encoder rows (row 0 of `features` is padding) until FEATURE_ROWS are kept."""
        with self._keeping:
            room = FEATURE_ROWS - len(self._kept_rows)
            fresh = [(spelling, row) for row, spelling in enumerate(spellings, start=1)
                     if spelling not in self._kept_rows][: max(room, 0)]
            if not fresh:
                return
            start = len(self._kept_rows)
            if start + len(fresh) > len(self._kept):  # grow by doubling: few copies, bounded by FEATURE_ROWS
                grown = np.zeros((min(FEATURE_ROWS, max(2 * len(self._kept), start + len(fresh), 1024)),
                                  self._kept.shape[1]), dtype=np.float32)
                grown[:start] = self._kept[:start]
                self._kept = grown
            self._kept[start : start + len(fresh)] = features[[row for _, row in fresh]]
            for offset, (spelling, _) in enumerate(fresh):
                self._kept_rows[spelling] = start + offset

    def _pool(self):
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="postag-tagger")
        return self._executor


def _crf_transitions(session, source: Path, head_sizes: list[int]) -> list[Transitions]:
    """Each head's CRF scores from the graph's metadata; [] for a softmax model."""
    text = session.get_modelmeta().custom_metadata_map.get(CRF_METADATA)
    if text is None:
        return []
    try:
        heads = [Transitions.from_json(head) for head in json.loads(text)]
    except (ValueError, TypeError, KeyError) as error:
        raise ModelError(f"{source}: damaged CRF transition scores ({str(error)[:120]})") from None
    if [len(head.start) for head in heads] != head_sizes:
        raise ModelError(f"{source}: CRF transition scores for {[len(h.start) for h in heads]} tags, but the "
                         f"tagsets have {head_sizes}; the model directory is damaged")
    return heads


def _read_graph(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ModelError(f"{path}: cannot be read ({error.strerror})") from None


def load(model: str | Path | None = None, threads: int | None = None) -> Tagger:
    """`tagger.load("en_ewt")`: a shipped model by name, a model directory, or None for the default model."""
    return Tagger.load(model, threads)
