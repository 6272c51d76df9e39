"""Text in: corpus readers, the raw-text tokenizer, and named corpora. Imports no TensorFlow (nor NLTK,
until a tokenizer or an NLTK corpus is used)."""

from .columns import format_columns, read_columns
from .conllu import conllu_sentence, format_conllu, parse_conllu, read_conllu, text_of_conllu
from .files import FORMATS, detect_format, load_files, read_corpus_file
from .registry import (
    CorpusEntry,
    corpus_entry,
    data_dir,
    download_corpus,
    is_corpus_name,
    known_corpora,
    list_corpora,
    load_corpus,
    load_named_corpus,
)
from .split import parse_split, split_sentences
from .textfile import decode as decode_text
from .textfile import read_raw_text
from .tokenize import tokenize, tokenize_stream
from .types import Corpus, CorpusError, CorpusNotFoundError, Sentence, count_tokens, token_ranges
from .ud_text import TokenizedText, parse_ud_text, read_ud_text
from .wordtag import format_word_tag, read_word_tag

__all__ = [
    "FORMATS",
    "Corpus",
    "CorpusEntry",
    "CorpusError",
    "CorpusNotFoundError",
    "Sentence",
    "TokenizedText",
    "corpus_entry",
    "conllu_sentence",
    "count_tokens",
    "data_dir",
    "decode_text",
    "detect_format",
    "download_corpus",
    "format_columns",
    "format_conllu",
    "format_word_tag",
    "is_corpus_name",
    "known_corpora",
    "list_corpora",
    "load_corpus",
    "load_files",
    "load_named_corpus",
    "parse_conllu",
    "parse_split",
    "parse_ud_text",
    "read_columns",
    "read_conllu",
    "read_corpus_file",
    "read_raw_text",
    "read_ud_text",
    "read_word_tag",
    "split_sentences",
    "text_of_conllu",
    "token_ranges",
    "tokenize",
    "tokenize_stream",
]
