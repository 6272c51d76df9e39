"""The model side of postag: vocabularies, encoders, architectures, sequence loss, Tagger.

Knows nothing of corpus files or names: it takes lists of words and tags.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter is not for users
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
