"""TaggerConfig: every setting that decides how a tagger is built and trained, saved beside its weights."""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from dataclasses import dataclass

from common.errors import shorten

from .errors import ConfigError

ARCHITECTURE_NAMES = ("fcn", "window", "rnn")  # kept in step with tagger.models.ARCHITECTURES by a test
CELLS = ("lstm", "gru")
OPTIMIZERS = ("adam", "sgd")
CHAR_ENCODERS = ("cnn", "lstm", "cnn+lstm")
LR_SCHEDULES = ("plateau", "cosine")


# Sane bounds for every number, checked before anything is built: a damaged config.json or a typo in --set
# (hidden_dim=10**9, depth=10**6) is an error, not an out-of-memory crash or a hang.
TRAINING_RANGES: dict[str, tuple[float, float]] = {
    "learning_rate": (0.0, 10.0), "clipnorm": (0.0, 1e6), "batch_size": (1, 65536), "epochs": (1, 10_000),
    "patience": (0, 10_000), "max_seconds": (0.0, 1e9), "seed": (0, 2**32 - 1), "ema": (0.0, 1.0),
    "lr_decay": (0.0, 1.0),
}
TAGGER_RANGES: dict[str, tuple[float, float]] = {**TRAINING_RANGES,
    "word_dim": (1, 2048), "char_dim": (1, 512), "char_filters": (1, 2048), "char_kernel": (1, 15),
    "max_word_length": (1, 200), "affix_buckets": (0, 2_000_000), "affix_dim": (1, 512),
    "min_count": (1, 1_000_000_000), "input_projection": (0, 4096), "hidden_dim": (1, 4096), "depth": (1, 16),
    "window": (0, 20), "dropout": (0.0, 1.0), "word_dropout": (0.0, 1.0),
    "char_lstm_dim": (1, 1024), "label_smoothing": (0.0, 1.0), "extend_vocab": (0, 10_000_000),
    "distill_weight": (0.0, 1.0), "char_lm_dim": (0, 4096), "char_lm_char_dim": (0, 512), "vectors_dim": (0, 2048),
}


class Settings:
    """What every settings dataclass here shares (TrainingSettings, and TaggerConfig and TokenizerConfig that
    build on it), on top of its fields: the checks of choices, ranges and fractions, JSON round trips with
    type checks, and `--set KEY=VALUE` parsing."""

    SUBJECT = ""  # what is configured, for messages: "tagger", "tokenizer"
    CHOICES: dict[str, tuple] = {}  # field -> the values it may take
    RANGES: dict[str, tuple[float, float]] = {}  # field -> (lowest, highest), checked before anything is built
    FRACTIONS: tuple[str, ...] = ()  # fields in [0, 1)

    def check_values(self) -> None:
        for key, allowed in self.CHOICES.items():
            if getattr(self, key) not in allowed:
                raise ConfigError(f"{key} must be one of {', '.join(allowed)}, not {_short(getattr(self, key))}")
        for key, (low, high) in self.RANGES.items():
            value = getattr(self, key)
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(f"{key} must be a finite number, not {value!r}")
            if not low <= value <= high:
                raise ConfigError(f"{key} must be between {low:g} and {high:g}, not {_short(value)}")
        for key in self.FRACTIONS:
            if not 0.0 <= getattr(self, key) < 1.0:
                raise ConfigError(f"{key} must be in [0, 1), not {getattr(self, key)!r}")

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict):
        if not isinstance(data, dict):
            raise ConfigError(f"a {cls.SUBJECT} configuration must be a JSON object")
        types = cls.field_types()
        unknown = sorted(set(data) - set(types))
        if unknown:
            raise ConfigError(f"unknown configuration key(s) {', '.join(unknown)} of a {cls.SUBJECT}; accepted: "
                              f"{', '.join(types)}")
        for key, value in data.items():
            _check_type(key, value, types[key])
        return cls(**data)

    def replace(self, **changes):
        return self.from_json({**self.to_json(), **changes})

    def with_settings(self, settings: dict[str, str]):
        """Apply `key=value` strings from the command line, parsed by each field's type."""
        types = self.field_types()
        changes = {}
        for key, text in settings.items():
            if key not in types:
                raise ConfigError(f"unknown setting {key!r} of a {self.SUBJECT}; accepted: {', '.join(types)}")
            changes[key] = parse_value(key, text, types[key])
        return self.replace(**changes)

    @classmethod
    def field_types(cls) -> dict[str, type]:
        """Every field and its type: the model's own fields first, then the ones it builds on (the loop's), as
        messages that list the accepted settings show them."""
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]
        inherited = {f.name for base in cls.__mro__[1:] if dataclasses.is_dataclass(base)
                     for f in dataclasses.fields(base)}
        return {name: hints[name] for name in sorted(names, key=lambda name: name in inherited)}

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True)


