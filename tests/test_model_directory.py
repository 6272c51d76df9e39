"""Damaged or hostile model directories give one clear ModelError, never a traceback, a hang or a huge allocation."""

import json

import pytest

from tagger import ModelError, Tagger, TaggerConfig, Vocabularies
from tagger.config import ConfigError
from tagger.modeldir import write_checksums

SMALL = dict(architecture="rnn", word_dim=8, char_dim=4, char_filters=4, hidden_dim=8, depth=1, affix_dim=4,
             affix_buckets=50, min_count=1)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from tagger.training import KerasTagger

    vocabs = Vocabularies.build([["The", "dog", "barks"]], [["DET", "NOUN", "VERB"]], min_count=1)
    directory = tmp_path_factory.mktemp("models") / "tiny"
    KerasTagger(TaggerConfig(**SMALL), vocabs, metadata={"tagset": "upos"}).save(directory)
    return directory


@pytest.fixture
def copy(model_dir, tmp_path):
    import shutil

    return shutil.copytree(model_dir, tmp_path / "copy")


def rewrite(directory, name, data, checksums=True):
    path = directory / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    if checksums:  # a consistent directory, as a hostile or buggy writer would leave it
        write_checksums(directory)


def load_error(directory) -> str:
    with pytest.raises(ModelError) as caught:
        Tagger.load(directory)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 600
    return message


def test_the_intact_directory_loads(model_dir):
    assert Tagger.load(model_dir).tag(["The", "dog"]) in (["DET", "NOUN"], ["DET", "DET"], ["NOUN", "NOUN"],
                                                          ["VERB", "VERB"], ["DET", "VERB"], ["NOUN", "DET"],
                                                          ["NOUN", "VERB"], ["VERB", "DET"], ["VERB", "NOUN"])


@pytest.mark.parametrize("name", ["config.json", "vocab.json", "model.onnx", "SHA256SUMS"])
def test_a_flipped_byte_in_any_file_is_caught(copy, name):
    path = copy / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))
    message = load_error(copy)
    assert name in message or "SHA-256 differs" in message


def test_a_changed_weight_file_is_caught_by_its_checksum(copy):
    data = bytearray((copy / "model.onnx").read_bytes())
    data[-4096:-4092] = b"\x7f\x7f\x7f\x7f"  # a few weights changed, the graph still parses
    (copy / "model.onnx").write_bytes(bytes(data))
    assert "SHA-256 differs" in load_error(copy)


@pytest.mark.parametrize("data, fragment", [
    ([1, 2, 3], "expected a JSON object"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"format_version": 3, "tagger": {"learning_rate": NaN}}', "not valid JSON"),
    ('{"format_version": 99, "tagger": {}}', "model format"),
    ("\xff\xfe not utf-8", "not valid JSON"),
])
def test_a_damaged_config_is_one_error(copy, data, fragment):
    rewrite(copy, "config.json", data)
    assert fragment in load_error(copy)


@pytest.mark.parametrize("key, value, fragment", [
    ("affix_dim", 0, "affix_dim must be between"),
    ("hidden_dim", 10**9, "hidden_dim must be between"),
    ("word_dim", 10**9, "word_dim must be between"),
    ("affix_buckets", 10**9, "affix_buckets must be between"),
    ("depth", 10**6, "depth must be between"),
    ("dropout", 1.5, "dropout must be between"),
    ("architecture", "x" * 10_000, "architecture must be one of"),
    ("hidden_dim", "128", "must be int"),
])
def test_config_values_out_of_range_are_refused_before_anything_is_built(copy, key, value, fragment):
    config = json.loads((copy / "config.json").read_text())
    config["tagger"][key] = value
    rewrite(copy, "config.json", config)
    message = load_error(copy)
    assert fragment in message and len(message) < 400


@pytest.mark.parametrize("change, fragment", [
    (lambda vocab: vocab.__setitem__("tags", [1, 2]), "vocabulary"),
    (lambda vocab: vocab["tags"]["items"].append(7), "list of strings"),
    (lambda vocab: vocab["words"].__setitem__("counts", {"a": "many"}), "counts"),
    (lambda vocab: vocab.pop("chars"), "missing chars"),
    (lambda vocab: vocab["words"]["items"].append("extra"), "do not match"),
])
def test_a_damaged_vocabulary_is_one_error(copy, change, fragment):
    vocab = json.loads((copy / "vocab.json").read_text())
    change(vocab)
    rewrite(copy, "vocab.json", vocab)
    assert fragment in load_error(copy)


def test_vocab_json_that_is_a_list(copy):
    rewrite(copy, "vocab.json", [1, 2])
    assert "expected a JSON object" in load_error(copy)


def test_a_graph_that_is_not_onnx_is_one_error(copy):
    rewrite(copy, "model.onnx", "not a graph")
    assert "ONNX Runtime cannot load" in load_error(copy)


def test_a_missing_listed_file_is_one_error(copy):
    (copy / "metrics.json").unlink()
    assert "missing" in load_error(copy)


def test_checksums_cannot_point_outside_the_directory(copy):
    rewrite(copy, "SHA256SUMS", "0" * 64 + "  ../../etc/passwd\n", checksums=False)
    assert "not a '<sha256>  <file>' line" in load_error(copy)


@pytest.mark.parametrize("setting", ["learning_rate=nan", "learning_rate=inf", "clipnorm=-inf", "ema=nan",
                                     "hidden_dim=1000000000", "depth=1000000"])
def test_non_finite_or_huge_settings_are_refused(setting):
    key, value = setting.split("=")
    with pytest.raises(ConfigError):
        TaggerConfig().with_settings({key: value})


def test_saving_non_finite_metadata_is_refused(tmp_path):
    from tagger.modeldir import write_json

    with pytest.raises(ModelError, match="finite"):
        write_json(tmp_path / "metrics.json", {"loss": float("nan")})
