"""The model directory: which files it holds, written atomically, checked when read. No TensorFlow here.

    config.json       TaggerConfig, tagset, corpus, versions, seed, creation time
    vocab.json        words, characters, tags (index order is the model's)
    model.weights.h5  Keras weights, for training on and for export (the shipped models leave it out)
    model.onnx        the inference graph that tagging runs (tagger.runtime), exported from those weights
    metrics.json      dev/test scores, history, training time
    README.md         the model card
    tokenizer/        optional: the trained tokenizer that splits raw text for this tagger, a directory of
                      the same kind (config.json holds a "tokenizer" section instead of "tagger")
    SHA256SUMS        a SHA-256 of every other file, in `sha256sum -c` format, checked on every load
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from common.files import staged_directory

from .config import TaggerConfig
from .errors import ConfigError, ModelError
from .vocab import Vocabularies

# 3: model.onnx for the light runtime and SHA256SUMS. Format 2 directories (no graph, no checksums) still load:
# their graph is exported on first use.
FORMAT_VERSION = 3
READABLE_FORMATS = (2, 3)
CONFIG_FILE, VOCAB_FILE, WEIGHTS_FILE, GRAPH_FILE = "config.json", "vocab.json", "model.weights.h5", "model.onnx"
METRICS_FILE, CARD_FILE, CHECKSUMS_FILE = "metrics.json", "README.md", "SHA256SUMS"
HOW_TO_GET_A_MODEL = ("use the shipped model (--model en_ewt, see `postag models list`) or train one with "
                      "`postag train --corpus ud:en_ewt --output DIR`")
HOW_TO_GET_A_TOKENIZER = "train one with `postag tokenizer train --corpus ud:en_ewt --output DIR`"
# JSON files of a model are a few MB at most; a bigger one is damage, not a vocabulary.
MAX_JSON_BYTES = 256 * 1024 * 1024


# The graph's inputs (see tagger.training.export and SentenceEncoder.spelling_inputs).
GRAPH_INPUTS = ("spelling_index", "spelling_words", "spellings", "spelling_affixes", "known_features")
# And with a character language model (SentenceEncoder.lm_inputs): per position, not per spelling.
LM_INPUTS = ("lm_chars", "lm_forward", "lm_backward")
CRF_METADATA = "crf"  # the graph's metadata key for a CRF's transition scores (tagger.training.export writes it)


def graph_outputs(heads: int) -> list[str]:
    """Names of the graph's outputs: logits of the first head, then logits_1, logits_2, ... of further heads."""
    return ["logits", *(f"logits_{i}" for i in range(1, heads))]


def write_json(path: Path, data) -> None:
    """JSON that is JSON: NaN and infinities are refused rather than written as non-standard tokens."""
    try:
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except ValueError as error:
        raise ModelError(f"{path.name}: cannot save a value that is not a finite number ({error})") from None
    path.write_text(text + "\n", encoding="utf-8")


def read_json(path: Path, kind: type = dict):
    """A model file's JSON, of the expected top-level type; any damage is a one-line ModelError."""
    try:
        size = path.stat().st_size
        text = path.read_text(encoding="utf-8") if size <= MAX_JSON_BYTES else None
    except (OSError, UnicodeDecodeError) as error:
        raise ModelError(f"{path}: cannot be read ({error}); the model directory is damaged") from None
    if text is None:
        raise ModelError(f"{path}: {size:,} bytes is too large for a model file; the model directory is damaged")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as error:  # JSONDecodeError, or NaN / Infinity refused
        raise ModelError(f"{path}: not valid JSON ({error}); the model directory is damaged") from None
    except RecursionError:
        raise ModelError(f"{path}: JSON nested too deeply; the model directory is damaged") from None
    if not isinstance(data, kind):
        raise ModelError(f"{path}: expected a JSON {'object' if kind is dict else kind.__name__}, "
                         f"found {type(data).__name__}; the model directory is damaged")
    return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checksums(folder: Path) -> None:
    """SHA256SUMS over every file below `folder` (sub-folders such as tokenizer/ included)."""
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != CHECKSUMS_FILE):
        lines.append(f"{file_sha256(path)}  {path.relative_to(folder).as_posix()}\n")
    (folder / CHECKSUMS_FILE).write_text("".join(lines), encoding="utf-8")


