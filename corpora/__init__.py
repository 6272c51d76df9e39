"""Text in: corpus readers, the raw-text tokenizer, and named corpora. Imports no TensorFlow."""

from .conllu import format_conllu, parse_conllu, read_conllu
from .files import detect_format, load_files, read_corpus_file
from .registry import data_dir, known_corpora, load_named_corpus
from .tokenize import tokenize
from .types import Corpus, CorpusError, CorpusNotFoundError, Sentence, count_tokens
from .wordtag import format_word_tag, read_word_tag

__all__ = [
    "Corpus",
    "CorpusError",
    "CorpusNotFoundError",
    "Sentence",
    "count_tokens",
    "data_dir",
    "detect_format",
    "format_conllu",
    "format_word_tag",
    "known_corpora",
    "load_files",
    "load_named_corpus",
    "parse_conllu",
    "read_conllu",
    "read_corpus_file",
    "read_word_tag",
    "tokenize",
]
