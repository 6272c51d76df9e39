"""Tagging text files (or stdin) as a stream: read, cut, tokenize, tag and write in bounded blocks.

    bytes ──UTF-8──▶ text chunks ──▶ pieces no sentence spans (corpora.iter_pieces: blank lines, or line
    ends when a paragraph grows too long) ──▶ blocks of pieces ──▶ [worker: tokenize each piece, tag,
    render] ──▶ written in input order

Memory is bounded by the blocks in flight, not by the input. Each piece is tokenized on its own, so the
output is the same whatever the chunk sizes, the block sizes or the number of workers. With `workers > 1`
the blocks go to that many processes, each loading the model once; the output stays in input order.

Offsets (JSON `offsets`, CoNLL-U spans) count characters of the input decoded as UTF-8, after a byte-order
mark if there is one, line ends untouched: `open(path, encoding="utf-8-sig", newline="").read()[start:end]`
is the token.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from common.errors import shorten
from common.files import open_atomically
from corpora import CorpusError, Sentence, conllu_sentence, token_ranges
from corpora.pieces import iter_pieces
from pipelines.errors import PipelineError
from pipelines.outputs import check_output_file

from .tokenizers import decide, tokenizer_for

FORMATS = ("text", "tsv", "conllu", "json")
CONLLU_COLUMNS = ("upos", "xpos")
READ_BYTES = 1 << 20
# Text per unit of work: large enough that a worker's round trip costs little beside tagging it (about
# 40,000 words), small enough that a few blocks in flight keep memory flat.
BLOCK_CHARS = 200_000
# A line of pre-tokenized input is one sentence; longer than this is not a sentence but a broken file.
MAX_LINE_CHARS = 1_000_000
# Default workers: one per core for inputs this large; below it, starting processes costs more than it saves.
PARALLEL_BYTES = 4 << 20


@dataclass(frozen=True)
class TagOptions:
    """What every worker needs to know besides the model."""

    output_format: str = "text"
    tagset: str | None = None  # the head to write (text, tsv, json); CoNLL-U writes every upos/xpos head
    top_k: int = 1  # json and tsv: the k most probable tags of each word, with probabilities
    tokenizer: str = "auto"  # auto: the model's trained tokenizer if it has one, else the rules


@dataclass
class Block:
    """A stretch of one input, from one block's start to the next: pieces with the whitespace between them."""

    index: int  # place in the output
    source: str
    start: int  # offset of `text` in its document
    text: str
    pieces: list[tuple[int, int]]  # (start, end) of each piece, within `text`
    first: bool  # the document's first block
    bytes_done: int  # bytes of input read once this block is written


@dataclass
class RenderedBlock:
    index: int
    parts: list[tuple[str, str]]  # CoNLL-U: (comments before sent_id, the rest) per sentence; else one ("", text)
    tokens: int
    sentences: int
    bytes_done: int


@dataclass
class TagProgress:
    bytes_done: int
    bytes_total: int | None  # None for standard input
    tokens: int
    sentences: int
    seconds: float


@dataclass
class TagSummary:
    sources: list[str]
    tokens: int = 0
    sentences: int = 0
    seconds: float = 0.0
    workers: int = 1
    tokenizer: str = "rules"
    output: str | None = None
    extra: dict = field(default_factory=dict)


ProgressCallback = Callable[[TagProgress], None]


# ---- reading -------------------------------------------------------------------------------------------------

def input_size(source: str) -> int | None:
    if source == "-":
        return None
    try:
        return os.path.getsize(source)
    except OSError:
        return None


def check_sources(sources: list[str]) -> None:
    if not sources:
        raise PipelineError("no input: give one or more files, or - for standard input")
    if sources.count("-") > 1:
        raise PipelineError("standard input (-) can be read only once")
    for source in sources:
        if source != "-":
            path = Path(source)
            if not path.exists():
                raise CorpusError(f"{shorten(source)}: no such file")
            if path.is_dir():
                raise CorpusError(f"{shorten(source)}: is a directory, expected a text file")


