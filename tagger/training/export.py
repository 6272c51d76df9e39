"""Export a trained Keras tagger to an ONNX graph that tagger.runtime runs without TensorFlow.

The graph is built node by node from the Keras weights (no converter in between), so it holds exactly the
operations tagging needs: embeddings as Gather, the character CNN as one MatMul over each character's window
(Pad, Slice, Concat) + ReduceMax, dense layers as MatMul, and the recurrent stack as ONNX's own LSTM or GRU
operator (one fused kernel per layer, with the sentence lengths, rather than a slow Loop).

Everything the encoder computes is a function of a word's spelling (its word id, characters and affixes), so
the graph takes one row per distinct spelling of the batch and gathers the rows to positions only after the
encoder (the same values as SequenceTagger's per-position inputs; tagger.encoding.SentenceEncoder.spelling_inputs
builds them):

    spelling_index [B, T]  (0 = padding), spelling_words [S], spellings [S, C], spelling_affixes [S, A]  (int32),
    known_features [K, D]  (float: rows the runtime computed in earlier batches)
        ->  logits [B, T, tags]   (and logits_1, ... [B, T, tags of that head] for further output heads),
            spelling_features [S, D]  (this batch's new rows, for the runtime to keep)

spelling_index points into the S new rows, then the K known ones: a spelling seen before costs nothing in the
encoder. The encoder's products stay in float32 when the rest is quantized, so that a kept row is exactly the
row the graph would compute again (the output never depends on what was kept).

With a character language model three more inputs come in, per position rather than per spelling (its states
depend on the sentence): lm_chars [B, L], lm_forward and lm_backward [B, T]; its features join the gathered
encoder rows. A CRF head's transition scores travel in the graph's metadata (`crf`: a JSON list, one entry per
head), which tagger.runtime reads to decode with Viterbi in numpy.
"""

from __future__ import annotations

import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tagger.encoding import AFFIX_KINDS
from tagger.modeldir import CRF_METADATA, GRAPH_INPUTS, LM_INPUTS, graph_outputs
from tagger.vocab import UNK_ID

OPSET = 17
IR_VERSION = 8  # readable by every onnxruntime since 1.14
INPUTS = GRAPH_INPUTS
FEATURES = "spelling_features"
# kept in float32 by quantize_graph: a spelling's row must be what the graph would compute again
ENCODER_NODES = ("node_char_conv", "node_char_lstm", "node_input_projection")


class GraphBuilder:
    """Collects nodes and weights; every method returns the name of the tensor it made."""

    def __init__(self):
        self.nodes: list[onnx.NodeProto] = []
        self.weights: list[onnx.TensorProto] = []
        self.names: set[str] = set()

    def fresh(self, stem: str) -> str:
        name, n = stem, 1
        while name in self.names:
            n += 1
            name = f"{stem}_{n}"
        self.names.add(name)
        return name

    def weight(self, stem: str, value: np.ndarray) -> str:
        name = self.fresh(stem)
        self.weights.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], stem: str | None = None, outputs: int = 1, **attributes):
        names = [self.fresh(f"{stem or op_type.lower()}" + (f"_out{i}" if outputs > 1 else ""))
                 for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, names, name=self.fresh(f"node_{names[0]}"),
                                           **attributes))
        return names[0] if outputs == 1 else names

    def dense(self, x: str, kernel: np.ndarray, bias: np.ndarray, stem: str, activation: str | None = None) -> str:
        product = self.op("MatMul", [x, self.weight(f"{stem}_kernel", kernel)], stem=f"{stem}_matmul")
        y = self.op("Add", [product, self.weight(f"{stem}_bias", bias)], stem=stem)
        return self.op("Relu", [y], stem=f"{stem}_relu") if activation == "relu" else y


