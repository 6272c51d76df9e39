"""Tokenizing raw text with a trained tokenizer, without TensorFlow: its exported graph run by ONNX Runtime.

`Tokenizer.load(directory)` reads a tokenizer directory (checked as a tagger's: config ranges, vocabulary
types, SHA-256 of every file) and `tokenize(text)` gives the text's sentences, each a `TokenizedSentence` of
words with the character span of each word's token in `text` (the words of a multiword token share its
span). Any text is accepted: empty, whitespace only, any length, any Unicode, any line ends.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .errors import ConfigError, ModelError
from .graph import open_graph
from .modeldir import (
    CHECKSUMS_FILE,
    CONFIG_FILE,
    GRAPH_FILE,
    VOCAB_FILE,
    check_model_directory,
    read_json,
    save_directory,
)
from .models import resolve_model
from .segmentation import (
    LABEL_NAMES,
    SPACE,
    CharEncoder,
    MultiwordSplitter,
    SentenceClassifier,
    TokenMemory,
    merge_windows,
    segment,
    token_end_probabilities,
    window_size,
    windows,
)
from .tokenizer_config import TokenizerConfig

TOKENIZER_SECTION = "tokenizer"  # the key of config.json that holds a TokenizerConfig
TOKENIZER_FOLDER = "tokenizer"  # where a tagger's model directory keeps its tokenizer
# Characters per graph run: enough for one large matrix product per step of the recurrent layers, small
# enough that memory stays bounded whatever the text's length.
CHARACTERS_PER_RUN = 64 * 512


class TokenizedSentence(NamedTuple):
    words: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]  # [start, end) of each word's token in the text


@dataclass
class TokenizerTables:
    """What a tokenizer learns from its training tokens beside its network, kept in its vocab.json: the
    multiword tokens' words, the token memory, the sentence classifier (the last two empty in a tokenizer
    trained without them, or before they existed)."""

    multiword: MultiwordSplitter = field(default_factory=MultiwordSplitter)
    memory: TokenMemory = field(default_factory=TokenMemory)
    sentences: SentenceClassifier = field(default_factory=SentenceClassifier)

    @classmethod
    def from_vocab(cls, vocab: dict) -> TokenizerTables:
        """From vocab.json's object; a damaged table is a ValueError."""
        return cls(MultiwordSplitter.from_json(vocab.get("multiword", {})),
                   TokenMemory.from_json(vocab.get("memory", {})),
                   SentenceClassifier.from_json(vocab.get("sentences", {})))

    def to_vocab(self) -> dict:
        return {"multiword": self.multiword.to_json(), "memory": self.memory.to_json(),
                "sentences": self.sentences.to_json()}


def token_boundaries(text: str, classes: np.ndarray, logits: np.ndarray,
                     memory: TokenMemory | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(token starts, token ends, sentence stops) as `segment` gives them, with the boundaries `memory`
    remembers from training laid over: what the sentence classifier decides on, and learns from."""
    starts, ends, stops = segment(logits, classes)
    if memory:
        starts, ends, stops = memory.apply(text, starts, ends, stops)
    return starts, ends, stops


def sentences_from_labels(text: str, classes: np.ndarray, logits: np.ndarray,
                          tables: TokenizerTables) -> list[TokenizedSentence]:
    """The sentences of `text` from its characters' label logits: tokens (`token_boundaries` with the tables'
    memory), sentences (the network's, its unsure ends decided again by the tables' sentence classifier),
    then each token's words (the tables' multiword splitter)."""
    starts, ends, stops = token_boundaries(text, classes, logits, tables.memory)
    probabilities = token_end_probabilities(logits, ends) if tables.sentences else None
    starts, ends = starts.tolist(), ends.tolist()
    forms = [text[start:end] for start, end in zip(starts, ends)]
    if tables.sentences:
        stops = tables.sentences.decide(text, classes, starts, ends, forms, stops, probabilities)
    spans = list(zip(starts, ends))
    split = tables.multiword.multiword_tokens(forms)
    if split:  # words instead of tokens: a multiword token's words all carry its span
        words, word_spans = [], []
        extra = np.zeros(len(forms) + 1, dtype=np.int64)  # extra[k + 1]: words token k adds beyond one
        previous = 0
        for index, parts in split:
            words += forms[previous:index]
            words += parts
            word_spans += spans[previous:index]
            word_spans += [spans[index]] * len(parts)
            extra[index + 1] = len(parts) - 1
            previous = index + 1
        words += forms[previous:]
        word_spans += spans[previous:]
        stops = stops + np.cumsum(extra)[stops]  # the index after each sentence's last word
        forms, spans = words, word_spans
    bounds = [0, *stops.tolist()]
    return [TokenizedSentence(tuple(forms[first:stop]), tuple(spans[first:stop]))
            for first, stop in zip(bounds, bounds[1:])]


def reading_logits(ids: np.ndarray, classes: np.ndarray,
                   logits_of: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """Label logits [n, labels] of every character, from `logits_of(ids, classes)` reading each run of spaces
    (line breaks apart) as its first space: treebank text has single spaces between words, and a network that
    rarely saw two may take them for a sentence boundary (EWT dev with a tenth of the spaces inside sentences
    doubled: sentences F1 89.70 -> 84.01 when read as they are). The other spaces of a run get the first
    one's logits."""
    extra = np.flatnonzero((classes[1:] == SPACE) & (classes[:-1] == SPACE)) + 1
    if len(extra) == 0:
        return logits_of(ids, classes)
    read = np.ones(len(ids), dtype=bool)
    read[extra] = False
    logits = logits_of(ids[read], classes[read])
    return logits[np.cumsum(read) - 1]  # each character's row: its own, or its run's first space's


