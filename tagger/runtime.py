"""Tagging with a trained model, without TensorFlow: the exported graph (model.onnx) run by ONNX Runtime.

`Tagger.load(name_or_directory)` reads a model directory (checked: config ranges, vocabulary types, SHA-256
of every file) and opens its graph, and its trained tokenizer (`Tagger.tokenizer`, from the directory's
tokenizer/ sub-folder; None without one); `tag`, `tag_sents` and `accuracy` follow NLTK's TaggerI verbs,
`tag_text` tags raw text through the tokenizer, and
`tag_sents_scored` adds each token's most probable tags with their probabilities (`tag_probabilities`: all of
them, as arrays). A model with a CRF output is decoded here with Viterbi in numpy (tagger.crf); its scored
tags are marginal probabilities.
"""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .config import TaggerConfig
from .crf import Transitions, marginals, viterbi
from .encoding import SentenceEncoder, length_batches
from .errors import ConfigError, ModelError
from .graph import open_graph
from .modeldir import (
    CRF_METADATA,
    GRAPH_FILE,
    GRAPH_INPUTS,
    LM_INPUTS,
    VOCAB_FILE,
    WEIGHTS_FILE,
    check_model_directory,
    graph_outputs,
    read_json,
)
from .models import resolve_model
from .tokenizer import TOKENIZER_FOLDER, Tokenizer
from .vocab import PAD_ID, Vocabularies

# A batch holds at most this many sentences and padded positions, with at most this share of padding: a
# recurrent model pays for padded steps as for real ones (benchmarks/tagging_speed.py measures the choice).
BATCH_SENTENCES, BATCH_POSITIONS, MAX_PADDING = 1024, 8192, 0.1
# Encoder rows kept between batches, by spelling: the frequent words of a text come back in every batch. Rows
# are 128 to 360 floats, so 50,000 of them take 25 to 72 MB, whatever the input's size.
FEATURE_ROWS = 50_000


class TaggedWord(NamedTuple):
    word: str
    tag: str
    start: int  # [start, end): its token's characters in the text
    end: int