def read_chunks(source: str, read_bytes: int = READ_BYTES,
                opener: Callable[[str], BinaryIO] | None = None) -> Iterator[tuple[str, int]]:
    """(text, bytes read so far) chunks of a file or of standard input ("-"), decoded as UTF-8 as they come.

    A byte-order mark at the start is dropped; line ends are kept as they are, so offsets index the text.
    Standard input is read as it arrives, so output starts before the input ends. `opener` opens `source`
    for binary reading (default: a local file; the Beam pipeline reads through Beam's file systems).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    done, at_start = 0, True
    stream = sys.stdin.buffer if source == "-" else (opener or _open_local)(source)
    read = getattr(stream, "read1", stream.read)
    try:
        while True:
            data = read(read_bytes)
            try:
                text = decoder.decode(data, final=not data)
            except UnicodeDecodeError as error:
                where = done + error.start
                raise CorpusError(f"{shorten(source)}: not valid UTF-8 at byte {where:,}; re-encode the text as "
                                  "UTF-8") from None
            done += len(data)
            if at_start and text:
                text, at_start = text.removeprefix("\ufeff"), False
            if text:
                yield text, done
            if not data:
                return
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _open_local(path: str) -> BinaryIO:
    return open(path, "rb")  # noqa: SIM115 (read_chunks closes it)


class _Teed:
    """The chunks of one input, kept from a point on, so that blocks can hold the text between pieces too."""

    def __init__(self, chunks: Iterator[tuple[str, int]]):
        self.chunks = chunks
        self.buffer = ""
        self.offset = 0  # where buffer[0] is in the document
        self.bytes_done = 0

    def __iter__(self) -> Iterator[str]:
        for text, done in self.chunks:
            self.buffer += text
            self.bytes_done = done
            yield text

    def take(self, start: int, end: int | None) -> str:
        """The document's text [start, end) (end None: all read so far), forgetting what lies before `end`."""
        stop = len(self.buffer) if end is None else end - self.offset
        text = self.buffer[start - self.offset : stop]
        self.buffer, self.offset = self.buffer[stop:], self.offset + stop
        return text


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)")


def _line_pieces(chunks: Iterable[str], source: str) -> Iterator[tuple[int, str]]:
    """Pre-tokenized input: every line is a piece (a sentence); Unix, Windows or old Mac line ends."""
    pending, offset = "", 0  # offset: where `pending` starts in the document
    for chunk in chunks:
        pending += chunk
        position = 0
        for match in _LINE.finditer(pending):
            if match.end() == len(pending) and pending.endswith("\r"):
                break  # a CR at the end may be the first half of a CRLF still to come
            line = match.group().rstrip("\r\n")
            if line.strip():
                yield offset + match.start(), line
            position = match.end()
        pending, offset = pending[position:], offset + position
        if len(pending) > MAX_LINE_CHARS:
            raise CorpusError(f"{shorten(source)}: a line longer than {MAX_LINE_CHARS:,} characters at character "
                              f"{offset:,}: with --tokenized every line is one sentence")
    for match in _LINE.finditer(pending + "\n"):
        line = match.group().rstrip("\r\n")
        if line.strip():
            yield offset + match.start(), line


def iter_blocks(sources: list[str], pretokenized: bool = False, block_chars: int = BLOCK_CHARS,
                opener: Callable[[str], BinaryIO] | None = None) -> Iterator[Block]:
    """Every input cut into blocks of whole pieces, in order; together a document's blocks hold all of its text."""
    index = 0
    for source in sources:
        for block in document_blocks(source, read_chunks(source, opener=opener), pretokenized, block_chars, index):
            index = block.index + 1
            yield block


