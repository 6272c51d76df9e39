"""Which tokenizer splits raw text: the one choice behind `postag tag`, `tokenize`, `evaluate --raw` and Beam.

    model   a trained tokenizer: a tagger's own (its directory's tokenizer/), or a tokenizer directory
    rules   corpora.tokenize: NLTK's Punkt and Treebank rules, rewritten to run faster
    lines   input already tokenized (`--tokenized`): one sentence a line, words split by whitespace
    auto    model where there is a trained tokenizer, else rules (what nothing asked for means)

Every tokenizer here has one verb, `tokenize(text)`, giving sentences with `words` and `spans` (character
offsets into `text`). A worker process decides nothing: it is handed the kind and builds the same tokenizer
from its own copy of the tagger (`tokenizer_for`).
"""

from __future__ import annotations

from pathlib import Path

from corpora import Sentence
from pipelines.errors import PipelineError

REQUESTS = ("auto", "model", "rules")  # what --tokenizer accepts
NO_TRAINED = ("train one with `postag tokenizer train` and add it with `postag tokenizer attach TOKENIZER_DIR "
              "MODEL_DIR`, or use --tokenizer rules")


class RuleTokenizer:
    """The NLTK rule tokenizer (`corpora.tokenize`) with a trained tokenizer's `tokenize` verb."""

    name = "rules"

    def tokenize(self, text: str) -> list[Sentence]:
        from corpora import tokenize

        return tokenize(text)


class LineTokenizer:
    """Text already tokenized: the whitespace-separated words of `text` as one sentence (a line of
    `--tokenized` input), none for a blank one."""

    name = "lines"

    def tokenize(self, text: str) -> list[Sentence]:
        spans, position = [], 0
        for word in text.split():
            start = text.index(word, position)
            spans.append((start, start + len(word)))
            position = start + len(word)
        return [Sentence(tuple(text[a:b] for a, b in spans), spans=tuple(spans))] if spans else []


def decide(requested: str | None, trained, pretokenized: bool = False, where: object = "the model") -> str:
    """The kind that runs: "lines" for pretokenized input, else "model" or "rules" as `requested` (None or
    "auto": the trained tokenizer when there is one) and the `trained` tokenizer at hand allow."""
    if pretokenized:
        return "lines"
    requested = requested or "auto"
    if requested not in REQUESTS:
        raise PipelineError(f"--tokenizer must be one of {', '.join(REQUESTS)}, not {str(requested)[:40]!r}")
    if requested == "model" and trained is None:
        raise PipelineError(f"--tokenizer model: {where} has no trained tokenizer; {NO_TRAINED}")
    return "model" if requested == "model" or (requested == "auto" and trained is not None) else "rules"


def tokenizer_for(kind: str, trained=None):
    """The tokenizer of a kind `decide` gave; `trained` is the trained one for "model"."""
    if kind == "lines":
        return LineTokenizer()
    if kind == "model":
        return trained
    return RuleTokenizer()


def choose_tokenizer(requested: str | None, tagger=None, model: str | Path | None = None,
                     pretokenized: bool = False):
    """The tokenizer for a job: `tagger`'s own trained one, else that of `model` (a tokenizer directory, or a
    model by name or directory with a tokenizer/ sub-folder; the default model when `requested` is "model"
    and none is given), as `decide` chooses."""
    trained, where = None, "the model"
    if tagger is not None:
        trained, where = tagger.tokenizer, getattr(tagger, "directory", where)
    elif not pretokenized and (model is not None or requested == "model") and requested != "rules":
        from tagger.tokenizer import find_tokenizer

        trained, where = find_tokenizer(model), model or "the default model"
    return tokenizer_for(decide(requested, trained, pretokenized, where), trained)


def tokenizer_name(tokenizer) -> str:
    """"rules", "lines", or a trained tokenizer's directory."""
    directory = getattr(tokenizer, "directory", None)
    return str(directory) if directory is not None else getattr(tokenizer, "name", type(tokenizer).__name__)
