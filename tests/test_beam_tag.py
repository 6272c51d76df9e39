"""`postag tag --engine beam`: an Apache Beam pipeline whose shards are exactly what `postag tag` writes for
the files manifest.json lists for each. Runs on Beam's in-process runner; skipped without apache-beam."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("apache_beam", reason="apache-beam is not installed (pip install '.[beam]')")

from cli import app  # noqa: E402
from pipelines.tagging.stream import TagOptions, tag_files  # noqa: E402

TEXTS = {
    "alpha.txt": "The old man the boats. Time flies like an arrow.\n\nFruit flies like a banana!\n" * 6,
    "beta.txt": "Dr. Smith arrived at 5 p.m. yesterday.\r\n\r\nShe said: \"It's fine.\"\r\n" * 5,
    "gamma.txt": "Ünïcödé wörds, and emoji 😀 too.\n" + "A line without an end",
    "empty.txt": "",
}


@pytest.fixture(scope="module")
def model(tmp_path_factory, tiny_sentences) -> str:
    from corpora import Corpus
    from pipelines.training.tagger import train
    from tagger import TaggerConfig

    folder = tmp_path_factory.mktemp("model") / "tiny"
    config = TaggerConfig(architecture="window", word_dim=8, char_dim=4, char_filters=4, hidden_dim=8, depth=1,
                          min_count=1, epochs=1, batch_size=4)
    train(Corpus("tiny", "upos", train=tiny_sentences), config, output=folder)
    return str(folder)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for name, text in TEXTS.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    return folder


def postag_tag(model: str, sources: list[str], options: TagOptions) -> str:
    import tagger

    out: list[str] = []
    tag_files(tagger.load(model), sources, out.append, options, workers=1)
    return "".join(out)


def test_each_shard_is_what_postag_tag_writes_for_its_files(model, corpus, tmp_path):
    import tagger
    from pipelines.tagging.beam import tag_with_beam

    options = TagOptions(output_format="conllu")
    # Small blocks: every file is cut into several, which workers tag apart and the shard puts back in order.
    summary = tag_with_beam(tagger.load(model), model, [str(corpus / "*.txt")], str(tmp_path / "out"), options,
                            shards=2, block_chars=60)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [shard["file"] for shard in manifest["shards"]] == ["tagged-00000-of-00002.conllu",
                                                              "tagged-00001-of-00002.conllu"]
    listed = [source for shard in manifest["shards"] for source in shard["sources"]]
    assert sorted(listed) == sorted(str(corpus / name) for name in TEXTS)  # every file once
    tokens = 0
    for shard in manifest["shards"]:
        written = (tmp_path / "out" / shard["file"]).read_text(encoding="utf-8")
        assert written == postag_tag(model, shard["sources"], options)
        assert shard["sources"] == sorted(shard["sources"])
        tokens += shard["tokens"]
    assert summary.tokens == tokens == manifest["tokens"] > 100 and summary.files == len(TEXTS)
    assert not [path for path in (tmp_path / "out").iterdir() if path.name.startswith(".")]  # no temporaries


def test_command_line_passes_beam_options_and_writes_json_lines(model, corpus, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["tag", str(corpus / "*.txt"), "--model", model, "--format", "json",
                                      "--engine", "beam", "--output-dir", str(out),
                                      "--direct_running_mode=in_memory", "--direct_num_workers=1"])
    assert result.exit_code == 0, result.output
    assert "tokens" in result.output and "FnApiRunner" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "json" and len(manifest["shards"]) == 1
    (shard,) = manifest["shards"]
    expected = CliRunner().invoke(app, ["tag", *shard["sources"], "--model", model, "--format", "json"])
    assert (out / shard["file"]).read_text(encoding="utf-8") == expected.stdout
    assert all(json.loads(line)["source"] in shard["sources"] for line in expected.stdout.splitlines())


@pytest.mark.parametrize("arguments, message", [
    (["{corpus}/*.none", "--engine", "beam", "--output-dir", "{out}"], "no file matches"),
    (["{corpus}/*.txt", "--engine", "beam"], "--output-dir"),
    (["{corpus}/alpha.txt", "--output-dir", "{out}"], "go with --engine beam"),
    (["{corpus}/alpha.txt", "--runner=DataflowRunner"], "no such option: --runner=DataflowRunner"),
    (["{corpus}/*.txt", "--engine", "beam", "--output-dir", "{corpus}"], "is not empty"),
    (["{corpus}/*.txt", "--engine", "spark"], "--engine must be local or beam"),
])
def test_mistakes_are_one_line_errors(model, corpus, tmp_path, arguments, message):
    filled = [argument.format(corpus=corpus, out=tmp_path / "out") for argument in arguments]
    result = CliRunner().invoke(app, ["tag", *filled, "--model", model])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_a_file_that_is_not_utf8_is_named_in_one_line(model, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.txt").write_bytes(b"fine words\n\xff\xfe then not\n")
    result = CliRunner().invoke(app, ["tag", str(tmp_path / "in" / "*.txt"), "--model", model, "--engine", "beam",
                                      "--output-dir", str(tmp_path / "out"), "--direct_running_mode=in_memory",
                                      "--direct_num_workers=1"])
    assert result.exit_code == 2
    assert "bad.txt: not valid UTF-8 at byte 11" in result.output and len(result.output.strip().splitlines()) == 1