def export_graph(model) -> bytes:
    """The serialized ONNX graph of a built SequenceTagger (tagger.training.architectures), one output per head."""
    g = GraphBuilder()
    char_lm = model.char_lm is not None
    g.names.update((*INPUTS, *(LM_INPUTS if char_lm else ()), FEATURES, *graph_outputs(len(model.output_layers))))
    zero = g.weight("zero", np.array(0, np.int32))
    mask = g.op("Greater", ["spelling_index", zero], stem="mask")  # [B, T] bool: real tokens
    features, by_spelling = _encoder(g, model.encoder, model.input_projection)
    g.nodes.append(helper.make_node("Identity", [by_spelling], [FEATURES], name="node_features_out"))
    if char_lm:  # per position, after the rows kept per spelling (as in SequenceTagger.call)
        features = g.op("Concat", [features, _char_lm(g, model.char_lm)], stem="features_and_lm", axis=-1)
    feature_dim = model.input_projection.units if model.input_projection is not None else model.encoder.output_dim
    body = model.body
    kind = type(body).__name__
    if kind == "FCNBody":
        hidden = _dense_stack(g, features, body.stack)
    elif kind == "WindowBody":
        hidden = _dense_stack(g, _window(g, features, mask, body.concat.window), body.stack)
    elif kind == "RNNBody":
        hidden = _recurrent(g, features, mask, body)
    else:
        raise ValueError(f"no ONNX export for the {kind} architecture body")
    outputs = [helper.make_tensor_value_info(FEATURES, TensorProto.FLOAT, ["spellings", feature_dim])]
    for name, layer in zip(graph_outputs(len(model.output_layers)), model.output_layers):
        logits = g.dense(hidden, layer.kernel.numpy(), layer.bias.numpy(), f"{name}_dense")
        g.nodes.append(helper.make_node("Identity", [logits], [name], name=f"node_{name}"))
        outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", "length",
                                                                              layer.kernel.shape[1]]))

    int_input = [helper.make_tensor_value_info("spelling_index", TensorProto.INT32, ["batch", "length"]),
                 helper.make_tensor_value_info("spelling_words", TensorProto.INT32, ["spellings"]),
                 helper.make_tensor_value_info("spellings", TensorProto.INT32, ["spellings", "characters"]),
                 helper.make_tensor_value_info("spelling_affixes", TensorProto.INT32, ["spellings", len(AFFIX_KINDS)]),
                 helper.make_tensor_value_info("known_features", TensorProto.FLOAT, ["known", feature_dim])]
    if char_lm:
        int_input += [helper.make_tensor_value_info("lm_chars", TensorProto.INT32, ["batch", "lm_length"]),
                      helper.make_tensor_value_info("lm_forward", TensorProto.INT32, ["batch", "length"]),
                      helper.make_tensor_value_info("lm_backward", TensorProto.INT32, ["batch", "length"])]
    graph = helper.make_graph(g.nodes, "postag_tagger", int_input, outputs, initializer=g.weights)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="postag")
    onnx_model.ir_version = IR_VERSION
    if model.crfs:
        heads = [{"transitions": crf.transitions.numpy().tolist(), "start": crf.start_transitions.numpy().tolist(),
                  "end": crf.end_transitions.numpy().tolist()} for crf in model.crfs]
        helper.set_model_props(onnx_model, {CRF_METADATA: json.dumps(heads)})
    onnx.checker.check_model(onnx_model)
    return onnx_model.SerializeToString()


