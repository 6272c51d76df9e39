"""What a comparison compares: its variants (architectures with settings), seeds, and the data checks that
come first, so that a bad option fails before anything is read or trained.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from corpora import Corpus
from pipelines.errors import PipelineError

from .baselines import BASELINES
from .records import (
    DataSource,
)

DEFAULT_ARCHITECTURES = ("fcn", "window", "rnn")


VARIANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")  # a folder name, and no dot: `--set NAME.key=...`


SEEDS_HELP = "--seeds takes whole numbers separated by commas, or ranges: 1,2,3 or 1-5"


@dataclass(frozen=True)
class Variant:
    """A named tagger configuration to compare; its seed is set per run."""

    name: str
    config: object  # tagger.TaggerConfig

    @property
    def architecture(self) -> str:
        return self.config.architecture

    def config_json(self) -> dict:
        data = self.config.to_json()
        data.pop("seed")
        return data


def parse_seeds(text: str | None, default: int = 1) -> list[int]:
    """`1,2,3` or `1-5` (or both mixed) -> distinct seeds in the given order."""
    if text is None or not text.strip():
        return [default]
    seeds: list[int] = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not match:
            raise PipelineError(f"{SEEDS_HELP}; got {text!r}")
        low = int(match[1])
        high = int(match[2]) if match[2] is not None else low
        if high < low:
            raise PipelineError(f"{SEEDS_HELP}; the range {part.strip()} runs backwards")
        seeds.extend(range(low, high + 1))
    repeated = sorted({seed for seed in seeds if seeds.count(seed) > 1})
    if repeated:
        raise PipelineError(f"{SEEDS_HELP}; seed {', '.join(map(str, repeated))} is given twice")
    return seeds


def read_configs_file(path: str | Path) -> dict[str, dict]:
    """A JSON or TOML file mapping variant name -> {architecture, ...TaggerConfig fields}."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PipelineError(f"--configs {path}: cannot read it ({error.strerror or error})") from None
    if path.suffix.lower() == ".toml":
        try:
            import tomllib
        except ImportError:  # Python 3.10
            raise PipelineError(f"--configs {path}: TOML needs Python 3.11 or later; use a JSON file") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise PipelineError(f"--configs {path}: not valid TOML ({error})") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise PipelineError(f"--configs {path}:{error.lineno}: not valid JSON ({error.msg}); expected "
                                f'{{"variant-name": {{"architecture": "rnn", "hidden_dim": 256}}, ...}}') from None
    if not isinstance(data, dict) or not data or not all(isinstance(v, dict) for v in data.values()):
        raise PipelineError(f"--configs {path}: expected a table of variants, e.g. "
                            f'{{"rnn-gru": {{"architecture": "rnn", "cell": "gru"}}}}')
    return data


