"""The exported graph (model.onnx) that tagging runs without TensorFlow gives the Keras model's logits."""

import numpy as np
import pytest
from typer.testing import CliRunner

from cli import app
from tagger import ModelError, Tagger, TaggerConfig, Vocab, Vocabularies
from tagger.training import ARCHITECTURES, KerasTagger

SMALL = dict(word_dim=16, char_dim=8, char_filters=8, hidden_dim=16, dropout=0.0, word_dropout=0.0, min_count=1)
TRAINING = [["The", "dog", "barks", "."], ["A", "cat", "sleeps", "on", "the", "mat", "."]]
PROBES = [["The", "dog", "sleeps", "."], ["Unseen", "words", ",", "Capitalised", "and", "123", "!"], ["x"],
          [], ["a", "very", "long", "sentence"] * 6]

VARIANTS = [dict(architecture=arch) for arch in sorted(ARCHITECTURES)] + [
    dict(architecture="rnn", cell="gru"), dict(architecture="rnn", bidirectional=False, depth=1),
    dict(architecture="rnn", cell="gru", bidirectional=False), dict(architecture="window", window=0),
    dict(architecture="fcn", affix_buckets=0), dict(architecture="rnn", char_kernel=4, depth=3),
    dict(architecture="rnn", input_projection=12), dict(architecture="window", input_projection=5),
    # one test per model option: each must tag through the runtime as the Keras model does
    dict(architecture="rnn", crf=True), dict(architecture="window", crf=True), dict(architecture="fcn", crf=True),
    dict(architecture="rnn", char_encoder="lstm", char_lstm_dim=6),
    dict(architecture="window", char_encoder="cnn+lstm", char_lstm_dim=5),
    dict(architecture="rnn", char_lm="test", char_lm_dim=7, char_lm_char_dim=3),
    dict(architecture="rnn", char_lm="test", char_lm_dim=7, char_lm_char_dim=3, crf=True, char_encoder="cnn+lstm"),
    dict(architecture="rnn", label_smoothing=0.1, lr_schedule="cosine"),
    dict(architecture="rnn", embeddings="vectors.txt", keep_vectors=True, vectors_dim=5),
    dict(architecture="rnn", input_projection=12, char_lm="test", char_lm_dim=7, char_lm_char_dim=3),
    dict(architecture="rnn", input_projection=12, keep_vectors=True, embeddings="vectors.txt", vectors_dim=5,
         char_encoder="lstm", crf=True),
]


def keras_tagger(variant, seed=3) -> KerasTagger:
    tags = [["DET", "NOUN", "VERB", "PUNCT"], ["DET", "NOUN", "VERB", "ADP", "DET", "NOUN", "PUNCT"]]
    vocabs = Vocabularies.build(TRAINING, tags, min_count=1)
    if variant.get("char_lm"):
        # The LM's own characters: a few, so that most of the probes' characters are unknown to it.
        vocabs.lm_chars = Vocab.build([["\n", " ", *"Thedogbarks."]])
    return KerasTagger(TaggerConfig(seed=seed, **{**SMALL, **variant}), vocabs, metadata={"tagset": "upos"})


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(f"{k}={v[k]}" for k in v))
def test_the_runtime_gives_the_keras_logits(variant, tmp_path):
    keras_side = keras_tagger(variant)
    # Random weights would make every logit tiny: spread them so that differences would show.
    keras_side.model.set_weights([w * 4 for w in keras_side.model.get_weights()])
    if keras_side.model.crfs:
        for crf in keras_side.model.crfs:  # transitions strong enough to change some tags
            crf.transitions.assign(np.random.default_rng(0).normal(0, 3, crf.transitions.shape))
    keras_side.save(tmp_path / "model")
    runtime = Tagger.load(tmp_path / "model")
    batch = [s for s in PROBES if s]
    expected = np.asarray(keras_side.model(runtime.encoder.inputs(batch), training=False))
    inputs, _, _ = runtime.encoder.spelling_inputs(batch)
    inputs["known_features"] = np.zeros((0, runtime._kept.shape[1]), np.float32)
    if runtime.char_lm:  # per position: the sentence's characters for the LM
        inputs.update(runtime.encoder.lm_inputs(batch, inputs["spelling_index"].shape[1]))
    exported = runtime.session.run(["logits"], inputs)[0]
    lengths = [len(s) for s in batch]
    for row, length in enumerate(lengths):  # padded positions may differ; they are never read
        np.testing.assert_allclose(exported[row, :length], expected[row, :length], rtol=1e-4, atol=1e-4)
    assert runtime.tag_sents(PROBES) == keras_side.tag_sents(PROBES)


