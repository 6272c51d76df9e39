"""What training needs, on TensorFlow/Keras: architectures, the sequence loss, the Keras-side tagger, word
embeddings, and export of a trained model to the graph that tagging runs (tagger.runtime) without TensorFlow.

Importing this package imports TensorFlow (several seconds); nothing on the tagging path does.
"""

import contextlib
import os
import sys

from common.streams import stderr_dropped

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter is not for users
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


@contextlib.contextmanager
def native_stderr_silenced():
    """Native (C++) writes to stderr are dropped inside: Python exceptions still propagate.

    TensorFlow 2.20+ logs "could not find cuda drivers" and a cuInit error through absl when it finds its
    devices on a CPU-only machine, ignoring TF_CPP_MIN_LOG_LEVEL. POSTAG_TF_LOGS=1 keeps them, to debug an
    install.
    """
    if os.environ.get("POSTAG_TF_LOGS"):
        yield
        return
    with stderr_dropped():
        yield


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow and find its devices with native stderr silenced.

    Not the devices of a process in a TF_CONFIG cluster: MultiWorkerMirroredStrategy configures collective
    ops, which TensorFlow accepts only before it has found its devices (tagger.training.distributed).
    """
    if "tensorflow" in sys.modules:
        return
    with native_stderr_silenced():
        import tensorflow as tf

        if not os.environ.get("TF_CONFIG"):
            tf.config.list_logical_devices()


_import_tensorflow_quietly()

import keras  # noqa: E402  (after the quiet import; pipelines take Keras from here)

from .architectures import ARCHITECTURES, VocabSizes, build_model  # noqa: E402
from .keras_tagger import KerasTagger, export_directory  # noqa: E402
from .loss import sequence_loss  # noqa: E402

__all__ = ["ARCHITECTURES", "KerasTagger", "keras", "VocabSizes", "build_model", "export_directory",
           "sequence_loss"]
