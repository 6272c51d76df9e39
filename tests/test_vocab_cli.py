"""`postag vocab build|show` and `postag train --vocab FILE`."""

import json

import pytest
from typer.testing import CliRunner

from cli import app
from pipelines.errors import PipelineError
from pipelines.pretraining.vocab import build_word_vocab, load_word_vocab, parse_source

runner = CliRunner()
SMALL = ["--set", "hidden_dim=8", "--set", "word_dim=8", "--set", "char_filters=8", "--set", "depth=1",
         "--set", "dropout=0", "--set", "patience=0", "--batch-size", "8", "--arch", "fcn"]


@pytest.fixture
def notes(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("The zebra sat on the mat. Zebras eat grass!\n\nThe zebra sleeps.\n", encoding="utf-8")
    return path


def test_vocab_build_writes_frequency_sorted_words_with_its_settings(tmp_path, tiny_conllu):
    output = tmp_path / "vocab.json"
    result = runner.invoke(app, ["vocab", "build", str(tiny_conllu), "--output", str(output), "--min-count", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(output.read_text(encoding="utf-8"))
    assert data["kind"] == "postag-word-vocab" and data["lowercase"] is True and data["min_count"] == 2
    items, counts = data["vocab"]["items"], data["vocab"]["counts"]
    assert items[:3] == ["<pad>", "<unk>", "."] and "the" in items and "The" not in items
    assert all(counts[word] >= 2 for word in items[2:])
    assert [counts[word] for word in items[2:]] == sorted((counts[word] for word in items[2:]), reverse=True)
    assert data["tokens"] == 73 and f"{len(items) - 2:,} words" in result.stdout


def test_raw_text_is_tokenized_and_max_size_and_case_are_kept(notes):
    vocab_file = build_word_vocab([str(notes)], min_count=1, max_size=3, lowercase=False)
    assert vocab_file.vocab.items == ["<pad>", "<unk>", ".", "The", "zebra"]  # 2 each: ties alphabetical
    assert vocab_file.tokens == 15  # "grass !" splits; sentences and blank lines are the tokenizer's
    assert not vocab_file.lowercase


def test_vocab_show_reports_size_coverage_and_extremes(tmp_path, tiny_conllu, notes):
    output = tmp_path / "vocab.json"
    built = runner.invoke(app, ["vocab", "build", str(tiny_conllu), "-o", str(output), "--min-count", "1"])
    assert built.exit_code == 0, built.output
    result = runner.invoke(app, ["vocab", "show", str(output), "--coverage", str(notes), "--json", "--top", "3"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["words"] == summary["size"] - 2 and summary["most_frequent"][0][0] == "."
    assert len(summary["rarest"]) == 3 and summary["rarest"][0][1] == 1
    coverage = summary["coverage"][0]
    # notes.txt: "the" x3, "sat", "on", "mat", "." x2 are in tiny.conllu; zebra(s), eat, grass, !, sleeps are not.
    assert coverage["tokens"] == 15 and coverage["known_tokens"] == 8
    assert coverage["token_rate"] == pytest.approx(8 / 15)
    table = runner.invoke(app, ["vocab", "show", str(output), "-c", str(notes)])
    assert table.exit_code == 0 and "53.33%" in table.stdout and "most frequent" in table.stdout


def test_train_with_a_prebuilt_vocabulary_uses_its_word_ids(tmp_path, tiny_conllu, notes):
    vocab_path = tmp_path / "vocab.json"
    result = runner.invoke(app, ["vocab", "build", str(notes), str(tiny_conllu), "-o", str(vocab_path),
                                 "--min-count", "2"])
    assert result.exit_code == 0, result.output
    model = tmp_path / "model"
    result = runner.invoke(app, ["train", "--train", str(tiny_conllu), "--epochs", "1", "-o", str(model),
                                 "--vocab", str(vocab_path), *SMALL])
    assert result.exit_code == 0, result.output
    assert "of training tokens have their own id" in result.stderr
    saved = json.loads((model / "vocab.json").read_text(encoding="utf-8"))
    built = json.loads(vocab_path.read_text(encoding="utf-8"))
    assert saved["words"]["items"] == built["vocab"]["items"] and "zebra" in saved["words"]["items"]
    # Counts are the training data's: zebra has an id but was never seen tagged.
    assert "zebra" not in saved["words"]["counts"] and saved["words"]["counts"]["the"] > 0
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    assert config["word_vocab"]["file"] == str(vocab_path)


def test_bad_vocabulary_files_are_one_line_errors(tmp_path, tiny_conllu):
    not_json = tmp_path / "broken.json"
    not_json.write_text("{", encoding="utf-8")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"items": ["<pad>"]}), encoding="utf-8")
    for path, message in ((not_json, "not valid JSON"), (other, "not a postag word vocabulary"),
                          (tmp_path / "missing.json", "no such vocabulary file")):
        with pytest.raises(PipelineError, match=message):
            load_word_vocab(path)
        result = runner.invoke(app, ["train", "--train", str(tiny_conllu), "-o", str(tmp_path / "m"),
                                     "--vocab", str(path), *SMALL])
        assert result.exit_code == 2 and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_sources_name_splits_of_named_corpora():
    assert parse_source("nltk:brown").splits == ("train",)
    assert parse_source("nltk:brown:all").splits == ("train", "dev", "test")
    source = parse_source("ud:en_ewt@2.15:train,dev")
    assert source.corpus == "ud:en_ewt@2.15" and source.splits == ("train", "dev")
    with pytest.raises(PipelineError, match="unknown split 'tests'"):
        parse_source("ud:en_ewt:tests")
    with pytest.raises(PipelineError, match="--format must be one of"):
        parse_source("x.txt", format="pdf")
