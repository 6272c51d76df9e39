"""What every layer of postag shares, importing nothing heavy: the base error class and atomic file writing.

Imports flow `cli -> pipelines -> {tagger, corpora} -> common`; nothing here imports the other packages.
"""

from .errors import PostagError

__all__ = ["PostagError"]