def _encoder(g: GraphBuilder, encoder, projection=None) -> tuple[str, str]:
    """Word embedding (++ kept vectors) ++ max-pooled character CNN and/or character BiLSTM ++ affix
    embeddings, per spelling; then, with the known rows after the new ones, gathered to positions:
    (features [B, T, D], the new rows [S, D])."""
    learned_ids = "spelling_words"
    if encoder.kept_vectors is not None and encoder.learned_words:
        # Words added from the vectors file are <unk> in the learned table, as in the Keras layer.
        added = g.op("GreaterOrEqual", ["spelling_words", g.weight("learned_words",
                                                                   np.array(encoder.learned_words, np.int32))])
        learned_ids = g.op("Where", [added, g.weight("unk_id", np.array(UNK_ID, np.int32)), "spelling_words"])
    word_vectors = g.op("Gather", [g.weight("word_embedding", encoder.word_embedding.embeddings.numpy()),
                                   learned_ids], stem="word_vectors")  # [S, W]
    if encoder.kept_vectors is not None:
        kept = g.op("Gather", [g.weight("kept_vectors", encoder.kept_vectors.embeddings.numpy()), "spelling_words"])
        word_vectors = g.op("Concat", [word_vectors, kept], stem="word_and_kept_vectors", axis=-1)
    chars = g.op("Gather", [g.weight("char_embedding", encoder.char_embedding.embeddings.numpy()), "spellings"],
                 stem="char_vectors")  # [S, C, char_dim]
    zero = g.weight("zero_char", np.array(0, np.int32))
    present = g.op("Greater", ["spellings", zero])  # [S, C] bool: real characters
    spelling_parts = []
    if encoder.char_conv is not None:
        conv = encoder.char_conv
        kernel = conv.kernel.numpy()  # Keras [width, in, out]
        width, char_dim, filters = kernel.shape
        left = (width - 1) // 2  # "same" padding, the extra column on the right as TensorFlow does
        # The convolution as one matrix product over every character's window (width x char_dim values side by
        # side): for words of a few characters that is faster here than ONNX Runtime's Conv.
        padded = g.op("Pad", [chars, g.weight("char_pads", np.array([0, left, 0, 0, width - 1 - left, 0],
                                                                    np.int64))])
        characters = g.op("Gather", [g.op("Shape", ["spellings"]),
                                     g.weight("index_1_chars", np.array([1], np.int64))])
        axis = g.weight("axis_chars", np.array([1], np.int64))
        windows = []
        for offset in range(width):
            start = g.weight(f"char_start_{offset}", np.array([offset], np.int64))
            windows.append(g.op("Slice", [padded, start, g.op("Add", [characters, start]), axis]))
        stacked = g.op("Concat", windows, stem="char_windows", axis=-1) if width > 1 else windows[0]
        activated = g.dense(stacked, kernel.reshape(width * char_dim, filters), conv.bias.numpy(), "char_conv",
                            activation="relu")  # [S, C, F]
        char_mask = g.op("Unsqueeze", [g.op("Cast", [present], to=TensorProto.FLOAT),
                                       g.weight("axis_last_chars", np.array([-1], np.int64))])
        # Zero at padded characters cannot win the max over ReLU outputs, as in the Keras layer.
        spelling_parts.append(g.op("ReduceMax", [g.op("Mul", [activated, char_mask])], stem="spelling_vectors",
                                   axes=[1], keepdims=0))
    if encoder.char_lstm is not None:
        spelling_parts.append(_char_lstm(g, chars, present, encoder.char_lstm))
    pooled = spelling_parts[0] if len(spelling_parts) == 1 else g.op("Concat", spelling_parts, axis=-1)
    parts = [word_vectors, pooled]
    if encoder.affix_embedding is not None:
        affixes = g.op("Gather", [g.weight("affix_embedding", encoder.affix_embedding.embeddings.numpy()),
                                  "spelling_affixes"])  # [S, A, affix_dim]
        flat = g.weight("affix_shape", np.array([0, len(AFFIX_KINDS) * encoder.affix_dim], np.int64))
        parts.append(g.op("Reshape", [affixes, flat], stem="affix_repr"))
    by_spelling = g.op("Concat", parts, stem="spelling_rows", axis=-1)  # [S, D]
    if projection is not None:  # a function of the spelling too: once per spelling, not per position
        by_spelling = g.dense(by_spelling, projection.kernel.numpy(), projection.bias.numpy(), "input_projection")
    table = g.op("Concat", [by_spelling, "known_features"], stem="feature_table", axis=0)  # [S + K, D]
    return g.op("Gather", [table, "spelling_index"], stem="features"), by_spelling  # [B, T, D]


