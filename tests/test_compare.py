"""`postag compare` on the tiny fixture: planning, the report files, resuming, --force, and bad input."""

import json
import shutil

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

from cli import app
from pipelines.compare.folder import manifest_differences
from pipelines.compare.plan import parse_seeds, plan_variants
from pipelines.compare.records import DataSource, Report
from pipelines.compare.run import compare
from pipelines.data import data_fingerprint
from pipelines.errors import PipelineError

runner = CliRunner()
TINY = str(FIXTURES / "tiny.conllu")
SMALL = {"hidden_dim": "8", "word_dim": "8", "char_dim": "4", "char_filters": "8", "depth": "1", "min_count": "1",
         "epochs": "2", "patience": "0", "batch_size": "4", "learning_rate": "0.01"}
SMALL_OPTIONS = [part for key, value in SMALL.items() for part in ("--set", f"{key}={value}")]
FILES = ["--train", TINY, "--dev", TINY, "--test", TINY]


def tiny_source():
    return DataSource.of(train=TINY, dev=TINY, test=TINY)


# ---- planning: seeds and variants ------------------------------------------------------------------------


@pytest.mark.parametrize("text,expected", [(None, [1]), ("7", [7]), ("1,2,3", [1, 2, 3]), ("1-3,10", [1, 2, 3, 10]),
                                           (" 4 , 2 ", [4, 2])])
def test_seed_lists(text, expected):
    assert parse_seeds(text) == expected


@pytest.mark.parametrize("text", ["a", "1,,2", "-1", "1.5", "3-1", "1,1", "1-3,2"])
def test_bad_seed_lists_say_what_is_accepted(text):
    with pytest.raises(PipelineError, match="whole numbers separated by commas"):
        parse_seeds(text)


def test_default_variants_are_the_three_architectures():
    assert [(v.name, v.architecture) for v in plan_variants()] == [("fcn", "fcn"), ("window", "window"),
                                                                    ("rnn", "rnn")]


def test_named_variants_and_scoped_settings():
    variants = plan_variants(["rnn", "rnn-gru=rnn", "fcn"],
                             {"hidden_dim": "64", "rnn-gru.cell": "gru", "rnn.depth": "1", "fcn.hidden_dim": "32"},
                             epochs=5)
    by_name = {v.name: v.config for v in variants}
    assert by_name["rnn-gru"].architecture == "rnn" and by_name["rnn-gru"].cell == "gru"
    assert by_name["rnn"].cell == "lstm"
    # `rnn.` names the variant rnn (a variant name wins over an architecture name)
    assert by_name["rnn"].depth == 1 and by_name["rnn-gru"].depth == 2
    assert by_name["fcn"].hidden_dim == 32 and by_name["rnn"].hidden_dim == 64  # scoped beats common
    assert {c.epochs for c in by_name.values()} == {5}


def test_architecture_scope_reaches_every_variant_of_it():
    variants = plan_variants(["small=window", "large=window", "fcn"], {"window.window": "1"})
    assert [v.config.window for v in variants] == [1, 1, 2]


def test_configs_file_json_and_toml(tmp_path):
    json_file = tmp_path / "variants.json"
    json_file.write_text(json.dumps({"gru": {"architecture": "rnn", "cell": "gru", "hidden_dim": 16},
                                     "fcn": {"depth": 1}}))
    variants = plan_variants(["window"], {"epochs": "3"}, json_file)
    assert [(v.name, v.architecture) for v in variants] == [("window", "window"), ("gru", "rnn"), ("fcn", "fcn")]
    assert variants[1].config.cell == "gru" and variants[1].config.hidden_dim == 16 and variants[2].config.depth == 1
    assert {v.config.epochs for v in variants} == {3}
    toml_file = tmp_path / "variants.toml"
    toml_file.write_text('[wide]\narchitecture = "fcn"\nhidden_dim = 512\n')
    assert plan_variants(configs_file=toml_file)[0].config.hidden_dim == 512


@pytest.mark.parametrize("archs,settings,message", [
    (["cnn"], {}, "unknown architecture 'cnn'.*accepted: fcn, window, rnn"),
    (["fcn"], {"hidden_size": "3"}, "unknown setting; accepted: word_dim.*hidden_dim"),
    (["fcn"], {"hidden_dim": "many"}, "hidden_dim='many' is not a valid int"),
    (["rnn"], {"cell": "tree"}, "cell must be one of lstm, gru"),
    (["fcn"], {"gru.cell": "gru"}, "no variant or architecture 'gru'.*variants: fcn"),
    (["fcn"], {"seed": "2"}, "--seeds"),
    (["fcn"], {"architecture": "rnn"}, "--arch"),
    (["fcn", "fcn"], {}, "given twice"),
    (["most-frequent=fcn"], {}, "baseline"),
    (["a.b=fcn"], {}, "letters, digits"),
])
def test_bad_variants_are_refused_before_anything_runs(archs, settings, message):
    with pytest.raises(PipelineError, match=message):
        plan_variants(archs, settings)


