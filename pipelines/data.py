"""Choosing the data a job runs on: a named corpus, the user's files, or a gold file to score against."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from corpora import Corpus, CorpusError, Sentence, is_corpus_name, load_files, load_named_corpus, read_corpus_file
from corpora.conllu import TAG_COLUMNS, read_conllu

from .errors import PipelineError


def load_training_corpus(corpus: str | None = None, train: str | Path | None = None, dev: str | Path | None = None,
                         test: str | Path | None = None, format: str = "auto", tagset: str | None = None,
                         **file_options) -> Corpus:
    """A named corpus, or the user's files (`file_options`: split, separator, word_column, tag_column)."""
    if corpus and train:
        raise PipelineError("give either --corpus NAME or --train FILE, not both")
    if corpus:
        return load_named_corpus(corpus, tagset)  # None: the corpus's default tagset (UD upos, NLTK native)
    if train:
        return load_files(train, dev, test, format=format, tagset=tagset,
                          **{k: v for k, v in file_options.items() if v is not None})
    raise PipelineError("no training data: give --corpus NAME (e.g. ud:en_ewt) or --train FILE")


def load_gold(source: str, split: str = "test", tagset: str = "upos",
              format: str = "auto") -> tuple[str, list[Sentence]]:
    """(description, sentences) of a named corpus split or a tagged file."""
    if is_corpus_name(source):
        corpus = load_named_corpus(source, tagset)
        sentences = corpus.split(split)
        if not sentences:
            raise PipelineError(f"corpus {source} has no {split} split")
        return f"{source} {split}", sentences
    return source, read_corpus_file(source, format, tagset)


def data_fingerprint(corpus: Corpus) -> str:
    """SHA-256 over the tagset and every split's words and tags: the same data gives the same fingerprint."""
    digest = hashlib.sha256()
    digest.update(f"postag-data-v1\ntagset {corpus.tagset}\n".encode())
    for split in ("train", "dev", "test"):
        sentences = corpus.split(split)
        digest.update(f"{split} {len(sentences)}\n".encode())
        for sentence in sentences:
            digest.update(json.dumps([sentence.words, sentence.tags], ensure_ascii=False).encode("utf-8"))
            digest.update(b"\n")
    return "sha256:" + digest.hexdigest()


# ---- block 1 of training: checked data and its vocabularies -----------------------------------------

def check_corpus(corpus: Corpus) -> None:
    if not corpus.train:
        raise PipelineError(f"corpus {corpus.name} has no training sentences")
    if any(not s.tags for s in corpus.train):
        raise PipelineError(f"corpus {corpus.name}: training sentences must be tagged")
    layers = len(corpus.tagsets) - 1
    if any(len(s.more_tags) != layers for split in (corpus.train, corpus.dev, corpus.test) for s in split):
        raise PipelineError(f"corpus {corpus.name}: tagsets {corpus.tagset} need every sentence tagged in each "
                            "(several tagsets are read from CoNLL-U files only)")


def with_silver(corpus: Corpus, config) -> Corpus:
    """The corpus whose training split also holds the config's silver sentences (`config.silver`, written by
    pipelines.training.silver); the corpus itself when the config names none. Dev and test stay gold."""
    if not config.silver:
        return corpus
    return dataclasses.replace(corpus, train=[*corpus.train, *read_silver(config.silver, corpus.tagsets)])


def build_vocabularies(corpus: Corpus, config):
    from tagger import Vocabularies

    more_tags = [[s.more_tags[i] for s in corpus.train] for i in range(len(corpus.tagsets) - 1)]
    return Vocabularies.build([s.words for s in corpus.train], [s.tags for s in corpus.train],
                              min_count=config.min_count, lowercase=config.lowercase, more_tags=more_tags)


def silver_columns(tagsets: Sequence[str]) -> tuple[str, ...]:
    """The CoNLL-U columns the teachers' tagsets go to: upos and xpos by name; a lone other tagset
    (an NLTK corpus's native or universal tags) goes to UPOS, which `postag train --tagset upos` reads."""
    if all(tagset in TAG_COLUMNS for tagset in tagsets) and len(set(tagsets)) == len(tagsets):
        return tuple(tagsets)
    if len(tagsets) == 1:
        return ("upos",)
    raise PipelineError(f"teachers tag with {', '.join(tagsets)}: several tagsets must be upos and xpos")


def read_silver(path: str | Path, tagsets: Sequence[str]) -> list[Sentence]:
    """The sentences of a silver file, tagged in the columns the corpus's tagsets are written to. A joint tagger's
    silver data may lack its further tagsets (UPOS teachers leave XPOS out): those layers are then empty, and
    training leaves the heads they feed out for those sentences."""
    path = Path(path)
    if not path.is_file():
        raise PipelineError(f"silver data {path}: no such file; make it with `postag silver TEACHER_MODEL ... "
                            f"--source TEXT --output {path}`")
    try:
        columns = silver_columns(tagsets)
        sentences = read_conllu(path, ",".join(columns), untagged_ok=columns[1:])
    except CorpusError as error:
        raise PipelineError(f"silver data: {error}") from None
    if not sentences or any(not s.tags for s in sentences):
        raise PipelineError(f"silver data {path}: {'no sentences' if not sentences else 'untagged sentences'}; "
                            "write it with `postag silver`")
    return sentences