def _char_lstm(g: GraphBuilder, chars: str, present: str, bidirectional) -> str:
    """[S, 2H]: the final states of a character BiLSTM over each spelling, forward half first (as Keras)."""
    lengths = g.op("ReduceSum", [g.op("Cast", [present], to=TensorProto.INT32),
                                 g.weight("axis_chars", np.array([1], np.int64))], keepdims=0)
    # Row 0 (all padding, read only by padded positions) gets one step rather than none, which not every
    # runtime accepts.
    lengths = g.op("Max", [lengths, g.weight("one_char", np.array(1, np.int32))], stem="char_lengths")
    cells = [bidirectional.forward_layer.cell, bidirectional.backward_layer.cell]
    w, r, b = (np.stack([part[k] for part in map(_lstm_weights, cells)]) for k in range(3))
    _, final = g.op("LSTM", [g.op("Transpose", [chars], perm=[1, 0, 2]), g.weight("char_lstm_W", w),
                             g.weight("char_lstm_R", r), g.weight("char_lstm_B", b), lengths],
                    stem="char_lstm", outputs=2, hidden_size=cells[0].units, direction="bidirectional")
    # Y_h is [directions, S, H]
    return g.op("Reshape", [g.op("Transpose", [final], perm=[1, 0, 2]),
                            g.weight("char_lstm_shape", np.array([0, 2 * cells[0].units], np.int64))])


def _char_lm(g: GraphBuilder, lm) -> str:
    """[B, T, 2H]: the LM's forward state at lm_forward and backward state at lm_backward (flat indices)."""
    zero = g.weight("zero_lm", np.array(0, np.int32))
    lengths = g.op("ReduceSum", [g.op("Cast", [g.op("Greater", ["lm_chars", zero])], to=TensorProto.INT32),
                                 g.weight("axis_lm", np.array([1], np.int64))], stem="lm_lengths", keepdims=0)
    time_major = g.op("Transpose", ["lm_chars"], perm=[1, 0])  # [L, B]
    flat_shape = g.weight("lm_flat_shape", np.array([-1, lm.units], np.int64))
    parts = []
    for name, embedding, lstm, direction, index in (
            ("forward", lm.forward_embedding, lm.forward_lstm, "forward", "lm_forward"),
            ("backward", lm.backward_embedding, lm.backward_lstm, "reverse", "lm_backward")):
        embedded = g.op("Gather", [g.weight(f"lm_{name}_embedding", embedding.embeddings.numpy()), time_major])
        w, r, b = (part[None] for part in _lstm_weights(lstm.cell))
        states = g.op("LSTM", [embedded, g.weight(f"lm_{name}_W", w), g.weight(f"lm_{name}_R", r),
                               g.weight(f"lm_{name}_B", b), lengths],
                      stem=f"lm_{name}", outputs=1, hidden_size=lm.units, direction=direction)
        # Y [L, 1, B, H] -> [B, L, H] -> [B * L, H], then the rows the encoder pointed at.
        batch_major = g.op("Transpose", [states], perm=[2, 1, 0, 3])
        flat = g.op("Reshape", [batch_major, flat_shape])
        parts.append(g.op("Gather", [flat, index], stem=f"lm_{name}_states"))
    return g.op("Concat", parts, stem="lm_features", axis=-1)


def _dense_stack(g: GraphBuilder, x: str, stack) -> str:
    for i, layer in enumerate(stack.denses):
        activation = layer.activation.__name__
        if activation not in ("relu", "linear"):
            raise ValueError(f"no ONNX export for the {activation} activation")
        x = g.dense(x, layer.kernel.numpy(), layer.bias.numpy(), f"dense_{i}", activation=activation)
    return x


