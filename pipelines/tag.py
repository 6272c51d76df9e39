"""Tagging raw text files (or stdin) and rendering the result as text, TSV, CoNLL-U or JSON."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from common.files import write_atomically as write_file_atomically
from corpora import Sentence, format_conllu, tokenize
from corpora.textfile import read_text

from .errors import PipelineError
from .outputs import check_output_file

FORMATS = ("text", "tsv", "conllu", "json")
XPOS_TAGSETS = ("xpos", "ptb", "brown", "native")


@dataclass
class TaggedDocument:
    source: str  # file path, or "-" for standard input
    text: str
    sentences: list[Sentence]  # words, tags, and character offsets into `text`


def read_input(source: str) -> str:
    if source == "-":
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
        try:
            return data.decode("utf-8-sig").replace("\r\n", "\n")
        except UnicodeDecodeError:
            raise PipelineError("standard input is not valid UTF-8") from None
    return read_text(source)


def pretokenized(text: str) -> list[Sentence]:
    """One sentence a line, words separated by whitespace; offsets still point into `text`."""
    sentences, offset = [], 0
    for line in text.split("\n"):
        spans, position = [], 0
        for word in line.split():
            start = line.index(word, position)
            spans.append((offset + start, offset + start + len(word)))
            position = start + len(word)
        if spans:
            sentences.append(Sentence(tuple(text[a:b] for a, b in spans), spans=tuple(spans)))
        offset += len(line) + 1
    return sentences


def tag_documents(tagger, sources: list[str], tokenized: bool = False) -> list[TaggedDocument]:
    """Read and tag every source; all sentences of all files go to the tagger in one batched call."""
    if not sources:
        raise PipelineError("no input: give one or more files, or - for standard input")
    documents = []
    for source in sources:
        text = read_input(source)
        sentences = pretokenized(text) if tokenized else tokenize(text)
        documents.append(TaggedDocument(source, text, sentences))
    all_sentences = [s for document in documents for s in document.sentences]
    all_tags = iter(tagger.tag_sents([s.words for s in all_sentences]))
    for document in documents:
        document.sentences = [Sentence(s.words, tuple(next(all_tags)), s.spans) for s in document.sentences]
    return documents


def render(documents: list[TaggedDocument], format: str, tagset: str = "upos") -> str:
    if format not in FORMATS:
        raise PipelineError(f"unknown output format {format!r}; choose from {', '.join(FORMATS)}")
    sentences = [s for document in documents for s in document.sentences]
    if format == "text":
        return "".join(" ".join(f"{w}/{t}" for w, t in zip(s.words, s.tags)) + "\n" for s in sentences)
    if format == "tsv":
        return "\n".join("".join(f"{w}\t{t}\n" for w, t in zip(s.words, s.tags)) for s in sentences)
    if format == "conllu":
        texts = [_sentence_text(document.text, s) for document in documents for s in document.sentences]
        return format_conllu(sentences, "xpos" if tagset in XPOS_TAGSETS else "upos", texts)
    lines = []
    for document in documents:
        for s in document.sentences:
            record = {"source": document.source, "text": _sentence_text(document.text, s),
                      "tokens": list(s.words), "tags": list(s.tags), "offsets": [list(span) for span in s.spans]}
            lines.append(json.dumps(record, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)


def _sentence_text(text: str, sentence: Sentence) -> str:
    if not sentence.spans:
        return " ".join(sentence.words)
    return " ".join(text[sentence.spans[0][0] : sentence.spans[-1][1]].split())


def write_atomically(path: str | Path, text: str) -> Path:
    """Write a `--output` file atomically, with a clear error for a bad path."""
    return write_file_atomically(check_output_file(path, "tagged.txt"), text)
