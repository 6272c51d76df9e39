"""The model side of postag. Knows nothing of corpus files or names: it takes lists of words and tags.

Two halves, and the layout shows them:
- this package's own modules are what tagging needs and import no TensorFlow: vocabularies, the config,
  feature encoding, the model directory, the ONNX Runtime tagger (`load`, `Tagger`), the shipped models;
- `tagger.training` is what training needs, on TensorFlow/Keras: architectures, the sequence loss, the
  Keras-side tagger, word embeddings, export to the runtime's graph.
"""

from .config import TaggerConfig
from .encoding import SentenceEncoder, length_batches
from .errors import ConfigError, ModelError
from .pretrained import DEFAULT_MODEL, default_model, list_models, model_info, resolve_model, shipped_models
from .runtime import Tagger, load
from .vocab import PAD_ID, UNK_ID, SeenInTraining, Vocab, Vocabularies

__all__ = [
    "DEFAULT_MODEL", "PAD_ID", "UNK_ID", "ConfigError", "ModelError", "SeenInTraining", "SentenceEncoder", "Tagger",
    "TaggerConfig", "Vocab", "Vocabularies", "default_model", "length_batches", "list_models", "load", "model_info",
    "resolve_model", "shipped_models",
]