class Tagger:
    """Tags sentences of words: `tag(words)` for one, `tag_sents(list_of_word_lists)` for many."""

    def __init__(self, directory: Path, config: TaggerConfig, vocabs: Vocabularies, metadata: dict,
                 graph: bytes, threads: int | None = None, tokenizer: Tokenizer | None = None):
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
            raise OutdatedGraph(f"{directory / GRAPH_FILE}: the graph takes {', '.join(inputs)[:120]}, not the "
                                f"inputs this postag gives; re-export it from the weights or retrain the model")
        self._kept_rows: dict[str, int] = {}  # spelling -> its row in self._kept
        self._kept = np.zeros((0, width), dtype=np.float32)
        self._keeping = threading.Lock()
        self.batch_sentences, self.batch_positions, self.max_padding = BATCH_SENTENCES, BATCH_POSITIONS, MAX_PADDING
        # One output head per tagset: "upos" alone, or "upos,xpos" for a tagger trained on both.
        self.tagsets = tuple(str(metadata.get("tagset") or "tags").split(","))
        self.outputs = graph_outputs(len(vocabs.heads))
        if len(self.tagsets) != len(self.outputs):
            raise ModelError(f"{directory}: {len(self.outputs)} output heads but tagsets {', '.join(self.tagsets)}")
        # A CRF model's graph gives emission scores; its transition scores come with the graph (its metadata).
        self.crfs = _crf_transitions(self.session, directory / GRAPH_FILE, [len(v) for v in vocabs.heads])
        if config.crf and not self.crfs:
            raise ModelError(f"{directory / GRAPH_FILE}: the model has a CRF output but the graph carries no "
                             f"transition scores; the model directory is damaged")

    @classmethod
    def load(cls, model: str | Path, threads: int | None = None) -> Tagger:
        """A shipped model by name (`en_ewt`) or a model directory; `threads`: batches tagged side by side
        (default: one per core)."""
        directory = resolve_model(model)
        config_data = check_model_directory(directory)
        try:
            config = TaggerConfig.from_json(config_data["tagger"])
            vocabs = Vocabularies.from_json(read_json(directory / VOCAB_FILE))
        except (ConfigError, ValueError) as error:
            raise ModelError(f"{directory}: incompatible or damaged model: {error}") from None
        sizes = config_data.get("sizes")
        expected = {"words": len(vocabs.words), "chars": len(vocabs.chars), "tags": len(vocabs.tags)}
        if vocabs.more_tags:
            expected["more_tags"] = [len(vocab) for vocab in vocabs.more_tags]
        if vocabs.lm_chars is not None:
            expected["lm_chars"] = len(vocabs.lm_chars)
        if sizes != expected:
            raise ModelError(f"{directory / 'config.json'}: its sizes {str(sizes)[:80]} do not match vocab.json "
                             f"{expected}; the model directory is damaged")
        graph_path = directory / GRAPH_FILE
        if not graph_path.is_file():
            if not (directory / WEIGHTS_FILE).is_file():
                raise ModelError(f"{directory} has neither {GRAPH_FILE} nor {WEIGHTS_FILE}; the model is incomplete")
            config_data = _export(directory)
        tokenizer = None
        if (directory / TOKENIZER_FOLDER).is_dir():
            tokenizer = Tokenizer.load(directory / TOKENIZER_FOLDER, threads)
        try:
            return cls(directory, config, vocabs, _metadata(config_data), _read_graph(graph_path), threads, tokenizer)
        except OutdatedGraph:
            if not (directory / WEIGHTS_FILE).is_file():
                raise
            # A graph exported by an earlier postag (other inputs): export it again from the weights, once.
            config_data = _export(directory)
            return cls(directory, config, vocabs, _metadata(config_data), _read_graph(graph_path), threads, tokenizer)

    @property
    def tagset(self) -> list[str]:
        """The tags of the first head (what `tag` gives without a `tagset`)."""
        return self.tags_of(None)

    def tags_of(self, tagset: str | None) -> list[str]:
        return self.vocabs.heads[self.head(tagset)].items[PAD_ID + 1 :]

    def head(self, tagset: str | None) -> int:
        """The output head of a tagset name (None: the first head)."""
        if tagset is None or tagset == self.tagsets[0]:
            return 0
        if tagset not in self.tagsets:
            raise ModelError(f"the model tags with {', '.join(self.tagsets)}, not {str(tagset)[:40]!r}")
        return self.tagsets.index(tagset)

    def tag(self, words: Sequence[str], tagset: str | None = None) -> list[str]:
        return self.tag_sents([words], tagset)[0]

    def tag_text(self, text: str, tagset: str | None = None) -> list[list[TaggedWord]]:
        """Raw text to sentences of tagged words, split by the model's trained tokenizer; each word carries the
        character span of its token in `text` (the words of a multiword token, `do` `n't`, share one)."""
        if not isinstance(text, str):
            raise TypeError(f"tag_text() takes a string, not {type(text).__name__}: tag lists of words with "
                            f"tag() or tag_sents()")
        if self.tokenizer is None:
            raise ModelError(f"{self.directory}: this model has no tokenizer to split raw text; tag lists of words "
                             f"with tag_sents(), or give it one with `postag tokenizer attach TOKENIZER_DIR MODEL_DIR`")
        sentences = self.tokenizer.tokenize(text)
        tags = self.tag_sents([sentence.words for sentence in sentences], tagset)
        return [[TaggedWord(word, tag, start, end) for word, tag, (start, end) in zip(s.words, sentence_tags, s.spans)]
                for s, sentence_tags in zip(sentences, tags)]

    def tag_sents(self, sentences: Sequence[Sequence[str]], tagset: str | None = None) -> list[list[str]]:
        """The best tag of every word of every sentence, in `tagset` (default: the model's first)."""
        head = self.head(tagset)
        items = self.vocabs.heads[head].items
        return [[items[i] for i in ids] for ids in self._best_ids(sentences, head)]

    def tag_sents_scored(self, sentences: Sequence[Sequence[str]], top_k: int = 1,
                         tagset: str | None = None) -> list[list[list[tuple[str, float]]]]:
        """For every word, its `top_k` most probable tags with their probabilities, best first."""
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, not {top_k}")
        tags = self.tags_of(tagset)
        results = []
        for probabilities in self.tag_probabilities(sentences, tagset):
            best = np.argsort(-probabilities, axis=-1, kind="stable")[:, : min(top_k, len(tags))]
            results.append([[(tags[t], float(p[t])) for t in token_ids] for token_ids, p in zip(best, probabilities)])
        return results

    def tag_probabilities(self, sentences: Sequence[Sequence[str]], tagset: str | None = None) -> list[np.ndarray]:
        """A [words, tags] array of probabilities for every sentence, columns in the order of `tags_of(tagset)`.

        A CRF model gives each tag's marginal probability at the position over all tag sequences, not the
        emission's softmax; averaging these arrays over models is an ensemble (pipelines.training.silver).
        """
        head = self.head(tagset)
        empty = np.zeros((0, len(self.tags_of(tagset))), np.float32)
        results: list[np.ndarray] = [empty] * len(sentences)  # empty sentences keep it; the others are replaced
        for batch, logits, lengths in self._logits(sentences, head):
            if self.crfs:
                probabilities = marginals(logits, lengths, self.crfs[head])[..., PAD_ID + 1 :]
            else:
                probabilities = _softmax(logits[..., PAD_ID + 1 :])
            for row, index in enumerate(batch):
                results[index] = probabilities[row, : lengths[row]]
        return results

    def accuracy(self, gold: Sequence[tuple[Sequence[str], Sequence[str]]], tagset: str | None = None) -> float:
        """Token accuracy against (words, tags) pairs, as NLTK's TaggerI.accuracy."""
        gold = list(gold)
        predicted = self.tag_sents([words for words, _ in gold], tagset)
        pairs = [(p, g) for pred, (_, tags) in zip(predicted, gold) for p, g in zip(pred, tags)]
        return sum(p == g for p, g in pairs) / max(len(pairs), 1)

    def _best_ids(self, sentences: Sequence[Sequence[str]], head: int) -> list[np.ndarray]:
        results: list[np.ndarray] = [np.zeros(0, np.int64) for _ in sentences]
        for batch, logits, lengths in self._logits(sentences, head):
            if self.crfs:
                best = viterbi(logits, lengths, self.crfs[head])
            else:
                best = np.argmax(logits[..., PAD_ID + 1 :], axis=-1) + PAD_ID + 1  # never the padding tag
            for row, index in enumerate(batch):
                results[index] = best[row, : lengths[row]]
        return results

    def _logits(self, sentences: Sequence[Sequence[str]], head: int):
        """(sentence indices, logits [B, T, tags], lengths) for length-bucketed batches of non-empty sentences.

        With several threads, batches run side by side, each on one core (ONNX Runtime releases the GIL): on
        2 cores that is faster than one batch at a time with two threads inside each operator, because the
        recurrent layers' per-step products are too small to split well.
        """
        if isinstance(sentences, str) or any(isinstance(s, str) for s in sentences):
            # NLTK's taggers refuse a string too: tagged as it is, it would be one tag per character.
            raise TypeError("tag() takes a list of words and tag_sents() a list of such lists, not a string: "
                            "split the text first, or tag raw text with tag_text(text)")
        sentences = [list(s) for s in sentences]
        lengths = [len(s) for s in sentences]
        batches = [[i for i in batch if lengths[i]] for batch in
                   length_batches(lengths, self.batch_sentences, max_tokens=self.batch_positions,
                                  max_padding=self.max_padding)]
        batches = [batch for batch in batches if batch]

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


class OutdatedGraph(ModelError):
    """The directory's graph was exported by an earlier postag and takes other inputs."""


def _export(directory: Path) -> dict:
    """Export a directory's graph from its Keras weights (this needs TensorFlow); its new config.json."""
    from tagger.training.keras_tagger import export_directory

    return export_directory(directory)


def _metadata(config_data: dict) -> dict:
    return {k: v for k, v in config_data.items() if k not in ("tagger", "sizes")}


def _read_graph(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ModelError(f"{path}: cannot be read ({error.strerror})") from None


def load(model: str | Path, threads: int | None = None) -> Tagger:
    """`tagger.load("en_ewt")`: a shipped model by name, or a model directory."""
    return Tagger.load(model, threads)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)