@dataclass(frozen=True)
class TrainingSettings(Settings):
    """The settings of the training loop (pipelines.training.loop): updater, epochs, early stopping, seed.

    TaggerConfig and TokenizerConfig are these plus their model's own fields (each may choose other
    defaults), so `--set lr_decay=0.5` means the same to both, and the loop reads nothing else:
    `training_settings()` hands it exactly these fields.
    """

    optimizer: str = "adam"
    learning_rate: float = 0.002
    clipnorm: float = 5.0
    # Score and keep each epoch's exponential moving average of the weights, momentum `ema` (0 = off), less
    # noisy than the last step's weights: +0.24 points for rnn on EWT. Off where an epoch has fewer than
    # 1 / (1 - ema) batches (pipelines.training.loop.uses_weight_average).
    ema: float = 0.99
    batch_size: int = 64
    epochs: int = 12
    patience: int = 3  # stop after this many epochs without a better dev score
    # plateau: multiply the rate by lr_decay after an epoch without a better dev score; cosine: lower it
    # along a half cosine from learning_rate to 0 over `epochs` epochs (lr_decay unused)
    lr_schedule: str = "plateau"
    lr_decay: float = 0.5
    max_seconds: float = 0.0  # stop training after this long (0 = no limit); the best epoch is kept
    seed: int = 1

    SUBJECT = "training"
    CHOICES = {"optimizer": OPTIMIZERS, "lr_schedule": LR_SCHEDULES}
    RANGES = TRAINING_RANGES
    FRACTIONS = ("ema",)

    def __post_init__(self) -> None:
        self.check_values()

    def check_values(self) -> None:
        super().check_values()
        if not 0.0 < self.lr_decay <= 1.0:
            raise ConfigError(f"lr_decay must be in (0, 1], not {self.lr_decay!r}")
        if self.learning_rate <= 0:
            raise ConfigError(f"learning_rate must be positive, not {self.learning_rate!r}")

    def training_settings(self) -> TrainingSettings:
        """Just the loop's settings, whatever else this config holds."""
        return TrainingSettings(**{f.name: getattr(self, f.name) for f in dataclasses.fields(TrainingSettings)})


