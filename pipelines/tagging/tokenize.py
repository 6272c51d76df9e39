"""Tokenizing a text file (or stdin) as a stream: `postag tokenize`.

The input is read and cut into blocks of pieces exactly as `postag tag` reads it (pipelines.tagging.stream.iter_blocks),
so memory stays flat at any file size and the sentences and words are the ones `postag tag` would tag.

    text: one sentence a line, words separated by single spaces;
    json: one object, {"source": ..., "sentences": [...]}, a sentence a line: its [start, end) offsets into the
          text as read (after a UTF-8 BOM, line ends untouched), its text, and each word with its offsets
          (the words of a multiword token, don't = do + n't, share its offsets).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from corpora import Sentence
from pipelines.errors import PipelineError

from .stream import BLOCK_CHARS, check_sources, iter_blocks, write_output

FORMATS = ("text", "json")


@dataclass
class TokenizeSummary:
    source: str
    sentences: int = 0
    tokens: int = 0
    seconds: float = 0.0
    output: str | None = None


def iter_sentences(source: str, tokenizer, block_chars: int = BLOCK_CHARS) -> Iterator[tuple[Sentence, str]]:
    """(sentence with spans into the whole document, its text) for every sentence of `source`, in order."""
    for block in iter_blocks([source], block_chars=block_chars):
        for start, end in block.pieces:
            for sentence in tokenizer.tokenize(block.text[start:end]):
                spans = tuple((a + start, b + start) for a, b in sentence.spans)
                text = block.text[spans[0][0] : spans[-1][1]]
                yield Sentence(tuple(sentence.words), spans=tuple((a + block.start, b + block.start)
                                                                  for a, b in spans)), text


def _json_sentence(sentence: Sentence, text: str) -> str:
    return json.dumps({
        "start": sentence.spans[0][0], "end": sentence.spans[-1][1], "text": text,
        "words": [{"word": word, "start": a, "end": b} for word, (a, b) in zip(sentence.words, sentence.spans,
                                                                               strict=True)],
    }, ensure_ascii=False)


def tokenize_file(source: str, tokenizer, write: Callable[[str], None], output_format: str = "text",
                  block_chars: int = BLOCK_CHARS) -> TokenizeSummary:
    """Tokenize `source` (a file, or "-" for standard input) and pass the output to `write` piece by piece."""
    if output_format not in FORMATS:
        raise PipelineError(f"--format must be text or json, not {output_format[:40]!r}")
    check_sources([source])
    summary = TokenizeSummary(source)
    started = time.perf_counter()
    if output_format == "json":
        write(f'{{"source": {json.dumps(source, ensure_ascii=False)}, "sentences": [')
    for sentence, text in iter_sentences(source, tokenizer, block_chars):
        if output_format == "text":
            write(" ".join(sentence.words) + "\n")
        else:
            write(("\n" if not summary.sentences else ",\n") + _json_sentence(sentence, text))
        summary.sentences += 1
        summary.tokens += len(sentence)
    if output_format == "json":
        write("\n]}\n")
    summary.seconds = time.perf_counter() - started
    return summary


def tokenize_to_output(source: str, tokenizer, output: str | Path | None = None,
                       output_format: str = "text") -> TokenizeSummary:
    """tokenize_file to standard output, or to `output` atomically."""
    summary, path = write_output(output, "tokens.txt",
                                 lambda write: tokenize_file(source, tokenizer, write, output_format))
    summary.output = path
    return summary
