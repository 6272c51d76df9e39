"""Raw text to sentences of words with character offsets, using NLTK without any downloaded model.

Punkt's pretrained models are not available offline, so sentences are split by an untrained
PunktSentenceTokenizer (its built-in rules for sentence-final punctuation) and words by NLTK's
Treebank-style tokenizer, whose span_tokenize gives offsets into the original text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .types import Sentence

# Untrained Punkt knows no abbreviations; these common English ones should not end a sentence. Left out on
# purpose: "no", "sat", "sun", "wed" (No., Sat., ...), which end sentences far more often as plain words.
ABBREVIATIONS = (
    "dr mr mrs ms prof sr jr st mt vs etc e.g i.e cf al inc ltd co corp dept est approx fig vol jan feb "
    "mar apr jun jul aug sep sept oct nov dec mon tue thu fri u.s u.k a.m p.m"
).split()


@lru_cache(maxsize=1)
def _tokenizers():
    from nltk.tokenize import TreebankWordTokenizer
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    parameters = PunktParameters()
    parameters.abbrev_types = set(ABBREVIATIONS)
    return PunktSentenceTokenizer(parameters), TreebankWordTokenizer()


def tokenize(text: str) -> list[Sentence]:
    """Sentences of words, each word with its (start, end) offsets into `text`."""
    sentence_splitter, word_tokenizer = _tokenizers()
    sentences: list[Sentence] = []
    merged_from = -1  # the paragraph of the last sentence: punctuation never joins across paragraphs
    for paragraph_start, paragraph_end in _paragraphs(text):
        paragraph = text[paragraph_start:paragraph_end]
        for start, end in sentence_splitter.span_tokenize(paragraph):
            chunk = paragraph[start:end]
            spans = []
            for word_start, word_end in word_tokenizer.span_tokenize(chunk):
                offset = paragraph_start + start
                spans.append((offset + word_start, offset + word_end))
            if not spans:
                continue
            words = tuple(text[a:b] for a, b in spans)
            if sentences and merged_from == paragraph_start and not any(c.isalnum() for w in words for c in w):
                # Untrained Punkt ends a sentence at "!" and again at "?" in "ok!?": punctuation alone
                # is the tail of the sentence before it, not a sentence of its own.
                previous = sentences.pop()
                sentences.append(Sentence(words=previous.words + words, spans=previous.spans + tuple(spans)))
                continue
            sentences.append(Sentence(words=words, spans=tuple(spans)))
            merged_from = paragraph_start
    return sentences


# A line end, then a line of nothing but spaces or tabs: Unix, Windows or old Mac line ends.
_BLANK_LINE = re.compile(r"(?:\r\n|\n|\r(?!\n))[ \t]*(?:\r\n|\n|\r)")


def _paragraphs(text: str):
    """Blank lines always end a sentence, whatever Punkt thinks."""
    start = 0
    for match in _BLANK_LINE.finditer(text):
        if text[start : match.start()].strip():
            yield start, match.start()
        start = match.end()
    if text[start:].strip():
        yield start, len(text)
