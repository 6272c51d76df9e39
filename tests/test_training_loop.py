"""The one training loop (pipelines.training.loop): taggers and tokenizers give it the same settings, every one
of which it reads, and a loop setting given to either on the command line works (or is one line of error)."""

import dataclasses

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

from cli import app
from tagger import TaggerConfig, TokenizerConfig
from tagger.config import TrainingSettings

runner = CliRunner()
GOLD = str(FIXTURES / "ud_text.conllu")
LOOP_SETTINGS = [field.name for field in dataclasses.fields(TrainingSettings)]
TINY_TOKENIZER = ["char_dim=8", "class_dim=4", "hidden_dim=8", "train_window=64", "window=64", "context=8",
                  "batch_size=2", "min_char_count=1", "multiword_min_count=1", "sentence_epochs=1"]
TINY_TAGGER = ["word_dim=8", "char_dim=4", "char_filters=4", "hidden_dim=8", "affix_buckets=0", "min_count=1"]
# A value other than the default for each loop setting, valid for both configs.
CHANGED = {"optimizer": "sgd", "learning_rate": "0.01", "clipnorm": "1", "ema": "0.5", "batch_size": "3",
           "epochs": "2", "patience": "1", "lr_schedule": "cosine", "lr_decay": "0.7", "max_seconds": "600",
           "seed": "7"}


class Recording:
    """A TrainingSettings that notes which of its fields are read."""

    def __init__(self, settings: TrainingSettings, read: set):
        self._settings, self._read = settings, read

    def __getattr__(self, name):
        self._read.add(name)
        return getattr(self._settings, name)


def test_both_configs_are_the_loop_settings_and_more():
    for config in (TaggerConfig, TokenizerConfig):
        assert issubclass(config, TrainingSettings)
        assert set(LOOP_SETTINGS) <= set(config.field_types())
        assert set(config().training_settings().to_json()) == set(LOOP_SETTINGS)
    assert set(CHANGED) == set(LOOP_SETTINGS)


def record_reads(monkeypatch, config_class) -> set:
    read: set = set()
    real = config_class.training_settings
    monkeypatch.setattr(config_class, "training_settings", lambda self: Recording(real(self), read))
    return read


def test_the_tagger_pipeline_hands_the_loop_every_setting_it_reads(monkeypatch, tiny_sentences):
    from corpora import Corpus
    from pipelines.training.tagger import train

    read = record_reads(monkeypatch, TaggerConfig)
    config = TaggerConfig(architecture="window", epochs=1).with_settings(dict(s.split("=") for s in TINY_TAGGER))
    train(Corpus("tiny", "upos", train=tiny_sentences, dev=tiny_sentences[:2]), config)
    assert read == set(LOOP_SETTINGS)


def test_the_tokenizer_pipeline_hands_the_loop_every_setting_it_reads(monkeypatch):
    from pipelines.training.tokenizer import load_tokenizer_data, train_tokenizer

    read = record_reads(monkeypatch, TokenizerConfig)
    config = TokenizerConfig(epochs=1).with_settings(dict(s.split("=") for s in TINY_TOKENIZER))
    train_tokenizer(load_tokenizer_data(train=GOLD, dev=GOLD), config)
    assert read == set(LOOP_SETTINGS)


@pytest.mark.parametrize("key", ["lr_decay", "lr_schedule", "optimizer"])
def test_a_loop_setting_trains_a_tokenizer_from_the_command_line(key, tmp_path):
    # lr_decay first: the shared loop once read lr_schedule, which only the tagger's config had.
    settings = [*TINY_TOKENIZER, "epochs=2", "patience=0", f"{key}={CHANGED[key]}"]
    result = runner.invoke(app, ["tokenizer", "train", "--train", GOLD, "--dev", GOLD, "--output",
                                 str(tmp_path / "tok"), *[part for s in settings for part in ("--set", s)]])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("config_class", [TaggerConfig, TokenizerConfig])
@pytest.mark.parametrize("key", LOOP_SETTINGS)
def test_every_loop_setting_parses_for_both_configs(config_class, key):
    changed = config_class().with_settings({key: CHANGED[key]})
    assert getattr(changed.training_settings(), key) == getattr(changed, key) != getattr(config_class(), key)