def test_scored_tags_are_probabilities_best_first(tmp_path):
    keras_side = keras_tagger({"architecture": "rnn"})
    keras_side.save(tmp_path / "model")
    runtime = Tagger.load(tmp_path / "model")
    scored = runtime.tag_sents_scored(PROBES, top_k=3)
    best = runtime.tag_sents(PROBES)
    assert [len(s) for s in scored] == [len(s) for s in PROBES]
    for sentence, tags in zip(scored, best):
        for token, tag in zip(sentence, tags):
            assert len(token) == 3 and token[0][0] == tag
            probabilities = [p for _, p in token]
            assert probabilities == sorted(probabilities, reverse=True) and 0 < sum(probabilities) <= 1.0001
    everything = runtime.tag_sents_scored([["dog"]], top_k=100)[0][0]
    assert len(everything) == len(runtime.tagset) and sum(p for _, p in everything) == pytest.approx(1, abs=1e-5)


def test_tagging_with_the_runtime_imports_no_tensorflow(tmp_path):
    import subprocess
    import sys

    keras_tagger({"architecture": "rnn"}).save(tmp_path / "model")
    code = ("import sys, tagger; t = tagger.load(sys.argv[1]); print(t.tag(['The', 'dog'])); "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TensorFlow was imported'")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "model")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("'") == 4  # two tags printed


def test_a_format_2_directory_is_refused_until_upgraded_explicitly(tmp_path):
    import json

    from pipelines.models.upgrade import upgrade_model
    from tagger.errors import OutdatedModel

    keras_side = keras_tagger({"architecture": "window"})
    keras_side.save(tmp_path / "model")
    # What a directory saved before the runtime looked like: no graph, no checksums, format 2.
    (tmp_path / "model" / "model.onnx").unlink()
    (tmp_path / "model" / "SHA256SUMS").unlink()
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    (tmp_path / "model" / "config.json").write_text(json.dumps({**config, "format_version": 2}))
    with pytest.raises(OutdatedModel, match="postag models upgrade"):
        Tagger.load(tmp_path / "model")
    assert not (tmp_path / "model" / "model.onnx").exists()  # loading changed nothing
    assert upgrade_model(tmp_path / "model").upgraded
    runtime = Tagger.load(tmp_path / "model")
    assert runtime.tag_sents(PROBES) == keras_side.tag_sents(PROBES)
    assert (tmp_path / "model" / "model.onnx").is_file() and (tmp_path / "model" / "SHA256SUMS").is_file()
    assert json.loads((tmp_path / "model" / "config.json").read_text())["format_version"] == 3


def test_a_graph_from_an_earlier_postag_is_exported_again_from_the_weights_on_request(tmp_path):
    """A graph with other inputs than the runtime gives (an earlier export) is replaced from the weights by
    `postag models upgrade`, never by loading."""
    import json

    import onnx
    from onnx import TensorProto, helper

    from pipelines.models.upgrade import upgrade_model
    from tagger.errors import OutdatedModel
    from tagger.modeldir import write_checksums

    keras_side = keras_tagger({"architecture": "fcn"})
    keras_side.save(tmp_path / "model")
    old = helper.make_model(helper.make_graph(
        [helper.make_node("Identity", ["words"], ["logits"])], "old",
        [helper.make_tensor_value_info("words", TensorProto.INT32, ["b", "t"])],
        [helper.make_tensor_value_info("logits", TensorProto.INT32, ["b", "t"])]))
    (tmp_path / "model" / "model.onnx").write_bytes(old.SerializeToString())
    write_checksums(tmp_path / "model")
    with pytest.raises(OutdatedModel, match="postag models upgrade"):
        Tagger.load(tmp_path / "model")
    result = CliRunner().invoke(app, ["models", "upgrade", str(tmp_path / "model")])
    assert result.exit_code == 0 and "upgraded" in result.output, result.output
    assert not upgrade_model(tmp_path / "model").upgraded  # now current: left as it is
    runtime = Tagger.load(tmp_path / "model")
    assert runtime.tag_sents(PROBES) == keras_side.tag_sents(PROBES)
    assert "known_features" in {i.name for i in onnx.load(tmp_path / "model" / "model.onnx").graph.input}
    assert json.loads((tmp_path / "model" / "config.json").read_text())["format_version"] == 3
    (tmp_path / "model" / "model.weights.h5").unlink()  # without weights: one clear error, no traceback
    (tmp_path / "model" / "model.onnx").write_bytes(old.SerializeToString())
    write_checksums(tmp_path / "model")
    with pytest.raises(ModelError, match="no weights to export it again from; retrain"):
        Tagger.load(tmp_path / "model")


def test_quantized_tables_give_each_row_within_half_a_step(tmp_path):
    """quantize_tables: a Gather from a float table becomes one from int8 codes times the row's scale; every
    row comes back within half of its scale, an all-zero row exactly, and the graph shrinks."""
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    from tagger.training.export import quantize_tables

    table = np.random.default_rng(0).normal(0, 1, (500, 32)).astype(np.float32)
    table[3] = 0.0
    table[4] *= 1000.0  # a row far larger than the rest keeps its own precision
    graph = helper.make_graph(
        [helper.make_node("Gather", ["word_embedding", "ids"], ["rows"], name="node_word_vectors")], "g",
        [helper.make_tensor_value_info("ids", TensorProto.INT32, [None])],
        [helper.make_tensor_value_info("rows", TensorProto.FLOAT, [None, 32])],
        [numpy_helper.from_array(table, "word_embedding")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    before = len(model.SerializeToString())
    quantize_tables(model)
    assert [t.name for t in model.graph.initializer] == ["word_embedding_int8", "word_embedding_scale"]
    assert len(model.SerializeToString()) < before / 3
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    ids = np.array([0, 3, 4, 499, 4], np.int32)
    rows = session.run(["rows"], {"ids": ids})[0]
    steps = np.abs(table[ids]).max(axis=1, keepdims=True) / 127
    assert np.all(np.abs(rows - table[ids]) <= steps / 2 + 1e-6)
    assert np.all(rows[1] == 0.0)
    assert not np.allclose(rows, table[ids], atol=1e-9)  # it did quantize


def test_8_bit_tables_keep_the_graph_close_and_the_shipped_build_uses_them(tmp_path):
    """Embedding tables in 8 bits change a spelling's encoder row (word vector ++ char CNN ++ affix vectors)
    by at most half a quantization step of the largest table value; the shipped build's quantize_graph stores
    them so (besides its int8 recurrent and dense weights), and the runtime loads and tags with the result."""
    import onnx

    from tagger.modeldir import GRAPH_FILE, write_checksums
    from tagger.training.export import quantize_graph, quantize_tables

    keras_side = keras_tagger(dict(architecture="rnn", crf=True))
    keras_side.save(tmp_path / "model")
    batch = [s for s in PROBES if s]
    graph = tmp_path / "model" / GRAPH_FILE
    float_graph = graph.read_bytes()

    def load_with(graph_bytes: bytes) -> Tagger:
        graph.write_bytes(graph_bytes)
        (tmp_path / "model" / "SHA256SUMS").unlink()
        write_checksums(tmp_path / "model")
        return Tagger.load(tmp_path / "model")

    def encoder_rows(runtime: Tagger) -> np.ndarray:
        inputs, _, _ = runtime.encoder.spelling_inputs(batch)
        inputs["known_features"] = np.zeros((0, runtime._kept.shape[1]), np.float32)
        return runtime.session.run(["spelling_features"], inputs)[0]

    float_rows = encoder_rows(Tagger.load(tmp_path / "model"))
    tables_only = onnx.load_from_string(float_graph)
    quantize_tables(tables_only)
    largest = max(np.abs(onnx.numpy_helper.to_array(t)).max() for t in onnx.load_from_string(float_graph)
                  .graph.initializer if t.name in ("word_embedding", "affix_embedding"))
    quantized_rows = encoder_rows(load_with(tables_only.SerializeToString()))
    difference = np.abs(quantized_rows - float_rows)
    assert difference.max() <= largest / 254 + 1e-6
    assert difference.max() > 0  # it did quantize

    runtime = load_with(quantize_graph(float_graph))
    names = {t.name for t in onnx.load(str(graph)).graph.initializer}
    assert {"word_embedding_int8", "affix_embedding_int8"} <= names and "word_embedding" not in names
    assert [len(tags) for tags in runtime.tag_sents(PROBES)] == [len(s) for s in PROBES]
