"""The model side of postag: vocabularies, encoders, architectures, sequence loss, Tagger.

Knows nothing of corpus files or names: it takes lists of words and tags.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter is not for users
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow and find its devices with native stderr silenced.

    TensorFlow 2.20+ logs "could not find cuda drivers" and a cuInit error through absl on every CPU-only
    machine, ignoring TF_CPP_MIN_LOG_LEVEL. Python exceptions still propagate; set POSTAG_TF_LOGS=1 to see
    the native messages when debugging an install.
    """
    if os.environ.get("POSTAG_TF_LOGS") or "tensorflow" in __import__("sys").modules:
        import tensorflow  # noqa: F401

        return
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow as tf

        tf.config.list_logical_devices()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


_import_tensorflow_quietly()

from .config import ConfigError, TaggerConfig  # noqa: E402
from .encoding import SentenceEncoder, length_batches  # noqa: E402
from .loss import masked_accuracy, predict_tags, sequence_loss  # noqa: E402
from .models import ARCHITECTURES, VocabSizes, build_model, count_parameters  # noqa: E402
from .tagger import ModelError, Tagger  # noqa: E402
from .vocab import PAD_ID, UNK_ID, Vocab, Vocabularies  # noqa: E402

__all__ = [
    "ARCHITECTURES", "PAD_ID", "UNK_ID", "ConfigError", "ModelError", "SentenceEncoder", "Tagger", "TaggerConfig",
    "Vocab", "Vocabularies", "VocabSizes", "build_model", "count_parameters", "length_batches", "masked_accuracy",
    "predict_tags", "sequence_loss",
]
