"""The trained tokenizer's network on Keras, its training data, its export to ONNX, and its directory.

The network labels every character of a window (see tagger.segmentation for the labels):

    chars [B, T], classes [B, T] (int32)
      -> character embedding ++ class embedding
      -> optional convolution (ReLU)
      -> `stride` characters side by side: [B, T / stride, stride * features]
      -> depth x bidirectional GRU (or LSTM)
      -> dense -> logits of each of the step's characters -> [B, T, labels]

No masking: padding (id 0, class 0) beyond either end of the text is a symbol of its own that the network
learns to read as "the text ends here", so a window is read the same way in Keras and in the exported graph.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import onnx
import tensorflow as tf
from keras import layers, ops
from onnx import TensorProto, helper

from tagger.errors import ModelError
from tagger.modeldir import (
    CARD_FILE,
    CONFIG_FILE,
    FORMAT_VERSION,
    GRAPH_FILE,
    METRICS_FILE,
    VOCAB_FILE,
    WEIGHTS_FILE,
    save_directory,
    write_json,
)
from tagger.segmentation import CLASS_NAMES, LABEL_NAMES, CharEncoder
from tagger.tokenizer import (
    TOKENIZER_SECTION,
    TokenizedSentence,
    TokenizerTables,
    read_tokenizer_files,
    sentences_from_labels,
    text_logits,
    window_logits,
)
from tagger.tokenizer_config import TokenizerConfig

from .export import IR_VERSION, OPSET, GraphBuilder, _gru_weights, _lstm_weights
from .keras_tagger import made_by, without_updater
from .layers import dense, lecun_normal


class CharTokenizerNetwork(keras.Model):
    """Character and class embeddings -> optional convolution -> (Bi)GRU/LSTM layers -> label logits."""

    def __init__(self, config: TokenizerConfig, chars: int, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.chars = chars
        self.char_embedding = layers.Embedding(chars, config.char_dim, name="char_embedding")
        self.class_embedding = layers.Embedding(len(CLASS_NAMES), config.class_dim, name="class_embedding")
        self.conv = (layers.Conv1D(config.conv_filters, config.conv_kernel, padding="same", activation="relu",
                                   kernel_initializer=lecun_normal(config.seed), name="conv")
                     if config.conv_filters else None)
        cell = {"gru": layers.GRU, "lstm": layers.LSTM}[config.cell]
        self.recurrent = [layers.Bidirectional(cell(config.hidden_dim, return_sequences=True, seed=config.seed + i,
                                                    name=f"{config.cell}_{i}"), name=f"bi_{config.cell}_{i}")
                          for i in range(config.depth)]
        self.dropout = layers.Dropout(config.dropout, seed=config.seed)
        self.output_layer = dense(config.stride * len(LABEL_NAMES), name="label_logits", seed=config.seed)

    def call(self, inputs, training=None):
        x = ops.concatenate([self.char_embedding(inputs["chars"]), self.class_embedding(inputs["classes"])], axis=-1)
        x = self.dropout(x, training=training)
        if self.conv is not None:
            x = self.conv(x)
        batch, stride = ops.shape(x)[0], self.config.stride
        x = ops.reshape(x, (batch, -1, stride * x.shape[-1]))
        for rnn in self.recurrent:
            x = self.dropout(rnn(x, training=training), training=training)
        return ops.reshape(self.output_layer(x), (batch, -1, len(LABEL_NAMES)))

    def get_config(self):  # rebuilt from TokenizerConfig in code, never deserialized from Keras config
        return {"config": self.config.to_json(), "chars": self.chars}


def build_network(config: TokenizerConfig, chars: int) -> CharTokenizerNetwork:
    network = CharTokenizerNetwork(config, chars, name="postag_tokenizer")
    dummy = np.ones((1, config.stride), np.int32)
    network({"chars": dummy, "classes": dummy}, training=False)
    return network


def input_signature() -> dict[str, tf.TensorSpec]:
    return {"chars": tf.TensorSpec([None, None], tf.int32), "classes": tf.TensorSpec([None, None], tf.int32)}


# ---- block 1: data --------------------------------------------------------------------------------------

def training_windows(ids: np.ndarray, classes: np.ndarray, labels: np.ndarray, window: int,
                     rng: np.random.Generator) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The text cut into windows of `window` characters from a random offset, in random order; always
    len // window + 2 windows, the last ones padded.

    A new offset every epoch moves every cut, so no character is always read at a window's edge; the
    padding before the first window and after the last teaches the network what the text's ends look like.
    """
    count = len(ids) // window + 2
    offset = int(rng.integers(0, window))
    order = rng.permutation(count)
    parts = []
    for values in (ids, classes, labels):
        padded = np.zeros(count * window, np.int32)
        padded[offset : offset + len(values)] = values
        parts.append(padded.reshape(count, window)[order])
    return {"chars": parts[0], "classes": parts[1]}, parts[2]


