"""Tokenizing (and tagging) a gold file's raw text, scored end to end with the CoNLL 2018 metrics.

A tokenizer here is anything that turns a text into sentences with `words` and `spans`: the rule tokenizer
(`corpora.tokenize`) or a trained one (`tagger.tokenizer.Tokenizer`). `evaluate_raw` runs it on the gold
raw text (`corpora.read_ud_text`), tags its words when a tagger is given, and scores tokens, sentences,
words, UPOS and XPOS with `pipelines.evaluation.conll18.score_raw`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from corpora import Sentence, TokenizedText, read_ud_text, token_ranges
from pipelines.errors import PipelineError
from pipelines.tagging.tokenizers import choose_tokenizer, tokenizer_name

from .conll18 import RawEvaluation, score_conllu_files, score_raw


@dataclass
class RawResult:
    """A raw-text evaluation with what was run and how long it took."""

    data: str
    tokenizer: str  # "rules", or the trained tokenizer's directory
    tagger: str | None
    evaluation: RawEvaluation
    characters: int
    tokens: int  # tokens the tokenizer produced
    tokenize_seconds: float
    tag_seconds: float | None

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.tokenize_seconds if self.tokenize_seconds else 0.0

    def to_json(self) -> dict:
        return {"data": self.data, "tokenizer": self.tokenizer, "tagger": self.tagger,
                "characters": self.characters, "tokens": self.tokens,
                "tokenize_seconds": round(self.tokenize_seconds, 4),
                "tokens_per_second": round(self.tokens_per_second),
                "tag_seconds": None if self.tag_seconds is None else round(self.tag_seconds, 4),
                **self.evaluation.to_json()}


def tokenize_document(tokenizer, text: str) -> list[Sentence]:
    """The tokenizer's sentences as corpora Sentences (words and spans, no tags)."""
    return [Sentence(tuple(s.words), spans=tuple(s.spans)) for s in tokenizer.tokenize(text)]


def tag_document(tagger, text: str, sentences: Sequence[Sentence]) -> TokenizedText:
    """The sentences tagged with every tagset the tagger has of UPOS and XPOS (one head each)."""
    words = [list(s.words) for s in sentences]
    tagsets = tuple(getattr(tagger, "tagsets", ("upos",)))
    upos = tagger.tag_sents(words, tagset="upos") if "upos" in tagsets else None
    xpos = tagger.tag_sents(words, tagset="xpos") if "xpos" in tagsets else None
    tagged = tuple(Sentence(s.words, tuple(upos[i]) if upos else (), s.spans) for i, s in enumerate(sentences))
    return TokenizedText(text, tagged, tuple(tuple(tags) for tags in xpos) if xpos else ())


def read_gold(data: str, split: str = "test") -> tuple[str, TokenizedText]:
    """(description, gold raw text) of a UD corpus name's split or a CoNLL-U file."""
    description, path = gold_file(data, split)
    return description, read_ud_text(path)


def gold_file(data: str, split: str = "test") -> tuple[str, Path]:
    """(description, CoNLL-U file) of a UD corpus name's split (checked against its checksum) or a file."""
    from pipelines.data import is_corpus_name

    if is_corpus_name(data):
        from corpora.registry import ud_files, ud_treebank, verify_ud_files

        if not data.startswith("ud:"):
            raise PipelineError(f"raw-text scoring needs gold tokens in CoNLL-U: a UD treebank (ud:...), not "
                                f"{data[:40]!r}")
        treebank = ud_treebank(data)
        paths = ud_files(treebank)
        if split not in paths:
            raise PipelineError(f"corpus {data} has no {split} split")
        verify_ud_files(treebank, {split: paths[split]})
        return f"{data} {split}", Path(paths[split])
    if not Path(data).is_file():
        raise PipelineError(f"{data}: no such file, nor a corpus name (ud:en_ewt)")
    return data, Path(data)


def evaluate_file_raw(system: str | Path, data: str, split: str = "test") -> RawResult:
    """`postag evaluate SYSTEM.conllu DATA --raw`: a CoNLL-U file that any tool wrote from the gold raw text
    (`postag tag --format conllu`, UDPipe, Stanza) scored against the gold, as `conll18_ud_eval.py` does."""
    description, gold = gold_file(data, split)
    evaluation = score_conllu_files(gold, system)
    system_text = read_ud_text(system, line_width=None)
    tokens = sum(len(token_ranges(s)) for s in system_text.sentences)
    return RawResult(description, str(system), None, evaluation, len(system_text.text), tokens, 0.0, None)


def evaluate_raw(gold: TokenizedText, tokenizer, tagger=None, data: str = "") -> RawResult:
    """Tokenize the gold raw text (and tag it), then score it as the CoNLL 2018 shared task does."""
    if not gold.sentences:
        raise PipelineError(f"{data or 'the gold data'}: no sentences to score")
    started = time.perf_counter()
    sentences = tokenize_document(tokenizer, gold.text)
    tokenize_seconds = time.perf_counter() - started
    tag_seconds = None
    if tagger is not None:
        started = time.perf_counter()
        system = tag_document(tagger, gold.text, sentences)
        tag_seconds = time.perf_counter() - started
    else:
        system = TokenizedText(gold.text, tuple(sentences))
    tokens = sum(len(token_ranges(s)) for s in sentences)
    directory = getattr(tagger, "directory", None)
    return RawResult(data, tokenizer_name(tokenizer), None if tagger is None else str(directory),
                     score_raw(gold, system), len(gold.text), tokens, tokenize_seconds, tag_seconds)


def evaluate_model_raw(model: str, data: str, split: str = "test", tokenizer_kind: str | None = None) -> RawResult:
    """`postag evaluate MODEL DATA --raw`: MODEL a tagger (tagged and scored with its tokenizer, or the one
    `tokenizer_kind` names) or a tokenizer directory alone (segmentation scored, nothing tagged)."""
    from tagger import Tagger, resolve_model
    from tagger.tokenizer import is_tokenizer_directory

    if is_tokenizer_directory(resolve_model(model)):
        tagger = None
        tokenizer = choose_tokenizer(tokenizer_kind, model=model)
    else:
        tagger = Tagger.load(model)
        tokenizer = choose_tokenizer(tokenizer_kind, tagger=tagger)
    description, gold = read_gold(data, split)
    return evaluate_raw(gold, tokenizer, tagger, description)
