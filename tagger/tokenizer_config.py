"""TokenizerConfig: every setting that decides how a trained tokenizer is built, trained and run."""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from dataclasses import dataclass

from .config import _check_type, _short, parse_value
from .errors import ConfigError

CELLS = ("gru", "lstm")

# Sane bounds, checked before anything is built, as TaggerConfig does: a damaged config.json is an error.
RANGES: dict[str, tuple[float, float]] = {
    "char_dim": (1, 512), "class_dim": (1, 64), "min_char_count": (1, 1_000_000_000), "conv_filters": (0, 1024),
    "conv_kernel": (1, 15), "stride": (1, 8), "hidden_dim": (1, 1024), "depth": (1, 8), "dropout": (0.0, 1.0),
    "train_window": (8, 65536), "window": (8, 65536), "context": (0, 4096), "batch_size": (1, 65536),
    "learning_rate": (0.0, 10.0), "lr_decay": (0.0, 1.0), "ema": (0.0, 1.0), "clipnorm": (0.0, 1e6),
    "epochs": (1, 10_000), "patience": (0, 10_000), "max_seconds": (0.0, 1e9), "seed": (0, 2**32 - 1),
    "multiword_min_share": (0.0, 1.0), "multiword_min_count": (1, 1_000_000_000),
}


@dataclass(frozen=True)
class TokenizerConfig:
    # input: a character's id and its class (upper, lower, digit, space, line break, punctuation, ...)
    char_dim: int = 32
    class_dim: int = 8
    min_char_count: int = 2  # rarer training characters share the unknown id (their class still tells)
    # network: an optional convolution, then (Bi)GRU or LSTM layers, then a dense layer to label logits
    conv_filters: int = 0  # 0 = no convolution
    conv_kernel: int = 5
    # characters per recurrent step: the step reads their features side by side and the output layer
    # labels each of them, so the sequential loop runs `stride` times fewer steps
    stride: int = 4
    hidden_dim: int = 48  # recurrent units per direction
    depth: int = 1
    cell: str = "gru"
    dropout: float = 0.1
    # windows of characters: training reads `train_window` characters at a time; tokenizing reads
    # `window` characters and keeps the labels of all but `context` characters at either side
    train_window: int = 512
    window: int = 1024
    context: int = 64
    # updater and iterative learning
    learning_rate: float = 0.003
    clipnorm: float = 5.0
    # Score and keep each epoch's exponential moving average of the weights, momentum `ema` (0 = off); off
    # where an epoch has fewer than 1 / (1 - ema) batches, as for taggers.
    ema: float = 0.98
    batch_size: int = 32  # windows per mini-batch
    epochs: int = 60
    patience: int = 8  # stop after this many epochs without a better dev score
    # multiply the learning rate by this after an epoch without a better dev score (1 = never): 0.5 stopped
    # EWT training early at a worse model (dev sentences F1 86.0 against 88.5)
    lr_decay: float = 1.0
    max_seconds: float = 0.0  # 0 = no limit; the best epoch is kept
    seed: int = 1
    # multiword tokens: a surface form is split when at least this share of its training occurrences
    # were multiword tokens, and a learned suffix rule needs this many training tokens behind it
    multiword_min_share: float = 0.5
    multiword_min_count: int = 3

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise ConfigError(f"cell must be one of {', '.join(CELLS)}, not {_short(self.cell)}")
        for key, (low, high) in RANGES.items():
            value = getattr(self, key)
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(f"{key} must be a finite number, not {value!r}")
            if not low <= value <= high:
                raise ConfigError(f"{key} must be between {low:g} and {high:g}, not {_short(value)}")
        for key in ("dropout", "ema"):
            if not 0.0 <= getattr(self, key) < 1.0:
                raise ConfigError(f"{key} must be in [0, 1), not {getattr(self, key)!r}")
        if not 0.0 < self.lr_decay <= 1.0:
            raise ConfigError(f"lr_decay must be in (0, 1], not {self.lr_decay!r}")
        if self.learning_rate <= 0:
            raise ConfigError(f"learning_rate must be positive, not {self.learning_rate!r}")
        if 2 * self.context >= self.window:
            raise ConfigError(f"window ({self.window}) must be more than twice the context ({self.context})")
        for key in ("train_window", "window", "context"):
            if getattr(self, key) % self.stride:
                raise ConfigError(f"{key} ({getattr(self, key)}) must be a multiple of the stride ({self.stride})")

    @property
    def core(self) -> int:
        """Characters of each tokenizing window whose labels are kept."""
        return self.window - 2 * self.context

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> TokenizerConfig:
        if not isinstance(data, dict):
            raise ConfigError("a tokenizer configuration must be a JSON object")
        types = cls.field_types()
        unknown = sorted(set(data) - set(types))
        if unknown:
            raise ConfigError(f"unknown tokenizer setting(s) {', '.join(unknown)}; accepted: {', '.join(types)}")
        for key, value in data.items():
            _check_type(key, value, types[key])
        return cls(**data)

    def replace(self, **changes) -> TokenizerConfig:
        return TokenizerConfig.from_json({**self.to_json(), **changes})

    def with_settings(self, settings: dict[str, str]) -> TokenizerConfig:
        """Apply `key=value` strings from the command line, parsed by each field's type."""
        types = self.field_types()
        changes = {}
        for key, text in settings.items():
            if key not in types:
                raise ConfigError(f"unknown tokenizer setting {key!r}; accepted: {', '.join(types)}")
            changes[key] = parse_value(key, text, types[key])
        return self.replace(**changes)

    @classmethod
    def field_types(cls) -> dict[str, type]:
        hints = typing.get_type_hints(cls)
        return {f.name: hints[f.name] for f in dataclasses.fields(cls)}

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True)
