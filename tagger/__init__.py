"""The model side of postag: vocabularies, encoders, architectures, sequence loss, Tagger.

Knows nothing of corpus files or names: it takes lists of words and tags.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter is not for users
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

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
