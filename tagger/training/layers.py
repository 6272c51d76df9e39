"""Building blocks shared by every architecture (and by the MNIST sanity check).

Each layer keeps one attribute per constructor argument and a get_config(), so a model is rebuilt
from config.json in code and only weights are loaded: nothing runs on load.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers, ops


def lecun_normal(seed: int | None = None) -> keras.initializers.Initializer:
    """Weights with mean 0 and standard deviation fan_in ** -0.5 (LeCun et al., "Efficient BackProp").

    Keras' own LecunNormal truncates at two standard deviations and rescales to keep that deviation;
    the plain normal below is the textbook rule the MNIST tutorial states.
    """
    return keras.initializers.VarianceScaling(scale=1.0, mode="fan_in", distribution="untruncated_normal", seed=seed)


def dense(units: int, activation: str | None = None, name: str | None = None, seed: int | None = None) -> layers.Dense:
    """The one fully connected block every model here is made of: LeCun-initialised, zero bias."""
    return layers.Dense(units, activation=activation, kernel_initializer=lecun_normal(seed), name=name)


@keras.saving.register_keras_serializable(package="postag")
class DenseStack(layers.Layer):
    """`depth` dense layers of `hidden_dim` units with an activation and dropout after each."""

    def __init__(self, hidden_dim: int, depth: int = 1, activation: str = "relu", dropout: float = 0.0,
                 seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.depth = depth
        self.activation = activation
        self.dropout = dropout
        self.seed = seed
        self.denses = [dense(hidden_dim, activation, name=f"dense_{i}", seed=None if seed is None else seed + i)
                       for i in range(depth)]
        self.dropouts = [layers.Dropout(dropout, seed=seed) for _ in range(depth)]

    def call(self, inputs, training=None):
        x = inputs
        for dense_layer, dropout_layer in zip(self.denses, self.dropouts):
            x = dropout_layer(dense_layer(x), training=training)
        return x

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.hidden_dim)

    def get_config(self):
        return {**super().get_config(), "hidden_dim": self.hidden_dim, "depth": self.depth,
                "activation": self.activation, "dropout": self.dropout, "seed": self.seed}


def lstm_outputs(cell: layers.LSTMCell, inputs):
    """Hidden states [B, T, H] of a Keras LSTM cell (default activations) run over inputs [B, T, D]."""
    # Every step's input part at once, as one 2-D product (a 3-D matmul would be a slower batched one),
    # time-major for the scan.
    projected = tf.tensordot(tf.transpose(inputs, [1, 0, 2]), cell.kernel, axes=1) + cell.bias  # [T, B, 4H]
    recurrent_kernel = tf.convert_to_tensor(cell.recurrent_kernel)
    zeros = tf.zeros(tf.stack([tf.shape(projected)[1], cell.units]), projected.dtype)

    def step(state, step_input):
        hidden, memory = state
        # Keras' gate order: input, forget, candidate, output.
        i, f, g, o = tf.split(step_input + tf.matmul(hidden, recurrent_kernel), 4, axis=-1)
        memory = tf.sigmoid(f) * memory + tf.sigmoid(i) * tf.tanh(g)
        return tf.sigmoid(o) * tf.tanh(memory), memory

    hidden, _ = tf.scan(step, projected, initializer=(zeros, zeros))
    return tf.transpose(hidden, [1, 0, 2])


__all__ = ["DenseStack", "dense", "lecun_normal", "lstm_outputs", "ops"]
