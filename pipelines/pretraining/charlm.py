"""A character language model as a pipeline step: `postag charlm train SOURCES --output DIR`.

Sources are word sources as for `postag embeddings train` (named corpora, untagged NLTK text, files). Each
sentence becomes its words joined by spaces, one sentence a line; that stream of characters trains a
forward and a backward character LSTM (tagger.training.charlm). The output is a directory:

    charlm.json          what it is: settings, sources, character vocabulary, sizes, training figures
    charlm.weights.h5    the Keras weights of both LSTMs, their embeddings and output layers
    SHA256SUMS           checked when it is read

Running the same command again with the same sources and settings reuses the finished directory instead of
training again (`reused` in the result): the output is the step's cache. `postag train --set
char_lm=DIR` (or a preset) then reads it, and the tagger holds its own frozen copy of the weights.

The pipeline prints nothing: progress goes through a callback, and it returns a CharLMResult.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from common.files import output_lock
from pipelines.errors import PipelineError

from .vocab import iter_sentences, parse_source

CHARLM_KIND = "postag-char-lm"
CHARLM_FORMAT = 1
CHARLM_CONFIG, CHARLM_WEIGHTS = "charlm.json", "charlm.weights.h5"
SHIPPED_CHARLM = {"en": "en_charlm"}  # name -> folder under tagger/pretrained/


@dataclass
class CharLMStepProgress:
    stage: str  # "read" (a source starts) or "train"
    source: str = ""
    index: int = 0
    sources: int = 0
    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    loss: float | None = None


@dataclass
class CharLMResult:
    output: Path
    reused: bool
    sources: list[str]
    sentences: int
    characters: int
    vocabulary: int
    settings: dict
    train_seconds: float
    characters_per_second: float
    epochs_done: float
    dev_bits_per_character: float | None
    stopped_because: str
    size_bytes: int
    read_seconds: float = 0.0
    losses: list[float] = field(default_factory=list)


@dataclass
class LoadedCharLM:
    """A trained character LM: its characters (tagger.Vocab), sizes and weights, for a tagger to take in."""

    path: Path
    chars: object  # tagger.Vocab
    units: int
    char_dim: int
    weights: list[np.ndarray]  # in CharLanguageModel.get_weights() order
    info: dict


def text_ids(sentences, min_count: int):
    """(character vocabulary, ids of every character of the text as int32, sentences): each sentence is its
    words joined by spaces and ends with a newline. Characters seen fewer than `min_count` times are unknown."""
    from tagger import Vocab
    from tagger.vocab import LM_BREAK, PAD, UNK, UNK_ID

    lines = [" ".join(words) for words in sentences if words]
    text = LM_BREAK + LM_BREAK.join(lines) + LM_BREAK
    # Code points as one array: the mapping to ids is a table lookup, not a Python loop over 25M characters.
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    unique, inverse, counts = np.unique(points, return_inverse=True, return_counts=True)
    characters = [chr(point) for point in unique]
    counted = Counter(dict(zip(characters, counts.tolist())))
    kept = sorted((c for c in characters if counted[c] >= min_count or c in (LM_BREAK, " ")),
                  key=lambda c: (-counted[c], c))
    vocab = Vocab(items=[PAD, UNK, *kept], counts={c: int(counted[c]) for c in kept})
    table = np.array([vocab.index.get(c, UNK_ID) for c in characters], dtype=np.int32)
    return vocab, table[inverse], len(lines)


def train_char_lm(sources: list[str], output: str | Path, units: int = 256, char_dim: int = 32,
                  sequence_length: int = 150, batch_size: int = 64, epochs: int = 1, max_seconds: float = 0.0,
                  learning_rate: float = 0.002, min_char_count: int = 5, seed: int = 1, format: str = "auto",
                  progress: Callable[[CharLMStepProgress], None] | None = None) -> CharLMResult:
    """Train (or reuse) a character language model on the sources and write its directory."""
    if not sources:
        raise PipelineError("no sources: give corpus names (nltk:brown:all, nltk:abc) or text files")
    if min_char_count < 1:
        raise PipelineError(f"--min-char-count must be at least 1, not {min_char_count}")
    parsed = [parse_source(source, format) for source in sources]
    described = [source.describe() for source in parsed]
    settings = {"units": units, "char_dim": char_dim, "sequence_length": sequence_length, "batch_size": batch_size,
                "epochs": epochs, "max_seconds": max_seconds, "learning_rate": learning_rate,
                "min_char_count": min_char_count, "seed": seed}
    output = Path(output)
    notify = progress or (lambda event: None)
    with output_lock(output):
        previous = _finished(output, described, settings)
        if previous is not None:
            return previous
        return _train(parsed, described, settings, output, notify)


def _finished(output: Path, sources: list[str], settings: dict) -> CharLMResult | None:
    """The result recorded in `output` when it holds a complete LM trained with these sources and settings."""
    try:
        info = read_char_lm_info(output)
    except PipelineError:
        return None
    if info.get("sources") != sources or info.get("settings") != settings:
        return None
    training = info["training"]
    return CharLMResult(output=output, reused=True, sources=sources, sentences=training["sentences"],
                        characters=training["characters"], vocabulary=len(info["chars"]["items"]),
                        settings=settings, train_seconds=training["seconds"],
                        characters_per_second=training["characters_per_second"],
                        epochs_done=training["epochs_done"],
                        dev_bits_per_character=training["dev_bits_per_character"],
                        stopped_because=training["stopped_because"], size_bytes=_size(output),
                        losses=training.get("losses", []))


def _train(parsed, described, settings, output: Path, notify) -> CharLMResult:
    from tagger.modeldir import save_directory, write_json
    from tagger.training.charlm import CharLMConfig, CharLMProgress
    from tagger.training.charlm import train_char_lm as fit

    started = time.perf_counter()

    def on_source(source, index: int, count: int) -> None:
        notify(CharLMStepProgress("read", source=source.describe(), index=index + 1, sources=count))

    vocab, ids, sentences = text_ids(iter_sentences(parsed, on_source), settings["min_char_count"])
    read_seconds = time.perf_counter() - started
    if sentences == 0:
        raise PipelineError(f"no words in {', '.join(described)}")
    config = CharLMConfig(**{key: settings[key] for key in ("units", "char_dim", "sequence_length", "batch_size",
                                                            "epochs", "max_seconds", "learning_rate", "seed")})

    def on_batch(event: CharLMProgress) -> None:
        notify(CharLMStepProgress("train", epoch=event.epoch, epochs=event.epochs, batch=event.batch,
                                  batches=event.batches, loss=event.loss))

    try:
        trained = fit(ids, len(vocab), config, on_batch)
    except ValueError as error:
        raise PipelineError(f"character LM: {error}") from None
    except ArithmeticError as error:
        raise PipelineError(f"character LM training diverged ({error}); lower --learning-rate") from None
    training = {"sentences": sentences, "characters": int(len(ids)), "train_characters": trained.train_characters,
                "dev_characters": trained.dev_characters, "seconds": round(trained.seconds, 1),
                "read_seconds": round(read_seconds, 1),
                "characters_per_second": round(trained.characters_per_second, 1),
                "epochs_done": trained.epochs_done, "dev_bits_per_character": trained.dev_bits_per_character,
                "stopped_because": trained.stopped_because, "losses": [round(x, 4) for x in trained.losses]}
    info = {"kind": CHARLM_KIND, "format_version": CHARLM_FORMAT, "sources": described, "settings": settings,
            "units": config.units, "char_dim": config.char_dim, "chars": vocab.to_json(), "training": training}

    def write_files(folder: Path) -> None:
        write_json(folder / CHARLM_CONFIG, info)
        _save_layer_weights(trained.model, folder / CHARLM_WEIGHTS)

    save_directory(output, write_files)
    return CharLMResult(output=output, reused=False, sources=described, sentences=sentences,
                        characters=int(len(ids)), vocabulary=len(vocab), settings=settings,
                        train_seconds=trained.seconds, characters_per_second=trained.characters_per_second,
                        epochs_done=trained.epochs_done, dev_bits_per_character=trained.dev_bits_per_character,
                        stopped_because=trained.stopped_because, size_bytes=_size(output),
                        read_seconds=read_seconds, losses=trained.losses)


def _save_layer_weights(layer, path: Path) -> None:
    """A layer's weights as HDF5 datasets named by their order: plain arrays, nothing that runs on load (Keras'
    own save_weights belongs to models, not layers)."""
    import h5py

    with h5py.File(path, "w") as file:
        for index, value in enumerate(layer.get_weights()):
            file.create_dataset(f"weight_{index:03d}", data=value)


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# ---- reading a trained LM ------------------------------------------------------------------------------

def resolve_char_lm(name_or_path: str | Path) -> Path:
    """The directory of a character LM: a path, or a shipped name (`en`)."""
    from tagger.models import PRETRAINED_DIR

    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return path
    shipped = SHIPPED_CHARLM.get(str(name_or_path))
    if shipped is not None:
        folder = PRETRAINED_DIR / shipped
        if (folder / CHARLM_CONFIG).is_file():
            return folder
        raise PipelineError(f"the shipped character LM {str(name_or_path)!r} is not in this install "
                            f"({folder}); train one with `postag charlm train` and give its directory")
    raise PipelineError(f"char_lm={str(name_or_path)[:80]!r}: no such directory (train one with `postag charlm "
                        f"train SOURCES --output DIR`; shipped: {', '.join(SHIPPED_CHARLM)})")


def read_char_lm_info(folder: Path) -> dict:
    from tagger import ModelError
    from tagger.modeldir import CHECKSUMS_FILE, read_json, verify_checksums

    if not (folder / CHARLM_CONFIG).is_file() or not (folder / CHARLM_WEIGHTS).is_file():
        raise PipelineError(f"{folder}: not a character LM directory (no {CHARLM_CONFIG} and {CHARLM_WEIGHTS})")
    try:
        if (folder / CHECKSUMS_FILE).is_file():
            verify_checksums(folder)
        info = read_json(folder / CHARLM_CONFIG)
    except ModelError as error:
        raise PipelineError(str(error)) from None
    if info.get("kind") != CHARLM_KIND or info.get("format_version") != CHARLM_FORMAT:
        raise PipelineError(f"{folder / CHARLM_CONFIG}: not a postag character LM of format {CHARLM_FORMAT}")
    return info


def load_char_lm(name_or_path: str | Path) -> LoadedCharLM:
    """Read a character LM directory (checksums verified) and its weights."""
    from tagger import Vocab
    from tagger.training.charlm import CharLanguageModel

    folder = resolve_char_lm(name_or_path)
    info = read_char_lm_info(folder)
    try:
        chars = Vocab.from_json(info["chars"])
        units, char_dim = int(info["units"]), int(info["char_dim"])
    except (KeyError, TypeError, ValueError) as error:
        raise PipelineError(f"{folder / CHARLM_CONFIG}: damaged ({error})") from None
    lm = CharLanguageModel(len(chars), char_dim, units)
    lm.build()
    import h5py

    try:
        with h5py.File(folder / CHARLM_WEIGHTS, "r") as file:
            weights = [file[name][()] for name in sorted(file.keys())]
        lm.set_weights(weights)
    except (OSError, ValueError, KeyError) as error:
        raise PipelineError(f"{folder / CHARLM_WEIGHTS}: the weights do not fit the LM in {CHARLM_CONFIG} "
                            f"({str(error)[:160]})") from None
    return LoadedCharLM(path=folder, chars=chars, units=units, char_dim=char_dim, weights=lm.get_weights(),
                        info={key: info[key] for key in ("sources", "settings", "training")})


def result_json(result: CharLMResult) -> dict:
    data = asdict(result)
    data["output"] = str(result.output)
    return data
