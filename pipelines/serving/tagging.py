"""What the server does with a checked request: the same steps as `postag tag`, in three parts.

    prepare   the text cut into blocks and tokenized (pipelines.tagging.stream: document_blocks, tokenize_block),
              or the given sentences laid out as `postag tag --tokenized` lays out lines
    tag       stream.tag_sentences over the sentences of many requests at once (pipelines.serving.batching)
    answer    JSON words with their spans, or CoNLL-U / TSV written by stream.render_block and block_output

So a text gets the same sentences, words, spans and tags as `postag tag - --format F` gives for it on
standard input, and CoNLL-U and TSV answers are that output byte for byte (tested). Spans count the
characters (Unicode code points) of the text as sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from corpora import Sentence
from pipelines.tagging.stream import (
    Block,
    RenderedBlock,
    TagOptions,
    block_output,
    document_blocks,
    render_block,
    tokenize_block,
)
from pipelines.tagging.tokenizers import decide, tokenizer_for

from .requests import BOTH, CONTENT_TYPES, ApiError, Limits, TagRequest, check_size

SOURCE = "-"  # the document's name in CoNLL-U (# newdoc id): what `postag tag -` calls standard input


@dataclass
class ServedModel:
    """A model loaded once at start, under the name requests use."""

    name: str
    tagger: object  # tagger.Tagger
    tokenizer: object  # the model's trained tokenizer, else the rules (pipelines.tagging.tokenizers)
    description: dict = field(default_factory=dict)  # what GET /v1/models shows

    @property
    def tagsets(self) -> tuple[str, ...]:
        return tuple(self.tagger.tagsets)


def load_model(name: str, reference: str, threads: int | None = None) -> ServedModel:
    """A shipped model's name or a model directory, loaded, with its card's facts for /v1/models."""
    import tagger as tagger_package

    loaded = tagger_package.load(reference, threads=threads)
    kind = decide("auto", loaded.tokenizer, False, loaded.directory)
    return ServedModel(name, loaded, tokenizer_for(kind, loaded.tokenizer), describe(name, loaded, kind))


def describe(name: str, loaded, tokenizer_kind: str) -> dict:
    """Names, tagsets with their tags, language, corpus, licence and scores from the model's own files."""
    from tagger.modeldir import METRICS_FILE, read_json
    from tagger.models import PRETRAINED_DIR

    directory = Path(loaded.directory)
    config = read_json(directory / "config.json")
    metrics = read_json(directory / METRICS_FILE) if (directory / METRICS_FILE).is_file() else {}
    corpus = str(config.get("corpus") or "")
    return {
        "name": name,
        "shipped": directory.parent == PRETRAINED_DIR,
        "tagsets": list(loaded.tagsets),
        "tags": {tagset: loaded.tags_of(tagset) for tagset in loaded.tagsets},
        "language": _language(corpus),
        "corpus": corpus or None,
        "license": config.get("license") or None,
        "tokenizer": "trained" if tokenizer_kind == "model" else "rules",
        "scores": _scores(metrics, loaded.tagsets),
    }


def _language(corpus: str) -> str | None:
    """The language of a UD treebank's corpus name (ud:en_ewt: English); None for others."""
    from corpora.ud import UD_TREEBANKS

    if not corpus.startswith("ud:"):
        return None
    treebank = UD_TREEBANKS.get(corpus.removeprefix("ud:").split("@")[0])
    return treebank.language if treebank is not None else None


def _scores(metrics: dict, tagsets: tuple[str, ...]) -> dict:
    """Accuracy on gold tokens per tagset and split, and the raw-text CoNLL 2018 F1 where the card has them."""
    gold = {}
    for index, tagset in enumerate(tagsets):
        source = metrics if index == 0 else (metrics.get("more_tagsets") or {}).get(tagset) or {}
        splits = {split: {"accuracy": source[split].get("accuracy"), "oov_accuracy": source[split].get("oov_accuracy")}
                  for split in ("dev", "test") if isinstance(source.get(split), dict)}
        if splits:
            gold[tagset] = splits
    raw = {}
    for split, scores in (metrics.get("raw_text") or {}).items():
        if isinstance(scores, dict):
            raw[split] = {key: value.get("f1") for key, value in scores.items() if isinstance(value, dict)}
    return {"gold_tokens_accuracy": gold, "raw_text_f1": raw}


# ---- prepare: blocks and sentences ------------------------------------------------------------------------

@dataclass
class Job:
    """A request's text as blocks and their tokenized sentences, and what to tag them with."""

    request: TagRequest
    served: ServedModel
    blocks: list[Block]
    sentences: list[list[Sentence]]  # per block; spans index the block's text
    options: list[TagOptions]  # one per tagging pass: two for json with tagset both

    @property
    def flat(self) -> list[Sentence]:
        return [sentence for block in self.sentences for sentence in block]

    @property
    def words(self) -> int:
        return sum(len(sentence) for block in self.sentences for sentence in block)