def document_blocks(source: str, chunks: Iterable[tuple[str, int]], pretokenized: bool = False,
                    block_chars: int = BLOCK_CHARS, first_index: int = 0) -> Iterator[Block]:
    """One document's (text, bytes read so far) chunks cut into blocks of whole pieces, numbered from
    `first_index`; `postag serve` cuts a request's text with it, as `postag tag` cuts a file."""
    index = first_index
    teed = _Teed(iter(chunks))
    pieces = _line_pieces(teed, source) if pretokenized else iter_pieces(teed)
    start, size, members, first = 0, 0, [], True
    for offset, piece in pieces:
        # A piece starts at its first word: whitespace before it stays with the block before, whole, so
        # that a CoNLL-U block's last SpacesAfter holds all of it wherever the blocks are cut.
        lead = len(piece) - len(piece.lstrip())
        offset, piece = offset + lead, piece[lead:]
        if size >= block_chars:
            # The block ends where this piece starts: the whitespace before it is the block's.
            yield Block(index, source, start, teed.take(start, offset), members, first, teed.bytes_done)
            index, start, size, members, first = index + 1, offset, 0, [], False
        members.append((offset - start, offset - start + len(piece)))
        size += len(piece)
    rest = teed.take(start, None)
    if members or first:
        yield Block(index, source, start, rest, members, first, teed.bytes_done)


# ---- tokenizing, tagging and rendering a block (in a worker, or in this process) ----------------------------

def tag_block(block: Block, tagger, options: TagOptions, kind: str) -> RenderedBlock:
    """Tokenize each piece of the block (with the tokenizer of `kind`: pipelines.tagging.tokenizers), tag every
    sentence, render them in the output format."""
    sentences = tokenize_block(block, tokenizer_for(kind, tagger.tokenizer))
    tagged, scored = tag_sentences(tagger, sentences, options)
    parts = render_block(block, tagged, scored, options, tagger)
    return RenderedBlock(block.index, parts, sum(len(s) for s in sentences), len(sentences), block.bytes_done)


def tokenize_block(block: Block, tokenizer) -> list[Sentence]:
    """The sentences of the block's pieces, their spans indexing the block's text."""
    sentences: list[Sentence] = []
    for start, end in block.pieces:
        for sentence in tokenizer.tokenize(block.text[start:end]):
            sentences.append(Sentence(tuple(sentence.words),
                                      spans=tuple((a + start, b + start) for a, b in sentence.spans)))
    return sentences


def tag_sentences(tagger, sentences: list[Sentence], options: TagOptions) -> tuple[list[Sentence], list | None]:
    """(the sentences with their tags, each word's best tags with probabilities or None) as `options` asks.

    The tags are the best sequence of the head (Viterbi, for a CRF model) unless probabilities are shown
    (json, or top_k > 1): then each word's most probable tag, the first of its scored tags. CoNLL-U gets every
    upos/xpos head, the first as `tags`, the others as `more_tags`.
    """
    words = [s.words for s in sentences]
    fmt = options.output_format
    scored = None
    if fmt == "conllu":
        heads = [name for name in tagger.tagsets if name in CONLLU_COLUMNS] or [tagger.tagsets[0]]
        layers = [tagger.tag_sents(words, tagset=name) for name in heads]
        tagged = [Sentence(s.words, tuple(layers[0][i]), s.spans, tuple(tuple(layer[i]) for layer in layers[1:]))
                  for i, s in enumerate(sentences)]
    elif fmt == "json" or options.top_k > 1:
        scored = tagger.tag_sents_scored(words, top_k=options.top_k, tagset=options.tagset)
        tagged = [Sentence(s.words, tuple(token[0][0] for token in tokens), s.spans)
                  for s, tokens in zip(sentences, scored)]
    else:
        tags = tagger.tag_sents(words, tagset=options.tagset)
        tagged = [Sentence(s.words, tuple(t), s.spans) for s, t in zip(sentences, tags)]
    return tagged, scored