def _window(g: GraphBuilder, features: str, mask: str, window: int) -> str:
    """Each position's features beside those of its ±window neighbours; outside the sentence is zero."""
    float_mask = g.op("Unsqueeze", [g.op("Cast", [mask], to=TensorProto.FLOAT),
                                    g.weight("axis_last", np.array([-1], np.int64))])
    masked = g.op("Mul", [features, float_mask])
    if window == 0:
        return masked
    padded = g.op("Pad", [masked, g.weight("window_pads", np.array([0, window, 0, 0, window, 0], np.int64))])
    length = g.op("Gather", [g.op("Shape", ["spelling_index"]), g.weight("index_1", np.array([1], np.int64))])
    axis = g.weight("axis_time", np.array([1], np.int64))
    shifted = []
    for offset in range(2 * window + 1):
        start = g.weight(f"start_{offset}", np.array([offset], np.int64))
        end = g.op("Add", [length, start])
        shifted.append(g.op("Slice", [padded, start, end, axis], stem=f"shift_{offset}"))
    return g.op("Concat", shifted, stem="window_features", axis=-1)


def _recurrent(g: GraphBuilder, features: str, mask: str, body) -> str:
    """The (Bi)LSTM or GRU stack as ONNX recurrent operators over [T, B, D], with each sentence's length."""
    lengths = g.op("ReduceSum", [g.op("Cast", [mask], to=TensorProto.INT32),
                                 g.weight("axis_time_sum", np.array([1], np.int64))], stem="lengths", keepdims=0)
    x = g.op("Transpose", [features], perm=[1, 0, 2])  # time-major
    for i, layer in enumerate(body.recurrent):
        cells = [layer.forward_layer.cell, layer.backward_layer.cell] if body.bidirectional else [layer.cell]
        if body.cell == "lstm":
            weights = [_lstm_weights(cell) for cell in cells]
            op_type, extra = "LSTM", {}
        else:
            weights = [_gru_weights(cell) for cell in cells]
            op_type, extra = "GRU", {"linear_before_reset": 1}
        w, r, b = (np.stack([part[k] for part in weights]) for k in range(3))
        units = cells[0].units
        outputs = g.op(op_type, [x, g.weight(f"{op_type.lower()}_{i}_W", w), g.weight(f"{op_type.lower()}_{i}_R", r),
                                 g.weight(f"{op_type.lower()}_{i}_B", b), lengths],
                       stem=f"{op_type.lower()}_{i}", outputs=1, hidden_size=units,
                       direction="bidirectional" if body.bidirectional else "forward", **extra)
        # Y is [T, directions, B, H]; the next layer reads [T, B, directions * H], forward half first as Keras.
        x = g.op("Reshape", [g.op("Transpose", [outputs], perm=[0, 2, 1, 3]),
                             g.weight(f"rnn_{i}_shape", np.array([0, 0, len(cells) * units], np.int64))])
    return g.op("Transpose", [x], perm=[1, 0, 2], stem="rnn_output")


def _lstm_weights(cell) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keras LSTM weights (gates i, f, c, o; inputs on the left) as ONNX's W, R, B (gates i, o, f, c)."""
    def reorder(matrix):
        i, f, c, o = np.split(matrix, 4, axis=-1)
        return np.concatenate([i, o, f, c], axis=-1)

    kernel, recurrent, bias = cell.kernel.numpy(), cell.recurrent_kernel.numpy(), cell.bias.numpy()
    return (reorder(kernel).T, reorder(recurrent).T,
            np.concatenate([reorder(bias), np.zeros_like(bias)]))


def _gru_weights(cell) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keras GRU weights (gates z, r, h; reset after the recurrent product) as ONNX's W, R, B."""
    if not cell.reset_after:
        raise ValueError("only GRUs with reset_after=True (Keras' default) can be exported")
    bias = cell.bias.numpy()  # [2, 3H]: input bias, recurrent bias
    return cell.kernel.numpy().T, cell.recurrent_kernel.numpy().T, np.concatenate([bias[0], bias[1]])