def prepare(request: TagRequest, served: ServedModel, limits: Limits) -> Job:
    """Cut and tokenize the text (or lay out the given sentences); 413 past the limits."""
    if request.text is not None:
        text = request.text
        blocks = list(document_blocks(SOURCE, [(text, len(text))] if text else []))
        sentences = [tokenize_block(block, served.tokenizer) for block in blocks]
    else:
        block, sentences_of_block = _given_sentences(request.sentences or ())
        blocks, sentences = [block], [sentences_of_block]
    job = Job(request, served, blocks, sentences, tagging_options(request, served.tagsets))
    check_size(sum(len(block) for block in sentences), job.words, limits)
    return job


def _given_sentences(given: tuple[tuple[str, ...], ...]) -> tuple[Block, list[Sentence]]:
    """Sentences of words as one block whose text is a line per sentence, words joined by one space, as
    `postag tag --tokenized` reads its input (an empty sentence is an empty line)."""
    lines, sentences, pieces, offset = [], [], [], 0
    for words in given:
        spans, position = [], offset
        for word in words:
            spans.append((position, position + len(word)))
            position += len(word) + 1
        line = " ".join(words)
        lines.append(line)
        pieces.append((offset, offset + len(line)))
        sentences.append(Sentence(tuple(words), spans=tuple(spans)))
        offset += len(line) + 1
    text = "".join(line + "\n" for line in lines)
    return Block(0, SOURCE, 0, text, [piece for piece in pieces if piece[1] > piece[0]], True, 0), sentences


def tagging_options(request: TagRequest, tagsets: tuple[str, ...]) -> list[TagOptions]:
    """The stream.tag_sentences passes a request needs, as few kinds as possible so that requests batch together:
    the best tag sequence unless probabilities are shown (top_k > 1), as `postag tag` decides."""
    if request.format == "conllu":
        return [TagOptions("conllu")]
    heads = [name for name in tagsets if name in ("upos", "xpos")] if request.tagset == BOTH else [request.tagset]
    if request.tagset == BOTH and len(heads) < 2:
        heads = list(tagsets[:2])
    return [TagOptions("json", head, request.top_k) if request.top_k > 1 else TagOptions("text", head)
            for head in heads]


# ---- answer ------------------------------------------------------------------------------------------------

def answer(job: Job, results: list[tuple[list[Sentence], list | None]]) -> tuple[bytes, str]:
    """(body, content type): `results` holds stream.tag_sentences' output of each of job.options, over job.flat."""
    request = job.request
    if request.format == "json":
        return _json_answer(job, results), CONTENT_TYPES["json"]
    (tagged, scored), = results
    options = TagOptions(request.format, None if request.format == "conllu" else request.tagset, request.top_k)
    pieces, position, first_sentence = [], 0, 1
    for block, sentences in zip(job.blocks, job.sentences):
        count = len(sentences)
        kept = [index for index in range(position, position + count) if len(tagged[index])]
        block_scored = None if scored is None else [scored[index] for index in kept]
        parts = render_block(block, [tagged[index] for index in kept], block_scored, options, job.served.tagger)
        rendered = RenderedBlock(block.index, parts, 0, len(kept), 0)
        pieces.append(block_output(rendered, request.format, first_sentence))
        first_sentence += len(kept)
        position += count
    return "".join(pieces).encode("utf-8"), CONTENT_TYPES[request.format]


def _json_answer(job: Job, results) -> bytes:
    request = job.request
    names = [options.tagset for options in job.options]
    both = request.tagset == BOTH
    with_spans = request.text is not None
    starts = [block.start for block, sentences in zip(job.blocks, job.sentences) for _ in sentences]
    out = []
    for index, (sentence, start) in enumerate(zip(job.flat, starts)):
        words = []
        for position, word in enumerate(sentence.words):
            entry: dict = {"word": word}
            if both:
                for name, (tagged, _) in zip(names, results):
                    entry[name] = tagged[index].tags[position]
            else:
                entry["tag"] = results[0][0][index].tags[position]
            if with_spans:
                first, last = sentence.spans[position]
                entry["start"], entry["end"] = first + start, last + start
            if request.top_k > 1:
                tops = {name: [[tag, round(p, 6)] for tag, p in scored[index][position]]
                        for name, (_, scored) in zip(names, results)}
                entry["top"] = tops if both else tops[names[0]]
            words.append(entry)
        out.append({"words": words})
    return json.dumps({"model": job.served.name, "sentences": out}, ensure_ascii=False).encode("utf-8")


def error_body(status: int, message: str) -> bytes:
    return json.dumps({"error": message, "status": status}, ensure_ascii=False).encode("utf-8")


__all__ = ["ApiError", "Job", "ServedModel", "answer", "error_body", "load_model", "prepare", "tagging_options"]