@dataclass(frozen=True)
class TaggerConfig(TrainingSettings):
    architecture: str = "rnn"
    # input encoder shared by every architecture: word embedding + character CNN
    word_dim: int = 100
    char_dim: int = 32
    char_filters: int = 100
    char_kernel: int = 3
    # cnn: the char CNN above; lstm: a character BiLSTM's final states instead (char_lstm_dim units each way);
    # cnn+lstm: both, side by side
    char_encoder: str = "cnn"
    char_lstm_dim: int = 64
    max_word_length: int = 20  # longer words keep their first 10 and last 10 characters
    affix_buckets: int = 20000  # hashed prefix/suffix/shape features, as spaCy's tagger uses (0 = none)
    affix_dim: int = 16
    lowercase: bool = True  # word embedding on the lowercased form; the char CNN sees the original case
    min_count: int = 2  # training words seen fewer times share the unknown vector
    word_dropout: float = 0.05  # chance a training word is replaced by <unk>, so <unk> learns to tag
    freeze_embeddings: bool = False
    # A linear layer from the encoder's features (word + characters + affixes, 360 numbers by default) down to
    # this many before the body (0 = none). The features depend on the spelling alone, so at tagging time it
    # runs once per distinct spelling of a batch, and the body's first layer reads fewer numbers per position.
    input_projection: int = 0
    # Pretrained inputs, made by their own pipeline steps (`postag embeddings train`, `postag charlm train`):
    # a word2vec text file to start the word embedding from, or "en" for the vectors shipped in the package,
    # with the file's `extend_vocab` most frequent words added to the vocabulary; a character language
    # model directory (or "en") whose frozen states at word boundaries join each word's features. The
    # trained model holds what it took from them: tagging never reads these files again.
    embeddings: str = ""
    extend_vocab: int = 0
    # Where the vectors go: false, they start the word embedding, which training then moves; true, they stay
    # fixed in a table of their own (vectors_dim wide, taken from the file) beside a learned word embedding
    # of word_dim, so that words added from the file keep vectors consistent with the training words'.
    keep_vectors: bool = False
    vectors_dim: int = 0
    char_lm: str = ""
    char_lm_dim: int = 0  # units of each of the character LM's two LSTMs: taken from the LM, 0 without one
    char_lm_char_dim: int = 0  # its character embedding's size, likewise
    # A CoNLL-U file of silver sentences (raw text tagged by an ensemble of taggers: `postag silver`) that
    # join the training split, and its vocabulary, but never dev or test: distillation by data.
    silver: str = ""
    # architecture body
    hidden_dim: int = 128  # dense units (fcn, window) or RNN units per direction (rnn)
    depth: int = 2  # dense layers (fcn, window) or stacked RNN layers (rnn)
    window: int = 2  # window: neighbours on each side
    cell: str = "lstm"
    bidirectional: bool = True
    dropout: float = 0.33
    # output layer and objective
    crf: bool = False  # a linear-chain CRF over each head's logits, decoded with Viterbi
    label_smoothing: float = 0.0  # softmax heads only: the gold tag gets 1 - s, the others share s
    # Distillation: trained taggers (model directories, comma-separated: an ensemble) whose mean tag
    # probabilities for every training word (a CRF's marginals) the first head also learns, by cross-entropy
    # to its softmax (a CRF's emissions), weighted `distill_weight` against the usual loss on the tags.
    distill: str = ""
    distill_weight: float = 0.5
    # the updater and iterative learning: TrainingSettings' fields, with its defaults

    SUBJECT = "tagger"
    CHOICES = {**TrainingSettings.CHOICES, "architecture": ARCHITECTURE_NAMES, "cell": CELLS,
               "char_encoder": CHAR_ENCODERS}
    RANGES = TAGGER_RANGES
    FRACTIONS = ("dropout", "word_dropout", "ema", "label_smoothing")

    def __post_init__(self) -> None:
        self.check_values()
        if self.crf and self.label_smoothing:
            raise ConfigError("label_smoothing applies to softmax outputs; a CRF (crf=true) is trained on whole "
                              "tag sequences: set one of them")
        if bool(self.char_lm_dim) != bool(self.char_lm_char_dim):
            raise ConfigError("char_lm_dim and char_lm_char_dim are both set (taken from a character LM) or both 0")
        if self.char_lm_dim and not self.char_lm:
            raise ConfigError("char_lm_dim is taken from a character LM: set char_lm to its directory")
        if self.extend_vocab and not self.embeddings:
            raise ConfigError("extend_vocab adds words from pretrained vectors: set embeddings too")
        if (self.keep_vectors or self.vectors_dim) and not self.embeddings:
            raise ConfigError("keep_vectors keeps pretrained vectors in a table of their own: set embeddings too")

    @property
    def uses_char_lm(self) -> bool:
        return self.char_lm_dim > 0


def _short(value, limit: int = 60) -> str:
    return shorten(repr(value), limit)


def parse_value(key: str, text: str, kind: type):
    try:
        if kind is bool:
            lowered = text.strip().lower()
            if lowered in ("true", "1", "yes", "on"):
                return True
            if lowered in ("false", "0", "no", "off"):
                return False
            raise ValueError
        value = kind(text)
    except (ValueError, OverflowError):
        raise ConfigError(f"setting {key}={_short(text)} is not a valid {kind.__name__}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"setting {key}={_short(text)} is not a finite number")
    return value


def _check_type(key: str, value, kind: type) -> None:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return
    if kind is int and isinstance(value, bool):
        raise ConfigError(f"configuration {key} must be an int, not {value!r}")
    if not isinstance(value, kind):
        raise ConfigError(f"configuration {key} must be {kind.__name__}, not {_short(value)}")