def render_block(block: Block, sentences: list[Sentence], scored, options: TagOptions,
                 tagger) -> list[tuple[str, str]]:
    """The tagged sentences of `block` in the output format: CoNLL-U as (comments before sent_id, the rest) per
    sentence, numbered by block_output; the other formats as one ("", text)."""
    fmt, text = options.output_format, block.text
    if fmt == "text":
        return [("", "".join(" ".join(f"{w}/{t}" for w, t in zip(s.words, s.tags)) + "\n" for s in sentences))]
    if fmt == "tsv":
        lines = []
        for index, s in enumerate(sentences):
            for position, (word, tag) in enumerate(zip(s.words, s.tags)):
                extra = "" if scored is None else "".join(
                    f"\t{t}\t{p:.4f}" if k else f"\t{p:.4f}" for k, (t, p) in enumerate(scored[index][position]))
                lines.append(f"{word}\t{tag}{extra}\n")
            lines.append("\n")
        return [("", "".join(lines))]
    if fmt == "json":
        records = []
        for s, tokens in zip(sentences, scored):
            record = {"source": block.source, "text": _sentence_text(text, s), "tokens": list(s.words),
                      "tags": list(s.tags), "probs": [round(token[0][1], 6) for token in tokens],
                      "offsets": [[a + block.start, b + block.start] for a, b in s.spans]}
            if options.top_k > 1:
                record["top_k"] = [[[t, round(p, 6)] for t, p in token] for token in tokens]
            records.append(json.dumps(record, ensure_ascii=False) + "\n")
        return [("", "".join(records))]
    heads = [name for name in tagger.tagsets if name in CONLLU_COLUMNS] or ["upos"]
    parts = []
    for index, s in enumerate(sentences):
        ranges = token_ranges(s)
        following = sentences[index + 1].spans[0][0] if index + 1 < len(sentences) else len(text)
        ends = [s.spans[last - 1][1] for _, last in ranges]
        starts = [s.spans[first][0] for first, _ in ranges[1:]] + [following]
        spaces_after = [text[end:start] for end, start in zip(ends, starts)]
        first_sentence = block.first and index == 0
        comments = f"# newdoc id = {_one_line(block.source)}\n" if first_sentence else ""
        body = conllu_sentence(s, heads, "", _sentence_text(text, s), spaces_after, text,
                               spaces_before=text[: s.spans[0][0]] if first_sentence else "")
        parts.append((comments, body.split("\n", 1)[1]))  # the sent_id line is numbered by the writer
    return parts


def _sentence_text(text: str, sentence: Sentence) -> str:
    return text[sentence.spans[0][0] : sentence.spans[-1][1]]


def _one_line(text: str) -> str:
    return " ".join(text.splitlines()) or text


# ---- workers ------------------------------------------------------------------------------------------------

_worker: dict = {}


def _start_worker(model: str, options: TagOptions, kind: str) -> None:
    import tagger as tagger_package

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the workers
    _worker.update(tagger=tagger_package.load(model, threads=1), options=options, kind=kind)


def _worker_tag_block(block: Block) -> RenderedBlock:
    return tag_block(block, _worker["tagger"], _worker["options"], _worker["kind"])


def default_workers(sources: list[str]) -> int:
    """One per core for large inputs, else one (in this process)."""
    sizes = [input_size(source) or 0 for source in sources]
    return (os.cpu_count() or 1) if sum(sizes) >= PARALLEL_BYTES else 1


def _rendered_blocks(blocks: Iterator[Block], tagger, options: TagOptions, kind: str, workers: int,
                     model: str | None) -> Iterator[RenderedBlock]:
    if workers <= 1:
        for block in blocks:
            yield tag_block(block, tagger, options, kind)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn: a fresh interpreter per worker, safe whatever threads this process has started.
    context = multiprocessing.get_context("spawn")
    executor = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                   initargs=(model, options, kind))
    pending: deque = deque()
    try:
        for block in blocks:
            pending.append(executor.submit(_worker_tag_block, block))
            while len(pending) > 2 * workers:  # a bounded queue keeps memory flat in the input size
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


# ---- the whole job ------------------------------------------------------------------------------------------