def test_bad_configs_files(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(PipelineError, match="broken.json:1: not valid JSON"):
        plan_variants(configs_file=broken)
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"big": {"architecture": "rnn", "layers": 3}}))
    with pytest.raises(PipelineError, match="unknown configuration key.*layers"):
        plan_variants(configs_file=unknown)
    nameless = tmp_path / "nameless.json"
    nameless.write_text(json.dumps({"big": {"hidden_dim": 3}}))
    with pytest.raises(PipelineError, match="needs an \"architecture\""):
        plan_variants(configs_file=nameless)


# ---- the data fingerprint and the output folder -----------------------------------------------------------


def test_fingerprint_follows_words_tags_and_tagset():
    from corpora import Corpus, Sentence

    def corpus(tag="NOUN", tagset="upos"):
        return Corpus("c", tagset, train=[Sentence(("dogs",), (tag,))], dev=[Sentence(("a",), ("DET",))],
                      test=[Sentence(("b",), ("X",))])

    assert data_fingerprint(corpus()) == data_fingerprint(corpus())
    assert data_fingerprint(corpus(tag="VERB")) != data_fingerprint(corpus())
    assert data_fingerprint(corpus(tagset="xpos")) != data_fingerprint(corpus())
    moved = corpus()
    moved.dev, moved.test = moved.test, moved.dev
    assert data_fingerprint(moved) != data_fingerprint(corpus())


def test_variants_share_a_vocabulary_unless_they_change_how_it_is_built(tiny_sentences, tmp_path):
    from corpora import Corpus
    from pipelines.compare.folder import write_vocabularies

    corpus = Corpus("tiny", "upos", train=tiny_sentences)
    variants = plan_variants(["fcn", "window", "cased=rnn"], {"cased.lowercase": "false"})
    groups = write_vocabularies(corpus, variants, tmp_path)
    assert {key: group.variants for key, group in groups.items()} == {
        "min_count-2_lowercase": ["fcn", "window"], "min_count-2_cased": ["cased"]}
    for group in groups.values():
        assert json.loads((tmp_path / group.file).read_text())["lowercase"] == group.lowercase


def test_manifest_differences_name_what_changed():
    old = {"source": "ud:en_ewt", "tagset": "upos", "data_fingerprint": "a", "variants": {"fcn": {"depth": 2}},
           "seeds": [1], "baselines": ["most-frequent", "perceptron"]}
    assert manifest_differences(old, dict(old)) == []
    changed = {**old, "variants": {"fcn": {"depth": 1}}, "seeds": [1, 2]}
    assert manifest_differences(old, changed) == ["fcn settings: depth", "seeds: was [1], now [1, 2]"]


def test_the_records_between_the_processes_round_trip_through_json():
    from pipelines.compare.records import CompareEvent, Job, RunResult, WorkerMessage
    from pipelines.training.loop import EpochRecord

    job = Job(run="fcn-seed2", row="fcn", kind="neural", seed=2, model_dir="/m/fcn-seed2", data=tiny_source(),
              data_fingerprint="sha256:x", config={"architecture": "fcn", "seed": 2}, vocabulary="/v.json",
              vocabulary_fingerprint="sha256:y")
    assert Job.from_json(json.loads(json.dumps(job.to_json()))) == job
    result = RunResult.of(job, reused=False, reason="no model yet", parameters=10, train_seconds=1.5, best_epoch=1,
                          stopped_because="all epochs done", history=[EpochRecord(1, 0.5, 0.75, 2.0)],
                          tokens_per_second=100.0, tagging_seconds=0.1, size_bytes=1000, peak_rss_bytes=None,
                          setup_rss_bytes=None, environment={"python": "3.11"}, dev_predictions=[["NOUN"]],
                          test_predictions=[["VERB", "X"]])
    for message in (WorkerMessage("result", result=result), WorkerMessage("error", message="bad"),
                    WorkerMessage("progress", progress=CompareEvent("batch", epoch=1, batch=3, loss=0.25))):
        assert WorkerMessage.from_json(json.loads(message.line())) == message


# ---- end to end, in-process (fast): the report, resuming, --force ------------------------------------------


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    output = tmp_path_factory.mktemp("compare") / "tiny"
    events = []
    result = compare(tiny_source(), plan_variants(["fcn", "window"], SMALL), [1], output,
                     progress=events.append, isolate=False)
    return result, events