def training_dataset(ids: np.ndarray, classes: np.ndarray, labels: np.ndarray, window: int, batch_size: int,
                     rng: np.random.Generator) -> tuple[tf.data.Dataset, int]:
    """(batches of windows cut anew every epoch, batches an epoch) for one `fit` over all epochs."""
    count = len(ids) // window + 2
    batches = -(-count // batch_size)

    def generate():
        inputs, targets = training_windows(ids, classes, labels, window, rng)
        for first in range(0, count, batch_size):
            yield {k: v[first : first + batch_size] for k, v in inputs.items()}, targets[first : first + batch_size]

    spec = tf.TensorSpec([None, window], tf.int32)
    dataset = tf.data.Dataset.from_generator(generate, output_signature=({"chars": spec, "classes": spec}, spec))
    # A known length lets Keras end the epoch cleanly instead of warning that the data ran out.
    return dataset.apply(tf.data.experimental.assert_cardinality(batches)).prefetch(2), batches


# ---- the trainable tokenizer ----------------------------------------------------------------------------

class KerasTokenizer:
    """A tokenizer being trained: its network, character encoder, config, and the tables learned beside the
    network (multiword splitter, token memory, sentence classifier)."""

    def __init__(self, config: TokenizerConfig, encoder: CharEncoder, tables: TokenizerTables,
                 network: CharTokenizerNetwork | None = None, metadata: dict | None = None):
        self.config = config
        self.encoder = encoder
        self.tables = tables
        self.network = network if network is not None else build_network(config, len(encoder))
        self.metadata = dict(metadata or {})
        self._predict = tf.function(lambda inputs: self.network(inputs, training=False),
                                    input_signature=[input_signature()])

    def logits(self, ids: np.ndarray, classes: np.ndarray) -> np.ndarray:
        def run(chars: np.ndarray, char_classes: np.ndarray) -> np.ndarray:
            return self._predict({"chars": chars, "classes": char_classes}).numpy()

        return window_logits(ids, classes, self.config, run)

    def tokenize(self, text: str) -> list[TokenizedSentence]:
        return sentences_from_labels(text, *text_logits(self, text), self.tables)

    # ---- the tokenizer directory ----------------------------------------------------------------------

    def save(self, directory: str | Path, metrics: dict | None = None, card: str | None = None) -> Path:
        """Write the tokenizer directory atomically (config, vocabulary, weights, graph, metrics, card)."""
        return save_directory(directory, lambda folder: self.write_files(folder, metrics, card))

    def config_json(self) -> dict:
        return {
            "format_version": FORMAT_VERSION,
            TOKENIZER_SECTION: self.config.to_json(),
            "sizes": {"chars": len(self.encoder), "labels": len(LABEL_NAMES)},
            "labels": list(LABEL_NAMES),
            "classes": list(CLASS_NAMES),
            **made_by(),
            **{k: v for k, v in self.metadata.items() if k not in (TOKENIZER_SECTION, "sizes", "format_version")},
        }

    def write_files(self, folder: Path, metrics: dict | None, card: str | None) -> None:
        write_json(folder / CONFIG_FILE, self.config_json())
        write_json(folder / VOCAB_FILE, {"chars": self.encoder.chars, **self.tables.to_vocab()})
        network = without_updater(self.network, lambda: build_network(self.config, len(self.encoder)))
        network.save_weights(str(folder / WEIGHTS_FILE))
        (folder / GRAPH_FILE).write_bytes(export_tokenizer_graph(network))
        write_json(folder / METRICS_FILE, metrics or {})
        (folder / CARD_FILE).write_text(card or "# postag tokenizer\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> KerasTokenizer:
        directory = Path(directory)
        config_data, config, encoder, tables = read_tokenizer_files(directory)
        if not (directory / WEIGHTS_FILE).is_file():
            raise ModelError(f"{directory} has no {WEIGHTS_FILE}: it can tokenize but not be trained on")
        metadata = {k: v for k, v in config_data.items()
                    if k not in (TOKENIZER_SECTION, "sizes", "format_version", "labels", "classes")}
        tokenizer = cls(config, encoder, tables, metadata=metadata)
        try:
            tokenizer.network.load_weights(str(directory / WEIGHTS_FILE))
        except Exception as error:  # h5py and Keras raise many types for a bad or mismatched file
            raise ModelError(f"{directory / WEIGHTS_FILE}: weights do not fit the network in config.json "
                             f"({type(error).__name__}: {str(error)[:200]})") from None
        return tokenizer


# ---- export ---------------------------------------------------------------------------------------------

def export_tokenizer_graph(network: CharTokenizerNetwork) -> bytes:
    """The ONNX graph of a built network: chars [B, T], classes [B, T] -> logits [B, T, labels].

    Node by node from the Keras weights, the recurrent layers as ONNX's own GRU or LSTM operators over
    whole windows (no sequence lengths: every window is full, padding is read as a symbol).
    """
    g = GraphBuilder()
    g.names.update(("chars", "classes"))
    config = network.config
    stride = config.stride
    char_table = g.weight("char_embedding", network.char_embedding.embeddings.numpy())
    class_table = g.weight("class_embedding", network.class_embedding.embeddings.numpy())
    if network.conv is None:
        # Time-major and `stride` characters a step from the start, rearranging the integer inputs rather
        # than float activations: every float transpose costs as much as a small layer.
        steps = g.weight("steps_shape", np.array([0, -1, stride], np.int64))

        def stepped(name: str) -> str:
            return g.op("Transpose", [g.op("Reshape", [name, steps])], perm=[1, 0, 2])  # [T / s, B, s]

        x = g.op("Concat", [g.op("Gather", [char_table, stepped("chars")]),
                            g.op("Gather", [class_table, stepped("classes")])], axis=-1)  # [T / s, B, s, D]
        step_width = stride * (config.char_dim + config.class_dim)
        x = g.op("Reshape", [x, g.weight("step_features", np.array([0, 0, step_width], np.int64))])
    else:
        x = g.op("Concat", [g.op("Gather", [char_table, "chars"]), g.op("Gather", [class_table, "classes"])],
                 axis=-1)  # [B, T, D]
        kernel = network.conv.kernel.numpy()  # Keras [width, in, out]; ONNX wants [out, in, width]
        left = (kernel.shape[0] - 1) // 2  # "same" padding, the extra column on the right as TensorFlow does
        convolved = g.op("Conv", [g.op("Transpose", [x], perm=[0, 2, 1]),
                                  g.weight("conv_kernel", kernel.transpose(2, 1, 0)),
                                  g.weight("conv_bias", network.conv.bias.numpy())],
                         stem="conv", pads=[left, kernel.shape[0] - 1 - left])
        x = g.op("Transpose", [g.op("Relu", [convolved])], perm=[0, 2, 1])  # [B, T, F]
        step_width = stride * config.conv_filters
        x = g.op("Transpose", [g.op("Reshape", [x, g.weight("step_features", np.array([0, -1, step_width],
                                                                                         np.int64))])],
                 perm=[1, 0, 2])  # [T / s, B, s * F]
    units = config.hidden_dim
    for i, layer in enumerate(network.recurrent):
        cells = [layer.forward_layer.cell, layer.backward_layer.cell]
        if config.cell == "lstm":
            weights, op_type, extra = [_lstm_weights(cell) for cell in cells], "LSTM", {}
        else:
            weights, op_type, extra = [_gru_weights(cell) for cell in cells], "GRU", {"linear_before_reset": 1}
        w, r, b = (np.stack([part[k] for part in weights]) for k in range(3))
        stem = f"{op_type.lower()}_{i}"
        x = g.op(op_type, [x, g.weight(f"{stem}_W", w), g.weight(f"{stem}_R", r), g.weight(f"{stem}_B", b)],
                 stem=stem, hidden_size=units, direction="bidirectional", **extra)  # [T / s, 2, B, H]
        if i + 1 < len(network.recurrent):
            # The next layer reads [T / s, B, 2H], the forward half first as Keras concatenates.
            x = g.op("Reshape", [g.op("Transpose", [x], perm=[0, 2, 1, 3]),
                                 g.weight(f"{stem}_shape", np.array([0, 0, 2 * units], np.int64))])
    # The dense layer on [T / s, 2, B, H] as it is: each direction's half of the kernel, then the sum.
    layer = network.output_layer
    halves = layer.kernel.numpy().reshape(2, units, -1)
    per_direction = g.op("MatMul", [x, g.weight("label_kernel", halves)])  # [T / s, 2, B, s * labels]
    summed = g.op("ReduceSum", [per_direction, g.weight("direction_axis", np.array([1], np.int64))], keepdims=0)
    stepped_logits = g.op("Transpose", [g.op("Add", [summed, g.weight("label_bias", layer.bias.numpy())])],
                          perm=[1, 0, 2])  # [B, T / s, s * labels]
    logits = g.op("Reshape", [stepped_logits, g.weight("logits_shape", np.array([0, -1, len(LABEL_NAMES)],
                                                                                  np.int64))])
    g.nodes.append(helper.make_node("Identity", [logits], ["logits"], name="node_logits"))
    inputs = [helper.make_tensor_value_info(name, TensorProto.INT32, ["batch", "length"])
              for name in ("chars", "classes")]
    output = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "length", len(LABEL_NAMES)])
    graph = helper.make_graph(g.nodes, "postag_tokenizer", inputs, [output], initializer=g.weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="postag")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model.SerializeToString()


__all__ = ["CharTokenizerNetwork", "KerasTokenizer", "build_network",
           "export_tokenizer_graph", "training_dataset", "training_windows"]