def tag_files(tagger, sources: list[str], write: Callable[[str], None], options: TagOptions = TagOptions(),
              pretokenized: bool = False, workers: int | None = None, model: str | None = None,
              progress: ProgressCallback | None = None, block_chars: int = BLOCK_CHARS) -> TagSummary:
    """Tag `sources` (files, or "-" for standard input) and pass the output to `write` piece by piece.

    `tagger` tags in this process; with `workers` > 1 each worker loads `model` (a name or directory) itself.
    """
    check_sources(sources)
    check_options(tagger, options)
    kind = decide(options.tokenizer, tagger.tokenizer, pretokenized, getattr(tagger, "directory", "the model"))
    workers = default_workers(sources) if workers is None else workers
    if workers < 1:
        raise PipelineError(f"--workers must be at least 1, not {workers}")
    if workers > 1 and model is None:
        raise PipelineError("tagging with several workers needs the model's name or directory")
    total = None if "-" in sources else sum(input_size(s) or 0 for s in sources)
    summary = TagSummary(list(sources), workers=workers, tokenizer=kind)
    started = time.perf_counter()
    blocks = iter_blocks(sources, pretokenized=kind == "lines", block_chars=block_chars)
    for rendered in _rendered_blocks(blocks, tagger, options, kind, workers, model):
        write(block_output(rendered, options.output_format, summary.sentences + 1))
        summary.sentences += rendered.sentences
        summary.tokens += rendered.tokens
        if progress is not None:
            progress(TagProgress(rendered.bytes_done, total, summary.tokens, summary.sentences,
                                 time.perf_counter() - started))
    summary.seconds = time.perf_counter() - started
    return summary


def block_output(rendered: RenderedBlock, output_format: str, first_sentence: int) -> str:
    """A tagged block as written; CoNLL-U sentence ids count on from `first_sentence`, across blocks and files."""
    if output_format == "conllu":
        return "".join(f"{comments}# sent_id = {number}\n{body}"
                       for number, (comments, body) in enumerate(rendered.parts, start=first_sentence))
    return "".join(body for _, body in rendered.parts)


def check_options(tagger, options: TagOptions) -> None:
    if options.output_format not in FORMATS:
        raise PipelineError(f"unknown output format {options.output_format!r}; choose from {', '.join(FORMATS)}")
    if options.top_k < 1:
        raise PipelineError(f"--top-k must be at least 1, not {options.top_k}")
    if options.top_k > 1 and options.output_format not in ("json", "tsv"):
        raise PipelineError("--top-k shows probabilities: use it with --format json or tsv")
    if options.tagset is not None and options.tagset not in tagger.tagsets:
        raise PipelineError(f"the model tags with {', '.join(tagger.tagsets)}, not {shorten(options.tagset)}")


def tag_to_output(tagger, sources: list[str], output: str | Path | None, options: TagOptions = TagOptions(),
                  **settings) -> TagSummary:
    """tag_files to standard output, or to `output` atomically (the old file stays until the new one is whole)."""
    summary, path = write_output(output, "tagged.txt", lambda write: tag_files(tagger, sources, write, options,
                                                                                **settings))
    summary.output = path
    return summary


def write_output(output: str | Path | None, default_name: str, produce: Callable[[Callable[[str], None]], object]):
    """(what `produce(write)` returns, the output path or None): text passed to `write` goes to standard output,
    UTF-8 whatever the locale and flushed at once, or to the file `output`, atomically."""
    if output is None:
        stdout = getattr(sys.stdout, "buffer", None)

        def write(text: str) -> None:  # flushed so that a pipe sees it at once
            if stdout is None:
                sys.stdout.write(text)
            else:
                stdout.write(text.encode("utf-8"))
                stdout.flush()

        return produce(write), None
    path = check_output_file(output, default_name)
    with open_atomically(path) as file:
        result = produce(lambda text: file.write(text.encode("utf-8")))
    return result, str(path)


