"""The command line's parts in commands/: the command line written into reports, the one progress display and
its readers, and `postag tokenize` streaming (pipelines.tagging.tokenize)."""

import io
import json
from typing import Annotated

import typer
from rich.console import Console
from typer.testing import CliRunner

from commands import progress as progress_module
from commands.options import Settings, option
from commands.progress import Bar, CompareReader, ProgressDisplay, TrainingReader, tag_reader
from commands.terminal import command_line
from pipelines.compare.records import CompareEvent
from pipelines.tagging.stream import TagProgress
from pipelines.tagging.tokenize import iter_sentences, tokenize_file
from pipelines.tagging.tokenizers import RuleTokenizer
from pipelines.training.loop import EpochRecord, TrainProgress

# ---- command_line ---------------------------------------------------------------------------------------------


def test_command_line_repeats_what_the_user_gave_and_leaves_out_defaults():
    app = typer.Typer()
    seen = {}

    @app.command()
    def run(context: typer.Context,
            files: Annotated[list[str], typer.Argument()],
            output: Annotated[str, option("--output", "where", "-o")],
            epochs: Annotated[int | None, option("--epochs", "how many")] = None,
            seeds: Annotated[str, option("--seeds", "which")] = "1",
            baselines: Annotated[bool, option("--baselines/--no-baselines", "rows")] = True,
            settings: Settings = []):  # noqa: B006
        seen["line"] = command_line(context)

    @app.command()
    def other():  # a second command, so that `run` is a subcommand as in postag
        pass

    result = CliRunner().invoke(app, ["run", "a b.txt", "c.txt", "-o", "out dir", "--no-baselines", "--set", "x=1",
                                      "--set", "y=2", "--seeds", "1"])
    assert result.exit_code == 0, result.output
    # the path as given on the command line (the runner's program name is replaced by postag), quoted for a shell
    assert seen["line"] == ("postag run 'a b.txt' c.txt --output 'out dir' --seeds 1 --no-baselines --set x=1 "
                            "--set y=2")


# ---- the progress display ----------------------------------------------------------------------------------


def training_events():
    yield TrainProgress("start", epochs=2)
    for epoch in (1, 2):
        for batch in (1, 2, 3):
            yield TrainProgress("batch", epoch, 2, batch, 3, loss=1.0 / batch)
        yield TrainProgress("epoch", epoch, 2, record=EpochRecord(epoch, 0.5, 0.9 + epoch / 100, 1.0))


def test_training_reader_gives_each_epoch_a_bar_that_ends_with_its_dev_score():
    reader = TrainingReader()
    bars = [bar for event in training_events() for bar in reader(event)]
    assert [bar.key for bar in bars] == ["epoch 1"] * 4 + ["epoch 2"] * 4
    assert (bars[2].completed, bars[2].total, bars[2].status) == (3, 3, "loss 0.3333")
    assert bars[3].description == "epoch 1/2 dev accuracy 91.00%" and bars[3].completed == 3
    assert bars[0].status == "loss 1.0000"


def test_tag_reader_counts_bytes_and_speed():
    [bar] = tag_reader(TagProgress(500, 1000, 2000, 10, 2.0))
    assert (bar.completed, bar.total, bar.status) == (500, 1000, "1,000 tokens/s")
    [unknown] = tag_reader(TagProgress(500, None, 0, 0, 0.0))
    assert unknown.total is None and unknown.status == ""


def test_compare_reader_says_each_run_with_its_best_dev_accuracy():
    reader = CompareReader()
    events = [CompareEvent("plan", total=2, message="resume"), CompareEvent("run-start", "rnn-seed1"),
              CompareEvent("batch", "rnn-seed1", epoch=1, epochs=2, batch=1, batches=4, loss=0.5),
              CompareEvent("epoch", "rnn-seed1", dev_accuracy=0.9),
              CompareEvent("epoch", "rnn-seed1", dev_accuracy=0.8),
              CompareEvent("run-done", "rnn-seed1", index=1, total=2),
              CompareEvent("run-start", "fcn-seed1"),
              CompareEvent("run-done", "fcn-seed1", index=2, total=2, message="reused")]
    items = [item for event in events for item in reader(event)]
    said = [item for item in items if isinstance(item, str)]
    assert said == ["resuming: models that finished training are reused", "[1/2] rnn-seed1: trained, best dev "
                    "accuracy 90.00%", "[2/2] fcn-seed1: reused"]
    finished = [item.key for item in items if isinstance(item, Bar) and item.finished]
    assert finished == ["run", "run"]
    overall = [item.completed for item in items if isinstance(item, Bar) and item.key == "comparison"]
    assert overall == [0, 1, 2]


