"""TokenizerConfig: every setting that decides how a trained tokenizer is built, trained and run."""

from __future__ import annotations

from dataclasses import dataclass

from .config import TRAINING_RANGES, TrainingSettings
from .errors import ConfigError

CELLS = ("gru", "lstm")

# Sane bounds, checked before anything is built, as TaggerConfig does: a damaged config.json is an error.
TOKENIZER_RANGES: dict[str, tuple[float, float]] = {
    **TRAINING_RANGES,
    "char_dim": (1, 512), "class_dim": (1, 64), "min_char_count": (1, 1_000_000_000), "conv_filters": (0, 1024),
    "conv_kernel": (1, 15), "stride": (1, 8), "hidden_dim": (1, 1024), "depth": (1, 8), "dropout": (0.0, 1.0),
    "train_window": (8, 65536), "window": (8, 65536), "context": (0, 4096),
    "multiword_min_share": (0.0, 1.0), "multiword_min_count": (1, 1_000_000_000),
    "memory_min_count": (0, 1_000_000_000), "sentence_epochs": (0, 1000),
}


@dataclass(frozen=True)
class TokenizerConfig(TrainingSettings):
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
    # the updater and iterative learning: TrainingSettings' fields, with a tokenizer's defaults
    learning_rate: float = 0.003
    ema: float = 0.98
    batch_size: int = 32  # windows per mini-batch
    epochs: int = 60
    patience: int = 8
    # 1 = the rate never decays: 0.5 stopped EWT training early at a worse model (dev sentences F1 86.0
    # against 88.5)
    lr_decay: float = 1.0
    # multiword tokens: a surface form is split when at least this share of its training occurrences
    # were multiword tokens, and a learned suffix rule needs this many training tokens behind it
    multiword_min_share: float = 0.5
    multiword_min_count: int = 3
    # token boundaries remembered from training (segmentation.TokenMemory), laid over the network's: a string
    # needs this many training tokens behind it (0 = none). On EWT the memory lifts test tokens F1 from
    # 99.04 to 99.23 with the same network.
    memory_min_count: int = 2
    # the sentence classifier (segmentation.SentenceClassifier) that decides the network's unsure sentence
    # ends again from the words around them: epochs of its training, on the network's own tokenization of
    # the training text once the network is trained (0 = none)
    sentence_epochs: int = 15

    SUBJECT = "tokenizer"
    CHOICES = {**TrainingSettings.CHOICES, "cell": CELLS}
    RANGES = TOKENIZER_RANGES
    FRACTIONS = ("dropout", "ema")

    def __post_init__(self) -> None:
        self.check_values()
        if 2 * self.context >= self.window:
            raise ConfigError(f"window ({self.window}) must be more than twice the context ({self.context})")
        for key in ("train_window", "window", "context"):
            if getattr(self, key) % self.stride:
                raise ConfigError(f"{key} ({getattr(self, key)}) must be a multiple of the stride ({self.stride})")

    @property
    def core(self) -> int:
        """Characters of each tokenizing window whose labels are kept."""
        return self.window - 2 * self.context