def quantize_graph(graph: bytes) -> bytes:
    """The graph with its LSTM/GRU and MatMul weights in 8 bits (ONNX Runtime's dynamic quantization).

    Activations stay float and are quantized per batch at run time; the encoder's products (char CNN, input
    projection) stay float, so that rows the runtime keeps between batches are what it would compute again;
    its embedding tables are stored in 8 bits with a scale per row (quantize_tables).
    On a CPU without VNNI this runs the recurrent layers' products in int8, about 1.6 times as fast
    (benchmarks/runtime.py measures it with the tags it changes).
    """
    import logging
    import tempfile
    from pathlib import Path

    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Its advice to "run pre-processing" (logged on the root logger) concerns image models, not this graph.
    root, level = logging.getLogger(), logging.getLogger().level
    root.setLevel(max(level, logging.ERROR))

    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "float.onnx", Path(folder) / "int8.onnx"
        source.write_bytes(graph)
        encoder_nodes = [node.name for node in onnx.load_from_string(graph).graph.node
                         if node.name.startswith(ENCODER_NODES)]
        try:
            quantize_dynamic(source, target, op_types_to_quantize=["LSTM", "GRU", "MatMul"],
                             weight_type=QuantType.QInt8, nodes_to_exclude=encoder_nodes)
        finally:
            root.setLevel(level)
        quantized = onnx.load_from_string(target.read_bytes())
    quantize_tables(quantized)
    return quantized.SerializeToString()


# Embedding tables stored in 8 bits, a scale per row: the word table is most of a graph's size once pretrained
# vectors extend the vocabulary (29k words x 100 = 11.6 MB in float32, 2.9 MB so).
QUANTIZED_TABLES = ("word_embedding", "affix_embedding")


def quantize_tables(model: onnx.ModelProto, names: tuple[str, ...] = QUANTIZED_TABLES) -> None:
    """Replace each Gather from a float table named in `names` by a Gather from its int8 copy, cast and
    multiplied by the gathered rows' scales (symmetric, one scale per row). The rows a lookup gives are the
    same at every run, so rows the runtime keeps stay what the graph would compute again."""
    tables = {t.name: t for t in model.graph.initializer if t.name in names and t.data_type == TensorProto.FLOAT}
    for name, tensor in tables.items():  # each table once, however many lookups read it
        table = numpy_helper.to_array(tensor).astype(np.float32)
        scales = np.abs(table).max(axis=1, keepdims=True) / 127.0
        scales[scales == 0] = 1.0
        codes = np.clip(np.rint(table / scales), -127, 127).astype(np.int8)
        model.graph.initializer.remove(tensor)
        model.graph.initializer.extend([numpy_helper.from_array(codes, f"{name}_int8"),
                                        numpy_helper.from_array(scales.astype(np.float32), f"{name}_scale")])
    rebuilt = []
    for node in list(model.graph.node):
        if node.op_type != "Gather" or node.input[0] not in tables:
            rebuilt.append(node)
            continue
        name, indices, output = node.input[0], node.input[1], node.output[0]
        rebuilt += [
            helper.make_node("Gather", [f"{name}_int8", indices], [f"{output}_int8"], name=f"{node.name}_int8"),
            helper.make_node("Cast", [f"{output}_int8"], [f"{output}_codes"], name=f"{node.name}_cast",
                             to=TensorProto.FLOAT),
            helper.make_node("Gather", [f"{name}_scale", indices], [f"{output}_scale"], name=f"{node.name}_scale"),
            helper.make_node("Mul", [f"{output}_codes", f"{output}_scale"], [output], name=f"{node.name}_dequantize"),
        ]
    del model.graph.node[:]
    model.graph.node.extend(rebuilt)