def test_report_files_exist_and_parse(comparison):
    result, _ = comparison
    output = result.output
    report = json.loads((output / "report.json").read_text())
    assert report == result.report.to_json()
    assert Report.from_json(report).to_json() == report  # the typed report round-trips through its JSON
    assert (output / "learning_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = (output / "report.md").read_text()
    assert "![Learning curves](learning_curves.png)" in markdown
    assert "| model | parameters | train s | best epoch | dev acc | test acc |" in markdown
    assert "McNemar" in markdown and "One seed (1)" in markdown


def test_report_rows_hold_every_promised_figure(comparison):
    report = comparison[0].report
    assert [row.name for row in report.rows] == ["most-frequent", "perceptron", "fcn", "window"]
    for row in report.rows:
        for key in ("parameters", "train_seconds", "dev_accuracy", "test_accuracy", "tokens_per_second", "size_bytes"):
            stat = getattr(row, key)
            assert stat.mean >= 0 and stat.std is None  # one seed: no standard deviation
        assert 0 <= row.test_accuracy.mean <= 1
    neural = {row.name: row for row in report.rows if row.neural}
    assert neural["fcn"].best_epoch.mean in (1, 2)
    assert neural["window"].parameters.mean > neural["fcn"].parameters.mean
    assert (report.corpus.splits["test"].sentences, report.corpus.splits["test"].tokens) == (12, 73)
    assert report.corpus.data_fingerprint.startswith("sha256:")
    assert sum(row.best for row in report.rows) == 1
    assert set(report.learning_curves) == {"fcn", "window"}
    assert [point.epoch for point in report.learning_curves["fcn"]] == [1, 2]


def test_significance_against_the_best_on_every_other_row(comparison):
    report = comparison[0].report
    rows = {entry.row: entry for entry in report.significance}
    assert set(rows) == {row.name for row in report.rows} - {report.best}
    for entry in rows.values():
        assert len(entry.pairs) == 1 and 0 <= entry.p_value <= entry.holm_p_value <= 1
        pair = entry.pairs[0]
        best_correct = report.per_token_correct[pair.best_run]
        other_correct = report.per_token_correct[pair.other_run]
        assert len(best_correct) == len(other_correct) == 73
        assert pair.best_only_correct == sum(a == "1" and b == "0" for a, b in zip(best_correct, other_correct))


def test_every_pair_of_models_is_tested_too(comparison):
    report = comparison[0].report
    pairwise = report.pairwise
    assert pairwise.rows == ["most-frequent", "perceptron", "fcn", "window"]
    assert pairwise.p_values["fcn"]["window"] == pairwise.p_values["window"]["fcn"]
    assert 0 <= pairwise.p_values["fcn"]["window"] <= 1
    best_entry = next(entry for entry in report.significance if entry.row == "fcn")
    assert pairwise.p_values[report.best]["fcn"] == best_entry.p_value
    assert "Every pair of models" in (comparison[0].output / "report.md").read_text()


def test_per_tag_f1_side_by_side(comparison):
    per_tag = comparison[0].report.per_tag
    assert per_tag.spread_over == ["fcn", "window"]
    assert {entry.tag for entry in per_tag.tags} >= {"NOUN", "VERB", "DET", "PUNCT"}
    spreads = [entry.spread for entry in per_tag.tags]
    assert spreads == sorted(spreads, reverse=True)
    noun = next(entry for entry in per_tag.tags if entry.tag == "NOUN")
    assert noun.support == 15 and set(noun.f1) == {"most-frequent", "perceptron", "fcn", "window"}


def test_models_are_ordinary_model_directories(comparison):
    from tagger import Tagger

    models = comparison[0].output / "models"
    assert sorted(p.name for p in models.iterdir()) == ["fcn-seed1", "most-frequent", "perceptron-seed1",
                                                         "window-seed1"]
    tagger = Tagger.load(models / "fcn-seed1")
    config = json.loads((models / "fcn-seed1" / "config.json").read_text())
    assert config["data_fingerprint"] == comparison[0].report.corpus.data_fingerprint
    assert len(tagger.tag(["The", "dog", "barked"])) == 3
    # every variant read the same vocabulary file
    vocabulary = json.loads((comparison[0].output / "vocabularies" / "min_count-1_lowercase.json").read_text())
    for run in ("fcn-seed1", "window-seed1"):
        assert json.loads((models / run / "vocab.json").read_text()) == vocabulary


def test_rerun_reuses_every_model_without_training(comparison, tmp_path):
    output = tmp_path / "again"
    shutil.copytree(comparison[0].output, output)
    events = []
    result = compare(tiny_source(), plan_variants(["fcn", "window"], SMALL), [1], output, progress=events.append,
                     isolate=False)
    assert result.state == "resume"
    assert not [e for e in events if e.kind in ("train-start", "batch", "epoch")]
    assert len([e for e in events if e.kind == "reuse"]) == 4
    assert all(run.reused for run in result.report.runs)
    before = {row.name: row.test_accuracy.mean for row in comparison[0].report.rows}
    assert {row.name: row.test_accuracy.mean for row in result.report.rows} == before


def test_an_interrupted_run_is_trained_again_and_the_rest_reused(comparison, tmp_path):
    output = tmp_path / "interrupted"
    shutil.copytree(comparison[0].output, output)
    metrics_path = output / "models" / "window-seed1" / "metrics.json"
    metrics = json.loads(metrics_path.read_text())
    metrics_path.write_text(json.dumps({**metrics, "complete": False}))  # what train() leaves after Ctrl-C
    events = []
    compare(tiny_source(), plan_variants(["fcn", "window"], SMALL), [1], output, progress=events.append,
            isolate=False)
    trained = {e.run: e.message for e in events if e.kind == "train-start"}
    assert trained == {"window-seed1": "its training did not finish"}


def test_a_different_comparison_is_refused_then_replaced_with_force(comparison, tmp_path):
    output = tmp_path / "changed"
    shutil.copytree(comparison[0].output, output)
    variants = plan_variants(["fcn", "window"], {**SMALL, "window.window": "1"})
    with pytest.raises(PipelineError, match="holds a different comparison.*window settings: window.*--force"):
        compare(tiny_source(), variants, [1], output, isolate=False)
    events = []
    result = compare(tiny_source(), variants, [1], output, force=True, progress=events.append, isolate=False)
    assert result.state == "replace"
    assert {e.run for e in events if e.kind == "train-start"} == {"window-seed1"}
    assert json.loads((output / "comparison.json").read_text())["variants"]["window"]["window"] == 1


def test_a_folder_that_is_not_a_comparison_is_not_touched(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(PipelineError, match="does not hold a postag comparison.*--force"):
        compare(tiny_source(), plan_variants(["fcn"], SMALL), [1], tmp_path, isolate=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


# ---- the command line -------------------------------------------------------------------------------------


def test_cli_runs_each_model_in_its_own_process_and_measures_memory(tmp_path):
    output = tmp_path / "cli"
    result = runner.invoke(app, ["compare", *FILES, "--arch", "fcn", *SMALL_OPTIONS, "--epochs", "1",
                                 "--output", str(output), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [row["name"] for row in report["rows"]] == ["most-frequent", "perceptron", "fcn"]
    memory = {run["run"]: run["peak_rss_bytes"] for run in report["runs"]}
    assert all(value and value > 10_000_000 for value in memory.values())
    # the baselines never import TensorFlow, so they stay far below the neural run
    assert memory["most-frequent"] < memory["fcn-seed1"]
    assert report["environment"]["isolated_runs"] and report["environment"]["tensorflow"]
    assert (output / "logs" / "fcn-seed1.log").is_file()
    assert report["command"].startswith("postag compare --output ") and " --train " in report["command"]


def test_cli_table(comparison, monkeypatch):
    # A resumed comparison prints the tables without training anything.
    import pipelines.compare.run

    monkeypatch.setattr(pipelines.compare.run, "ISOLATE", False)
    result = runner.invoke(app, ["compare", *FILES, "--arch", "fcn", "--arch", "window", *SMALL_OPTIONS,
                                 "--output", str(comparison[0].output)])
    assert result.exit_code == 0, result.output
    for text in ("postag compare: tiny (upos)", "p vs best", "McNemar", "perceptron", "window", "report.md"):
        assert text in result.stdout


@pytest.mark.parametrize("options,message", [
    (["--arch", "cnn"], "unknown architecture 'cnn'; accepted: fcn, window, rnn"),
    (["--set", "hidden=3"], "unknown setting; accepted:"),
    (["--set", "depth=two"], "is not a valid int"),
    (["--set", "depth"], "--set expects KEY=VALUE"),
    (["--seeds", "1;2"], "--seeds takes whole numbers separated by commas"),
    (["--epochs", "0"], "--epochs must be a positive whole number"),
])
def test_cli_bad_input_is_one_line_and_exit_2(options, message, tmp_path):
    result = runner.invoke(app, ["compare", *FILES, *options, "--output", str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message.split(";")[0] in lines[0], result.output
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_cli_refuses_a_different_comparison_and_offers_force(comparison):
    result = runner.invoke(app, ["compare", *FILES, "--arch", "rnn", *SMALL_OPTIONS,
                                 "--output", str(comparison[0].output)])
    assert result.exit_code == 2
    assert "holds a different comparison" in result.output and "--force" in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1
