"""The command line end to end: train on the tiny fixture -> evaluate -> tag; bad input -> exit 2, one line."""

import json

import pytest
from typer.testing import CliRunner

from cli import app
from tagger.modeldir import write_checksums

runner = CliRunner()
SMALL = ["--set", "hidden_dim=16", "--set", "word_dim=16", "--set", "char_filters=8", "--set", "depth=1",
         "--set", "min_count=1", "--set", "dropout=0", "--set", "patience=0", "--set", "lr_decay=1",
         "--lr", "0.01", "--batch-size", "4"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from conftest import FIXTURES

    output = tmp_path_factory.mktemp("models") / "tiny-window"
    result = runner.invoke(app, ["train", "--train", str(FIXTURES / "tiny.conllu"), "--dev",
                                 str(FIXTURES / "tiny.conllu"), "--test", str(FIXTURES / "tiny.conllu"),
                                 "--arch", "window", "--epochs", "25", "--output", str(output), *SMALL])
    assert result.exit_code == 0, result.output
    return output


def test_train_writes_a_complete_model_directory(model_dir):
    names = {p.name for p in model_dir.iterdir()}
    assert {"config.json", "vocab.json", "model.weights.h5", "metrics.json", "README.md"} <= names
    config = json.loads((model_dir / "config.json").read_text())
    assert config["tagger"]["architecture"] == "window"
    assert config["tagset"] == "upos" and "tensorflow_version" in config and "created" in config
    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert metrics["complete"] and metrics["test"]["accuracy"] > 0.8
    assert not [p for p in model_dir.parent.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_evaluate_json_has_the_promised_fields(model_dir, tiny_conllu):
    result = runner.invoke(app, ["evaluate", str(model_dir), str(tiny_conllu), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"accuracy", "oov_accuracy", "tokens", "per_tag", "confusions"} <= set(data)
    assert data["tokens"] == 73 and data["accuracy"] > 0.8
    assert data["per_tag"]["NOUN"]["support"] == 15


def test_evaluate_table(model_dir, tiny_conllu):
    import re

    scores = json.loads(runner.invoke(app, ["evaluate", str(model_dir), str(tiny_conllu), "--json"]).stdout)
    result = runner.invoke(app, ["evaluate", str(model_dir), str(tiny_conllu)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())  # the headline wraps at the terminal's width
    assert f"accuracy {scores['accuracy']:.2%} on 73 tokens (12 sentences)" in text
    # A row of the per-tag table: NOUN's precision, recall, F1 and support, as the JSON has them.
    noun = scores["per_tag"]["NOUN"]
    row = re.search(r"NOUN\W+([\d.]+%)\W+([\d.]+%)\W+([\d.]+%)\W+(\d+)", text)
    assert row and row.groups() == (f"{noun['precision']:.2%}", f"{noun['recall']:.2%}", f"{noun['f1']:.2%}", "15")
    assert "most frequent confusions" in text


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("The dog sat on the mat. She reads books every day!\n\nThree students passed.", encoding="utf-8")
    return path


def test_tag_text_format(model_dir, text_file):
    result = runner.invoke(app, ["tag", str(text_file), "--model", str(model_dir)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().split("\n")
    assert len(lines) == 3
    assert lines[0].startswith("The/") and lines[0].split()[-1].startswith("./")


def test_tag_tsv_and_json_formats(model_dir, text_file):
    tsv = runner.invoke(app, ["tag", str(text_file), "--model", str(model_dir), "--format", "tsv"]).stdout
    assert tsv.split("\n\n")[0].split("\n")[0].startswith("The\t")
    assert len([block for block in tsv.strip().split("\n\n") if block]) == 3
    result = runner.invoke(app, ["tag", str(text_file), "--model", str(model_dir), "--format", "json"])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    text = text_file.read_text()
    assert [r["tokens"][0] for r in records] == ["The", "She", "Three"]
    for record in records:
        assert len(record["tokens"]) == len(record["tags"]) == len(record["offsets"])
        assert all(text[a:b] == token for token, (a, b) in zip(record["tokens"], record["offsets"]))


def test_tag_conllu_is_valid_and_marks_space_after(model_dir, text_file, tmp_path):
    from corpora import read_conllu

    output = tmp_path / "out.conllu"
    result = runner.invoke(app, ["tag", str(text_file), "--model", str(model_dir), "--format", "conllu",
                                 "--output", str(output)])
    assert result.exit_code == 0, result.output
    sentences = read_conllu(output)
    assert [s.words[0] for s in sentences] == ["The", "She", "Three"]
    mat_line = next(line for line in output.read_text().splitlines() if line.startswith("6\tmat\t"))
    assert mat_line.endswith("SpaceAfter=No")  # "mat." in the text: no space before the full stop


def test_tag_reads_standard_input(model_dir):
    result = runner.invoke(app, ["tag", "-", "--model", str(model_dir)], input="A cat sleeps.\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("A/") and result.stdout.count("/") == 4


def test_tag_uses_postag_model_environment_variable(model_dir, text_file, monkeypatch, tmp_path):
    monkeypatch.setenv("POSTAG_MODEL", str(model_dir))
    with_variable = runner.invoke(app, ["tag", str(text_file)])
    assert with_variable.exit_code == 0
    assert with_variable.stdout == runner.invoke(app, ["tag", str(text_file), "--model", str(model_dir)]).stdout
    monkeypatch.setenv("POSTAG_MODEL", str(tmp_path / "elsewhere"))
    missing = runner.invoke(app, ["tag", str(text_file)])
    assert missing.exit_code == 2 and "elsewhere" in missing.stderr  # the variable's model, not the default


# ---- bad input: exit code 2 and one line, no traceback -------------------------------------------------

def assert_one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_malformed_conllu_line_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.conllu"
    bad.write_text("1\tThe\tthe\tDET\tDT\t_\t0\troot\t_\t_\n2\tcat\tcat\tNOUN\n\n", encoding="utf-8")
    result = runner.invoke(app, ["train", "--train", str(bad), "--format", "conllu", "--output", str(tmp_path / "m")])
    assert_one_line_error(result, "bad.conllu:2", "expected 10")


def test_missing_training_file(tmp_path):
    result = runner.invoke(app, ["train", "--train", str(tmp_path / "nope.conllu"), "--output", str(tmp_path / "m")])
    assert_one_line_error(result, "nope.conllu", "no such file")


def test_non_utf8_file(tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9/NOUN ./PUNCT\n".encode("latin-1"))
    result = runner.invoke(app, ["train", "--train", str(bad), "--output", str(tmp_path / "m")])
    assert_one_line_error(result, "latin1.txt:1", "UTF-8")


def test_empty_corpus(tmp_path):
    empty = tmp_path / "empty.conllu"
    empty.write_text("\n\n", encoding="utf-8")
    result = runner.invoke(app, ["train", "--train", str(empty), "--output", str(tmp_path / "m")])
    assert_one_line_error(result, "empty.conllu")


def test_unknown_setting_lists_accepted_keys(tiny_conllu, tmp_path):
    result = runner.invoke(app, ["train", "--train", str(tiny_conllu), "--set", "hiden=3", "--output",
                                 str(tmp_path / "m")])
    assert_one_line_error(result, "unknown setting 'hiden'", "hidden_dim")


def test_missing_model_says_how_to_get_one(tmp_path, text_file):
    result = runner.invoke(app, ["tag", str(text_file), "--model", str(tmp_path / "none")])
    assert_one_line_error(result, "no model", "not a model directory", "postag train")


def test_incomplete_model_directory(tmp_path, text_file, model_dir):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((model_dir / "config.json").read_text())
    result = runner.invoke(app, ["tag", str(text_file), "--model", str(broken)])
    assert_one_line_error(result, "not a complete postag model", "vocab.json")


def test_incompatible_model_config(tmp_path, text_file, model_dir):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(model_dir, copy)
    config = json.loads((copy / "config.json").read_text())
    config["tagger"]["hidden_layers"] = 3  # as a later version of postag might write it
    (copy / "config.json").write_text(json.dumps(config))
    result = runner.invoke(app, ["tag", str(text_file), "--model", str(copy)])
    assert_one_line_error(result, "config.json", "SHA-256 differs")  # changed after saving: caught first
    write_checksums(copy)
    result = runner.invoke(app, ["tag", str(text_file), "--model", str(copy)])
    assert_one_line_error(result, "incompatible or damaged model", "hidden_layers")


def test_corpus_not_found_offline_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTAG_DATA_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setattr("corpora.download.urllib.request.urlopen",
                        lambda *a, **k: (_ for _ in ()).throw(OSError("network is unreachable")))
    result = runner.invoke(app, ["train", "--corpus", "ud:en_ewt", "--output", str(tmp_path / "m")])
    assert_one_line_error(result, "ud:en_ewt", "empty-cache", "POSTAG_DATA_DIR")


def test_missing_input_file_for_tag(model_dir, tmp_path):
    result = runner.invoke(app, ["tag", str(tmp_path / "missing.txt"), "--model", str(model_dir)])
    assert_one_line_error(result, "missing.txt")


def test_failed_tag_output_leaves_existing_file_untouched(model_dir, text_file, tmp_path, monkeypatch):
    output = tmp_path / "tags.txt"
    output.write_text("previous good output\n")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", crash)
    result = runner.invoke(app, ["tag", str(text_file), "--model", str(model_dir), "--output", str(output)])
    assert result.exit_code == 130
    assert output.read_text() == "previous good output\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tags")] == []


def test_help_lists_commands_in_the_order_a_new_user_needs_them():
    result = runner.invoke(app, ["--help"], terminal_width=120)
    listed = [line.split()[1] for line in result.output.splitlines()
              if line.startswith("│ ") and len(line.split()) > 1 and line.split()[1].isalpha()]
    first = ["tag", "tokenize", "models", "evaluate", "train", "compare"]
    assert listed[: len(first)] == first, listed
    assert set(listed) >= {"corpora", "tokenizer", "vocab", "embeddings", "charlm", "silver", "sanity"}


def test_evaluate_scores_a_systems_conllu_file_against_the_gold_raw_text(tmp_path):
    from conftest import FIXTURES

    gold = FIXTURES / "ud_text.conllu"
    result = runner.invoke(app, ["evaluate", str(gold), str(gold), "--raw", "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["tokens"]["f1"] == scores["sentences"]["f1"] == scores["upos"]["f1"] == 1.0
    result = runner.invoke(app, ["evaluate", str(gold), str(gold), "--raw", "--tokenizer", "rules"])
    assert result.exit_code == 2 and "--tokenizer applies to a model" in result.output
