"""The model side of postag. Knows nothing of corpus files or names: it takes lists of words and tags.

Two halves, and the layout shows them:
- this package's own modules are what tagging needs and import no TensorFlow: vocabularies, the config,
  feature encoding, the model directory, the ONNX Runtime tagger (`load`, `Tagger`), the shipped models,
  the trained tokenizer's runtime (`Tokenizer`);
- `tagger.training` is what training needs, on TensorFlow/Keras: architectures, the sequence loss, the
  Keras-side tagger, word embeddings, export to the runtime's graph.
"""

import os

# ONNX Runtime 1.29+ on Linux and macOS keeps a device id and queues usage events for upload unless this is set
# before it starts. postag tags offline and sends nothing anywhere; set ORT_DISABLE_TELEMETRY=0 to allow it.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from .api import TaggedWord, TaggerAPI  # noqa: E402
from .config import TaggerConfig  # noqa: E402
from .encoding import SentenceEncoder, length_batches  # noqa: E402
from .errors import ConfigError, ModelError  # noqa: E402
from .models import DEFAULT_MODEL, default_model, list_models, model_info, resolve_model, shipped_models  # noqa: E402
from .runtime import Tagger, load  # noqa: E402
from .segmentation import MultiwordSplitter  # noqa: E402
from .tokenizer import TokenizedSentence, Tokenizer, load_tokenizer  # noqa: E402
from .tokenizer_config import TokenizerConfig  # noqa: E402
from .vocab import PAD_ID, UNK_ID, SeenInTraining, Vocab, Vocabularies  # noqa: E402

__all__ = [
    "DEFAULT_MODEL", "PAD_ID", "UNK_ID", "ConfigError", "ModelError", "MultiwordSplitter", "SeenInTraining",
    "SentenceEncoder", "TaggedWord", "Tagger", "TaggerAPI", "TaggerConfig", "TokenizedSentence", "Tokenizer",
    "TokenizerConfig", "Vocab", "Vocabularies", "default_model", "length_batches", "list_models", "load",
    "load_tokenizer", "model_info", "resolve_model", "shipped_models"
]
