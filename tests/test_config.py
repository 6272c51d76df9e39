import json

import pytest

from tagger.config import ARCHITECTURE_NAMES, ConfigError, TaggerConfig
from tagger.training import ARCHITECTURES


def test_round_trip_through_json():
    config = TaggerConfig(architecture="window", window=3, hidden_dim=64)
    assert TaggerConfig.from_json(json.loads(config.dumps())) == config


def test_unknown_keys_are_rejected():
    with pytest.raises(ConfigError, match="unknown configuration key.*hiden_dim"):
        TaggerConfig.from_json({"hiden_dim": 3})


def test_wrong_types_are_rejected():
    with pytest.raises(ConfigError, match="hidden_dim must be int"):
        TaggerConfig.from_json({"hidden_dim": "big"})
    with pytest.raises(ConfigError, match="bidirectional must be bool"):
        TaggerConfig.from_json({"bidirectional": 1})


def test_bad_values_name_the_choices():
    with pytest.raises(ConfigError, match="architecture must be one of fcn, window, rnn"):
        TaggerConfig(architecture="transformer")
    with pytest.raises(ConfigError, match="dropout"):
        TaggerConfig(dropout=1.5)


def test_settings_from_the_command_line_are_parsed_by_type():
    config = TaggerConfig().with_settings({"hidden_dim": "64", "bidirectional": "false", "learning_rate": "0.01"})
    assert config.hidden_dim == 64 and config.bidirectional is False and config.learning_rate == 0.01
    with pytest.raises(ConfigError, match="not a valid int"):
        TaggerConfig().with_settings({"hidden_dim": "lots"})
    with pytest.raises(ConfigError, match="unknown setting"):
        TaggerConfig().with_settings({"colour": "red"})


def test_config_is_frozen():
    with pytest.raises(AttributeError):
        TaggerConfig().hidden_dim = 3


def test_registry_and_config_agree():
    assert tuple(ARCHITECTURES) == ARCHITECTURE_NAMES