def verify_checksums(folder: Path, skip_folder: str | None = None) -> None:
    """Every file SHA256SUMS lists exists and has its recorded hash: a flipped byte is caught on load.
    Files under `skip_folder` are not checked (a tokenizer/ about to be replaced)."""
    listing = folder / CHECKSUMS_FILE
    try:
        lines = listing.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ModelError(f"{listing}: cannot be read ({error}); the model directory is damaged") from None
    for number, line in enumerate(lines, start=1):
        digest, _, name = line.partition("  ")
        relative = PurePosixPath(name)
        if len(digest) != 64 or not name or relative.is_absolute() or ".." in relative.parts:
            raise ModelError(f"{listing}:{number}: not a '<sha256>  <file>' line; the model directory is damaged")
        if skip_folder is not None and relative.parts[0] == skip_folder:
            continue
        path = folder.joinpath(*relative.parts)
        if not path.is_file():
            raise ModelError(f"{path}: listed in {CHECKSUMS_FILE} but missing; the model directory is incomplete")
        if file_sha256(path) != digest.lower():
            raise ModelError(f"{path}: its SHA-256 differs from the one recorded when the model was saved: the "
                             f"file is damaged or was changed; {HOW_TO_GET_A_MODEL}")


def save_directory(directory: str | Path, write_files: Callable[[Path], None]) -> Path:
    """Write a model directory atomically: `write_files(folder)` fills a staging folder beside `directory`,
    checksums are added, then it replaces `directory`; a crash never leaves a half-written or lost model."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ModelError(f"{directory} exists and is not a directory")
    with staged_directory(directory) as staging:
        write_files(staging)
        write_checksums(staging)
    return directory


def check_model_directory(directory: Path, section: str = "tagger", skip_folder: str | None = None) -> dict:
    """The config.json of a readable model directory, checksums verified where the format records them.

    `section` is the key of config.json that holds the model's own configuration: "tagger" for a tagger,
    "tokenizer" for a trained tokenizer (a directory of the same kind, format 3 only). Files under
    `skip_folder` are not checked.
    """
    hint = HOW_TO_GET_A_MODEL if section == "tagger" else HOW_TO_GET_A_TOKENIZER
    kind = "model" if section == "tagger" else section
    if not directory.is_dir():
        raise ModelError(f"no {kind} directory at {directory}; {hint}")
    config_path = directory / CONFIG_FILE
    if not config_path.is_file() or not (directory / VOCAB_FILE).is_file():
        missing = [name for name in (CONFIG_FILE, VOCAB_FILE) if not (directory / name).is_file()]
        raise ModelError(f"{directory} is not a complete postag {kind} (missing {', '.join(missing)}); {hint}")
    config = read_json(config_path)
    version = config.get("format_version")
    readable = READABLE_FORMATS if section == "tagger" else (FORMAT_VERSION,)
    if version not in readable or not isinstance(config.get(section), dict):
        other = "tokenizer" if section == "tagger" else "tagger"
        if version == FORMAT_VERSION and isinstance(config.get(other), dict):
            raise ModelError(f"{directory} is a {other if other == 'tokenizer' else 'tagger model'} directory, "
                             f"not a {kind}; {hint}")
        raise ModelError(f"{config_path}: {kind} format {str(version)[:20]!r} is not one this postag reads "
                         f"({', '.join(map(str, readable))}); retrain the {kind}")
    if version >= 3:
        if not (directory / CHECKSUMS_FILE).is_file():
            raise ModelError(f"{directory} has no {CHECKSUMS_FILE}; the {kind} directory is incomplete")
        verify_checksums(directory, skip_folder)
    return config


@dataclass
class ModelFiles:
    """A tagger's model directory as read and checked, before any graph or Keras model is built from it."""

    directory: Path
    config_data: dict  # config.json as a whole: format, the TaggerConfig, sizes, tagset, corpus, versions, ...
    config: TaggerConfig
    vocabs: Vocabularies

    @property
    def metadata(self) -> dict:
        """What config.json says of the model besides its TaggerConfig and sizes: tagset, corpus, licence, ..."""
        return {k: v for k, v in self.config_data.items() if k not in ("tagger", "sizes", "format_version")}

    def has(self, name: str) -> bool:
        return (self.directory / name).is_file()


def read_model(directory: Path) -> ModelFiles:
    """The one reader of a tagger's model directory, for the runtime and for training alike: checksums, then
    config.json (its TaggerConfig's ranges and types), vocab.json, and that their sizes agree."""
    config_data = check_model_directory(directory)
    try:
        config = TaggerConfig.from_json(config_data["tagger"])
        vocabs = Vocabularies.from_json(read_json(directory / VOCAB_FILE))
    except (ConfigError, ValueError) as error:
        raise ModelError(f"{directory}: incompatible or damaged model: {error}") from None
    expected = {"words": len(vocabs.words), "chars": len(vocabs.chars), "tags": len(vocabs.tags)}
    if vocabs.more_tags:
        expected["more_tags"] = [len(vocab) for vocab in vocabs.more_tags]
    if vocabs.lm_chars is not None:
        expected["lm_chars"] = len(vocabs.lm_chars)
    if config_data.get("sizes") != expected:
        raise ModelError(f"{directory / CONFIG_FILE}: its sizes {str(config_data.get('sizes'))[:80]} do not match "
                         f"vocab.json {expected}; the model directory is damaged")
    return ModelFiles(directory, config_data, config, vocabs)
