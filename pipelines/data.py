"""Choosing the data a job runs on: a named corpus, the user's files, or a gold file to score against."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from corpora import Corpus, Sentence, is_corpus_name, load_files, load_named_corpus, read_corpus_file

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
    from pipelines.training.silver import read_silver

    return dataclasses.replace(corpus, train=[*corpus.train, *read_silver(config.silver, corpus.tagsets)])


def build_vocabularies(corpus: Corpus, config):
    from tagger import Vocabularies

    more_tags = [[s.more_tags[i] for s in corpus.train] for i in range(len(corpus.tagsets) - 1)]
    return Vocabularies.build([s.words for s in corpus.train], [s.tags for s in corpus.train],
                              min_count=config.min_count, lowercase=config.lowercase, more_tags=more_tags)
