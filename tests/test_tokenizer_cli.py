"""`postag tokenizer train|attach`, `postag tokenize --tokenizer`, `postag evaluate --raw` end to end on the
fixture; user mistakes are one line and exit code 2."""

import json

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

from cli import app

runner = CliRunner()
GOLD = str(FIXTURES / "ud_text.conllu")
SMALL = [part for setting in ("char_dim=8", "class_dim=4", "hidden_dim=16", "stride=4", "train_window=64",
                                "window=64", "context=8", "batch_size=2", "min_char_count=1", "dropout=0",
                                "learning_rate=0.02", "multiword_min_count=1", "patience=0")
         for part in ("--set", setting)]


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory):
    output = tmp_path_factory.mktemp("tokenizers") / "tiny"
    result = runner.invoke(app, ["tokenizer", "train", "--train", GOLD, "--dev", GOLD, "--test", GOLD,
                                 "--epochs", "50", "--seed", "3", "--output", str(output), *SMALL])
    assert result.exit_code == 0, result.output
    return output


@pytest.fixture(scope="module")
def tagger_dir(tmp_path_factory):
    from corpora import read_conllu
    from tagger import TaggerConfig, Vocabularies
    from tagger.training import KerasTagger

    sentences = read_conllu(FIXTURES / "ud_text.conllu")
    vocabs = Vocabularies.build([s.words for s in sentences], [s.tags for s in sentences], min_count=1)
    config = TaggerConfig(architecture="window", word_dim=8, char_dim=4, char_filters=4, hidden_dim=8,
                          affix_buckets=0, min_count=1)
    directory = tmp_path_factory.mktemp("taggers") / "tiny"
    KerasTagger(config, vocabs, metadata={"tagset": "upos"}).save(directory)
    return directory


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    return lines[0]


def test_train_writes_a_tokenizer_directory(tokenizer_dir):
    config = json.loads((tokenizer_dir / "config.json").read_text())
    assert config["tokenizer"]["hidden_dim"] == 16 and config["tokenizer"]["seed"] == 3
    assert config["labels"] == ["<pad>", "outside", "inside", "token_end", "sentence_end"]
    metrics = json.loads((tokenizer_dir / "metrics.json").read_text())
    assert metrics["complete"] and metrics["test"]["tokens"] == 1.0 and metrics["dev"]["sentences"] == 1.0
    card = (tokenizer_dir / "README.md").read_text()
    assert "postag tokenizer train --output" in card and f"--train {GOLD}" in card and "--seed 3" in card


def test_tokenize_with_the_trained_tokenizer(tokenizer_dir, tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("Google's new tool isn't out. It ships soon.\n", encoding="utf-8")
    result = runner.invoke(app, ["tokenize", str(text), "--tokenizer", "model", "--model", str(tokenizer_dir)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["Google 's new tool is n't out .", "It ships soon ."]
    result = runner.invoke(app, ["tokenize", str(text), "--model", str(tokenizer_dir), "--format", "json"])
    words = json.loads(result.stdout)["sentences"][0]["words"]
    assert words[:2] == [{"word": "Google", "start": 0, "end": 8}, {"word": "'s", "start": 0, "end": 8}]
    rules = runner.invoke(app, ["tokenize", str(text), "--tokenizer", "rules", "--model", str(tokenizer_dir)])
    assert rules.exit_code == 0 and rules.stdout.splitlines()[0].startswith("Google 's new tool is n't")


def test_attach_then_the_tagger_tokenizes_and_scores_raw_text(tokenizer_dir, tagger_dir, tmp_path):
    result = runner.invoke(app, ["tokenizer", "attach", str(tokenizer_dir), str(tagger_dir)])
    assert result.exit_code == 0, result.output
    assert (tagger_dir / "tokenizer" / "model.onnx").is_file()
    text = tmp_path / "text.txt"
    text.write_text("We'll see. It ships soon.", encoding="utf-8")
    result = runner.invoke(app, ["tokenize", str(text), "--model", str(tagger_dir)])
    assert result.stdout.splitlines() == ["We 'll see .", "It ships soon ."]

    result = runner.invoke(app, ["evaluate", str(tagger_dir), GOLD, "--raw", "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["tokens"]["f1"] == 1.0 and scores["sentences"]["f1"] == 1.0 and scores["words"]["f1"] == 1.0
    assert scores["upos"]["gold"] == scores["upos"]["aligned"] and scores["xpos"] is None
    assert scores["tokenizer"].endswith("tokenizer") and scores["tokens_per_second"] > 0

    rules = json.loads(runner.invoke(app, ["evaluate", str(tagger_dir), GOLD, "--raw", "--json", "--tokenizer",
                                           "rules"]).stdout)
    assert rules["tokenizer"] == "rules" and rules["tokens"]["f1"] < 1.0  # "Google's" is two tokens to the rules

    table = runner.invoke(app, ["evaluate", str(tagger_dir), GOLD, "--raw"])
    assert table.exit_code == 0 and "sentences" in table.stdout and "UPOS" in table.stdout


def test_evaluate_a_tokenizer_alone(tokenizer_dir):
    result = runner.invoke(app, ["evaluate", str(tokenizer_dir), GOLD, "--raw", "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["tokens"]["f1"] == 1.0 and scores["upos"] is None and scores["tagger"] is None


@pytest.mark.parametrize("arguments, fragment", [
    (["tokenizer", "train", "--corpus", "nltk:brown", "--output", "{tmp}/x"], "UD treebank"),
    (["tokenizer", "train", "--train", "{tmp}/missing.conllu", "--output", "{tmp}/x"], "no such file"),
    (["tokenizer", "train", "--output", "{tmp}/x"], "no training data"),
    (["tokenizer", "train", "--train", GOLD, "--output", "{tmp}/x", "--set", "hidden_dim=0"], "hidden_dim"),
    (["tokenizer", "attach", "{tmp}/absent", "{tmp}"], "no tokenizer directory"),
    (["tokenize", GOLD, "--tokenizer", "neural"], "--tokenizer must be one of"),
    (["tokenize", GOLD, "--tokenizer", "model", "--model", "{tagger}"], "no trained tokenizer"),
    (["evaluate", "{tagger}", GOLD, "--tokenizer", "rules"], "--raw"),
    (["evaluate", "{tagger}", "{tmp}/missing.conllu", "--raw"], "no such file"),
    (["evaluate", "{tagger}", "nltk:brown", "--raw"], "UD treebank"),
])
def test_user_mistakes_are_one_line(arguments, fragment, tmp_path, tagger_dir):
    import shutil

    bare_tagger = shutil.copytree(tagger_dir, tmp_path / "bare", ignore=shutil.ignore_patterns("tokenizer"))
    from tagger.modeldir import write_checksums

    write_checksums(bare_tagger)
    arguments = [a.format(tmp=tmp_path, tagger=bare_tagger) for a in arguments]
    result = runner.invoke(app, arguments)
    if fragment == "--raw":  # a typer.BadParameter: usage error, exit 2
        assert result.exit_code == 2 and fragment in result.output
        return
    assert fragment in one_line_error(result)