def recording(monkeypatch) -> io.StringIO:
    stream = io.StringIO()
    monkeypatch.setattr(progress_module, "err_console", Console(file=stream, width=100, force_terminal=False))
    return stream


def test_progress_display_draws_bars_and_says_lines(monkeypatch):
    stream = recording(monkeypatch)

    def reader(event):
        return [f"reading {event}", Bar("work", "working", event, 2, "half")]

    with ProgressDisplay(reader) as display:
        display.update(1)
        assert set(display.tasks) == {"work"}
    output = stream.getvalue()
    assert "reading 1" in output and "working" in output and "1/2" in output


def test_progress_display_starts_on_the_first_event_and_can_stay_silent(monkeypatch):
    stream = recording(monkeypatch)
    with ProgressDisplay(lambda event: [Bar("x", "x", 1, 1)]) as display:
        assert display.progress is None  # nothing drawn before the pipeline reports
    with ProgressDisplay(lambda event: [Bar("x", "x", 1, 1)], show=False) as display:
        display.update("event")
        assert display.progress is None
    assert stream.getvalue() == ""


def test_progress_display_removes_a_finished_bar(monkeypatch):
    recording(monkeypatch)
    with ProgressDisplay(lambda event: [Bar("run", "run", finished=event)]) as display:
        display.update(False)
        assert "run" in display.tasks
        display.update(True)
        assert display.tasks == {}


# ---- postag tokenize streams ---------------------------------------------------------------------------------

TEXT = ("Dr. Smith went to Washington. He didn't stay long!\n\nA second paragraph, with a comma.\n"
        "And a third line without a full stop\n\n") * 40


def test_tokenize_streams_blocks_and_offsets_index_the_whole_text(tmp_path):
    path = tmp_path / "raw.txt"
    path.write_bytes(("\ufeff" + TEXT).encode("utf-8"))
    whole = list(iter_sentences(str(path), RuleTokenizer()))
    small_blocks = list(iter_sentences(str(path), RuleTokenizer(), block_chars=50))
    assert [s.words for s, _ in small_blocks] == [s.words for s, _ in whole]
    assert [s.spans for s, _ in small_blocks] == [s.spans for s, _ in whole]
    assert len(whole) == 40 * 4 and whole[-1][0].spans[-1][1] <= len(TEXT)
    for sentence, text in whole:
        assert TEXT[sentence.spans[0][0] : sentence.spans[-1][1]] == text
        for word, (start, end) in zip(sentence.words, sentence.spans):
            assert TEXT[start:end] == word or word in ("did", "n't")  # a multiword token's words share its span


def test_tokenize_json_is_one_object_with_every_sentence(tmp_path):
    path = tmp_path / "raw.txt"
    path.write_text(TEXT, encoding="utf-8")
    written: list[str] = []
    summary = tokenize_file(str(path), RuleTokenizer(), written.append, "json", block_chars=60)
    data = json.loads("".join(written))
    assert data["source"] == str(path) and len(data["sentences"]) == summary.sentences == 160
    first = data["sentences"][0]
    assert first["text"] == "Dr. Smith went to Washington." and first["words"][0] == {"word": "Dr.", "start": 0,
                                                                                       "end": 3}
    empty: list[str] = []
    (tmp_path / "empty.txt").write_text("")
    tokenize_file(str(tmp_path / "empty.txt"), RuleTokenizer(), empty.append, "json")
    assert json.loads("".join(empty))["sentences"] == []