def plan_variants(archs: list[str] | None = None, settings: dict[str, str] | None = None,
                  configs_file: str | Path | None = None, epochs: int | None = None) -> list[Variant]:
    """Validate every variant's settings up front: nothing trains until all of them are known to be good.

    archs: `fcn`, or `NAME=ARCH` for a named variant (`rnn-gru=rnn`). settings: `key` applies to every
    variant; `NAME.key` to the variant NAME, or to every variant of architecture NAME when no variant is
    called that. Precedence: defaults < --configs file < --set key < --epochs < --set NAME.key.
    """
    from tagger import ConfigError, TaggerConfig
    from tagger.config import ARCHITECTURE_NAMES

    accepted_archs = ", ".join(ARCHITECTURE_NAMES)
    declared: list[tuple[str, dict, str]] = []  # (name, fields, where it was declared)
    for spec in archs or []:
        name, sep, arch = spec.partition("=")
        name, arch = name.strip(), (arch if sep else name).strip()
        if arch not in ARCHITECTURE_NAMES:
            raise PipelineError(f"unknown architecture {arch!r} in --arch {spec}; accepted: {accepted_archs}, "
                                f"or NAME=ARCH for a named variant (e.g. rnn-gru=rnn)")
        declared.append((name, {"architecture": arch}, f"--arch {spec}"))
    if configs_file is not None:
        for name, fields in read_configs_file(configs_file).items():
            fields = dict(fields)
            if "architecture" not in fields:
                if name not in ARCHITECTURE_NAMES:
                    raise PipelineError(f"--configs {configs_file}: variant {name!r} needs an "
                                        f'"architecture" ({accepted_archs})')
                fields["architecture"] = name
            declared.append((name, fields, f"--configs {configs_file}"))
    if not declared:
        declared = [(arch, {"architecture": arch}, "default") for arch in DEFAULT_ARCHITECTURES]

    seen: set[str] = set()
    for name, fields, where in declared:
        if not VARIANT_NAME.fullmatch(name):
            raise PipelineError(f"{where}: variant name {name!r} must be letters, digits, - or _ "
                                f"(it names a folder and the NAME in --set NAME.key=VALUE)")
        if name in BASELINES:
            raise PipelineError(f"{where}: {name!r} is the name of a baseline row; choose another variant name")
        if name in seen:
            raise PipelineError(f"{where}: variant {name!r} is given twice; name one of them (NAME=ARCH)")
        seen.add(name)
        for key in ("seed",):
            if key in fields:
                raise PipelineError(f"{where}: variant {name!r} sets seed; seeds come from --seeds 1,2,3")

    names = [name for name, _, _ in declared]
    architecture_of = {name: fields.get("architecture") for name, fields, _ in declared}
    common: dict[str, str] = {}
    scoped: dict[str, dict[str, str]] = defaultdict(dict)
    for key, value in (settings or {}).items():
        scope, dot, field_name = key.partition(".")
        target_key = field_name if dot else key
        if target_key == "seed":
            raise PipelineError(f"--set {key}={value}: seeds come from --seeds (e.g. --seeds 1,2,3)")
        if target_key == "architecture":
            raise PipelineError(f"--set {key}={value}: choose architectures with --arch {accepted_archs} "
                                f"or --arch NAME=ARCH")
        if not dot:
            common[key] = value
            continue
        if scope in names:
            targets = [scope]
        elif scope in ARCHITECTURE_NAMES and scope in architecture_of.values():
            targets = [name for name in names if architecture_of[name] == scope]
        else:
            raise PipelineError(f"--set {key}={value}: no variant or architecture {scope!r} in this comparison; "
                                f"variants: {', '.join(names)} (or --set KEY=VALUE for all of them)")
        for target in targets:
            scoped[target][field_name] = value

    settable = [key for key in TaggerConfig.field_types() if key not in ("architecture", "seed")]
    for key, value in settings.items() if settings else ():
        if key.partition(".")[2 if "." in key else 0] not in settable:
            raise PipelineError(f"--set {key}={value}: unknown setting; accepted: {', '.join(settable)}")
    try:
        TaggerConfig().with_settings(common)  # one message for a bad common value, not one per variant
    except ConfigError as error:
        raise PipelineError(f"--set: {error}") from None
    if epochs is not None and epochs <= 0:
        raise PipelineError(f"--epochs must be a positive whole number, not {epochs}")
    variants = []
    for name, fields, where in declared:
        try:
            config = TaggerConfig.from_json(fields)
        except ConfigError as error:
            raise PipelineError(f"{where}: variant {name!r}: {error}") from None
        try:
            config = config.with_settings(common)
            if epochs is not None:
                config = config.replace(epochs=epochs)
            config = config.with_settings(scoped.get(name, {}))
        except ConfigError as error:
            raise PipelineError(f"variant {name!r}: {error}") from None
        variants.append(Variant(name, config))
    return variants


def vocabulary_fingerprint(vocabs_json: dict) -> str:
    text = json.dumps(vocabs_json, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_splits(corpus: Corpus, source: DataSource) -> None:
    if not corpus.train:
        raise PipelineError(f"{source.describe()}: no training sentences")
    for split, option in (("dev", "--dev"), ("test", "--test")):
        sentences = corpus.split(split)
        if not sentences:
            hint = f"give {option} FILE" if not source.corpus else "choose a corpus with dev and test splits"
            raise PipelineError(f"compare needs a {split} split (dev chooses the best epoch and the best model, "
                                f"test is where models are compared); {source.describe()} has none: {hint}")
        if any(not s.tags for s in sentences) or any(not s.tags for s in corpus.train):
            raise PipelineError(f"{source.describe()}: every sentence must be tagged to compare taggers")


def vocabulary_group(config) -> str:
    """Variants that agree on these settings share one vocabulary built once from the training split (and
    extended from the same vectors, holding the same character LM's characters, with the same silver sentences)."""
    key = f"min_count-{config.min_count}_{'lowercase' if config.lowercase else 'cased'}"
    if config.embeddings and config.extend_vocab:
        key += f"_extend-{config.extend_vocab}-{_short_hash(config.embeddings)}"
    if config.char_lm:
        key += f"_charlm-{_short_hash(config.char_lm)}"
    if config.silver:
        key += f"_silver-{_short_hash(config.silver)}"
    return key


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