def text_logits(tokenizer, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(character classes, label logits) of `text` as tokenizing reads it, by a `Tokenizer` or a
    `KerasTokenizer` (anything with an `encoder` and `logits(ids, classes)`)."""
    ids, classes = tokenizer.encoder.encode(text)
    return classes, reading_logits(ids, classes, tokenizer.logits)


def window_logits(ids: np.ndarray, classes: np.ndarray, config: TokenizerConfig,
                  run: Callable[[np.ndarray, np.ndarray], np.ndarray], workers: int = 1,
                  pool: ThreadPoolExecutor | None = None) -> np.ndarray:
    """Label logits [n, labels] of every character, from `run(chars, classes) -> logits` over overlapping
    windows, a bounded number of characters at a time; with a `pool`, `workers` batches run side by side."""
    length = len(ids)
    if length == 0:
        return np.zeros((0, len(LABEL_NAMES)), np.float32)
    width = window_size(length, config.window, config.context)
    id_windows, class_windows = windows(ids, width, config.context), windows(classes, width, config.context)
    count = len(id_windows)
    per_run = max(1, min(CHARACTERS_PER_RUN // width, -(-count // max(1, workers))))

    def run_batch(first: int) -> np.ndarray:
        return run(np.ascontiguousarray(id_windows[first : first + per_run]),
                   np.ascontiguousarray(class_windows[first : first + per_run]))

    firsts = range(0, count, per_run)
    outputs = list(pool.map(run_batch, firsts)) if pool is not None and len(firsts) > 1 else map(run_batch, firsts)
    return merge_windows(np.concatenate(list(outputs)), length, config.context)


def read_tokenizer_files(directory: Path) -> tuple[dict, TokenizerConfig, CharEncoder, TokenizerTables]:
    """(config.json, config, character encoder, the tables learned beside the network) of a checked tokenizer
    directory."""
    config_data = check_model_directory(directory, section=TOKENIZER_SECTION)
    try:
        config = TokenizerConfig.from_json(config_data[TOKENIZER_SECTION])
        vocab = read_json(directory / VOCAB_FILE)
        encoder = CharEncoder(_string_list(vocab.get("chars")))
        tables = TokenizerTables.from_vocab(vocab)
    except (ConfigError, ValueError) as error:
        raise ModelError(f"{directory}: incompatible or damaged tokenizer: {error}") from None
    if config_data.get("sizes") != {"chars": len(encoder), "labels": len(LABEL_NAMES)}:
        raise ModelError(f"{directory / 'config.json'}: its sizes {str(config_data.get('sizes'))[:80]} do not "
                         f"match vocab.json ({len(encoder)} characters); the tokenizer directory is damaged")
    return config_data, config, encoder, tables


def _string_list(value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("'chars' must be a list of strings")
    return value


class Tokenizer:
    """Raw text to sentences of words with character offsets: `tokenize(text)`."""

    def __init__(self, directory: Path, config: TokenizerConfig, encoder: CharEncoder, tables: TokenizerTables,
                 metadata: dict, graph: bytes, threads: int | None = None):
        self.directory = directory
        self.config = config
        self.encoder = encoder
        self.tables = tables
        self.metadata = metadata
        # One thread per graph run, several runs side by side on batches of windows: a recurrent operator
        # split over threads meets them at every character step, separate runs never wait for each other.
        self.workers = threads or os.cpu_count() or 1
        self.session = open_graph(graph, directory / GRAPH_FILE)
        self._pool: ThreadPoolExecutor | None = None

    @classmethod
    def load(cls, directory: str | Path, threads: int | None = None) -> Tokenizer:
        """A tokenizer directory (what `postag tokenizer train` writes); `threads`: graph runs side by side
        (default: one per core)."""
        directory = Path(directory)
        config_data, config, encoder, tables = read_tokenizer_files(directory)
        graph_path = directory / GRAPH_FILE
        try:
            graph = graph_path.read_bytes()
        except OSError as error:
            raise ModelError(f"{graph_path}: cannot be read ({error.strerror}); the tokenizer is incomplete") from None
        metadata = {k: v for k, v in config_data.items() if k not in (TOKENIZER_SECTION, "sizes")}
        return cls(directory, config, encoder, tables, metadata, graph, threads)

    def tokenize(self, text: str) -> list[TokenizedSentence]:
        """The sentences of `text`; every span indexes `text` itself."""
        return sentences_from_labels(text, *text_logits(self, text), self.tables)

    def logits(self, ids: np.ndarray, classes: np.ndarray) -> np.ndarray:
        """Label logits [n, labels] of encoded characters."""
        def run(chars: np.ndarray, char_classes: np.ndarray) -> np.ndarray:
            return self.session.run(["logits"], {"chars": chars, "classes": char_classes})[0]

        if self._pool is None and self.workers > 1:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="postag-tokenizer")
        return window_logits(ids, classes, self.config, run, self.workers, self._pool)


def load_tokenizer(directory: str | Path, threads: int | None = None) -> Tokenizer:
    return Tokenizer.load(directory, threads)


def is_tokenizer_directory(directory: Path) -> bool:
    """Whether `directory` holds a tokenizer (its config.json has a tokenizer section), not a tagger."""
    config_path = directory / CONFIG_FILE
    return config_path.is_file() and isinstance(read_json(config_path).get(TOKENIZER_SECTION), dict)


def find_tokenizer(model: str | Path | None, threads: int | None = None) -> Tokenizer | None:
    """The trained tokenizer of a model given by name or directory: the directory itself when it is a
    tokenizer, else its tokenizer/ sub-folder; None when a tagger has none."""
    directory = resolve_model(model)
    if is_tokenizer_directory(directory):
        return Tokenizer.load(directory, threads)
    if (directory / TOKENIZER_FOLDER).is_dir():
        return Tokenizer.load(directory / TOKENIZER_FOLDER, threads)
    return None


def attach_tokenizer(tokenizer: str | Path, model: str | Path) -> Path:
    """Copy a tokenizer directory into a tagger's model directory as its tokenizer/, atomically: the model
    directory is rewritten with its checksums covering the tokenizer's files; a tokenizer already there is
    replaced. Both directories are checked first. Returns the model directory."""
    tokenizer, model = Path(tokenizer), Path(model)
    read_tokenizer_files(tokenizer)
    if not model.is_dir():
        raise ModelError(f"no model directory at {model}; attach a tokenizer to a tagger's model directory")
    check_model_directory(model, skip_folder=TOKENIZER_FOLDER)  # a damaged tokenizer there is what gets replaced
    if model.resolve() in (tokenizer.resolve(), *tokenizer.resolve().parents):
        if tokenizer.resolve() != (model / TOKENIZER_FOLDER).resolve():
            raise ModelError(f"{tokenizer} lies inside {model}: copy it elsewhere first")

    def write_files(folder: Path) -> None:
        for path in model.iterdir():
            if path.name in (TOKENIZER_FOLDER, CHECKSUMS_FILE):
                continue
            if path.is_dir():
                shutil.copytree(path, folder / path.name)
            else:
                shutil.copy2(path, folder / path.name)
        shutil.copytree(tokenizer, folder / TOKENIZER_FOLDER)

    return save_directory(model, write_files)
