"""Silver training data: raw text tagged by an ensemble of trained taggers, for a student to learn from.

An ensemble of taggers (seeds of one recipe) tags better than any of its members but costs one tagging pass
per member. Distillation would move that accuracy into one model: the ensemble tags sentences of raw text, and a
student trains on the gold corpus plus these silver sentences, seeing far more words in context than the
treebank holds (measured on EWT and nltk:treebank over 3 seeds, it did not beat the teachers' recipe:
benchmarks/results/ablation_*_silver.md). Each member's tag probabilities (a CRF's marginals) are
averaged per word; a sentence is kept only when every member's own best tag agrees with the ensemble's on
every word and every tagset (the agreement filter of tri-training), so the silver labels are the
ensemble's surest.

Sentences come from the raw-text corpora and files `postag embeddings train` reads (tokenized as tagging
does), 3 to `max_length` words, each distinct sentence once, in a seeded shuffle, until `max_tokens` words
are kept. The output is a CoNLL-U file (UPOS and/or XPOS columns, by the teachers' tagsets), written
atomically, that training adds to the gold training split with `--set silver=FILE`
(pipelines.data.with_silver, read_silver).

Pipelines print nothing: progress goes through a callback, the result comes back as a dataclass.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common.files import open_atomically
from corpora.conllu import conllu_sentence
from corpora.types import Sentence
from pipelines.data import silver_columns
from pipelines.errors import PipelineError
from pipelines.outputs import check_output_file
from pipelines.pretraining.vocab import iter_sentences, parse_source

CHUNK_SENTENCES = 2000  # sentences tagged per round: teachers batch well, the kept count is checked often


@dataclass(frozen=True)
class SilverProgress:
    read: int  # sentences tagged so far
    kept: int
    tokens: int  # words in the kept sentences
    max_tokens: int


@dataclass
class SilverResult:
    output: Path
    teachers: list[str]
    sources: list[str]
    tagsets: list[str]
    candidates: int  # distinct sentences of a usable length in the sources
    tagged: int  # sentences the ensemble tagged before enough were kept
    kept: int
    tokens: int
    seconds: float
    agreed: int = 0  # tagged sentences on which every teacher agreed with the ensemble

    @property
    def agreement(self) -> float:
        """Share of the tagged sentences on which every teacher agreed with the ensemble."""
        return self.agreed / max(self.tagged, 1)


def candidate_sentences(sources: list[str], max_length: int, seed: int) -> list[tuple[str, ...]]:
    """Distinct sentences of 3 to `max_length` words from the sources, shuffled with `seed`."""
    seen: set[tuple[str, ...]] = set()
    sentences = []
    for words in iter_sentences([parse_source(source) for source in sources]):
        if 3 <= len(words) <= max_length and words not in seen:
            seen.add(words)
            sentences.append(words)
    random.Random(seed).shuffle(sentences)
    return sentences


def ensemble_tags(teachers, sentences: list[tuple[str, ...]], tagset: str) -> tuple[list[list[str]], list[bool]]:
    """(the ensemble's tags of every sentence, whether every teacher agreed with them on every word)."""
    tags = teachers[0].tags_of(tagset)
    summed: list[np.ndarray] | None = None
    choices = []
    for teacher in teachers:
        tables = teacher.tag_probabilities(sentences, tagset)
        choices.append([table.argmax(axis=1) for table in tables])
        summed = tables if summed is None else [a + b for a, b in zip(summed, tables)]
    best = [table.argmax(axis=1) for table in summed]
    agreed = [all(np.array_equal(own[index], chosen) for own in choices) for index, chosen in enumerate(best)]
    return [[tags[i] for i in chosen] for chosen in best], agreed


def make_silver_corpus(teachers: list[str | Path], sources: list[str], output: str | Path,
                       max_tokens: int = 200_000, max_length: int = 60, seed: int = 1,
                       progress: Callable[[SilverProgress], None] | None = None,
                       keep_all: bool = False) -> SilverResult:
    """Tag the sources' sentences with the teachers' ensemble and write the agreed ones (`keep_all`: all of
    them) to `output`."""
    from tagger import Tagger

    if not teachers:
        raise PipelineError("give at least one teacher model (several: an ensemble)")
    if not sources:
        raise PipelineError("give at least one raw-text source, e.g. nltk:movie_reviews or a text file")
    if max_tokens < 1 or max_length < 3:
        raise PipelineError("max_tokens must be at least 1 and max_length at least 3")
    output = check_output_file(output, "silver.conllu")
    started = time.perf_counter()
    models = [Tagger.load(teacher) for teacher in teachers]
    tagsets = list(models[0].tagsets)
    for teacher, model in zip(teachers, models):
        if list(model.tagsets) != tagsets or any(model.tags_of(t) != models[0].tags_of(t) for t in tagsets):
            raise PipelineError(f"teacher {teacher} tags with other tagsets or tags than {teachers[0]}: the "
                                "members of an ensemble must share them")
    columns = silver_columns(tagsets)
    candidates = candidate_sentences(sources, max_length, seed)
    tagged = kept = tokens = agreed_count = 0
    with open_atomically(output, "w", encoding="utf-8") as file:
        for start in range(0, len(candidates), CHUNK_SENTENCES):
            if tokens >= max_tokens:
                break
            chunk = candidates[start : start + CHUNK_SENTENCES]
            layers, agreed = [], [True] * len(chunk)
            for tagset in tagsets:
                layer, layer_agreed = ensemble_tags(models, chunk, tagset)
                layers.append(layer)
                agreed = [a and b for a, b in zip(agreed, layer_agreed)]
            for index, words in enumerate(chunk):
                tagged += 1
                agreed_count += agreed[index]
                if not agreed[index] and not keep_all:
                    continue
                sentence = Sentence(words, tuple(layers[0][index]),
                                    more_tags=tuple(tuple(layer[index]) for layer in layers[1:]))
                file.write(conllu_sentence(sentence, columns, f"silver-{kept + 1}", None))
                kept += 1
                tokens += len(words)
                if tokens >= max_tokens:
                    break
            if progress:
                progress(SilverProgress(tagged, kept, tokens, max_tokens))
        if not kept:  # raised inside the block: no empty file is left behind
            raise PipelineError(f"the teachers agreed on none of the {tagged:,} sentences tagged; give more text, "
                                "or teachers trained longer")
    return SilverResult(output=output, teachers=[str(t) for t in teachers], sources=list(sources), tagsets=tagsets,
                        candidates=len(candidates), tagged=tagged, kept=kept, tokens=tokens,
                        seconds=time.perf_counter() - started, agreed=agreed_count)


def teacher_probabilities(teachers: Sequence[str | Path], sentences: Sequence[Sequence[str]], tagset: str,
                          tags: Sequence[str]) -> list[np.ndarray]:
    """The teachers' mean probability of every tag for every word (`--set distill=DIR,DIR`): one float32 array
    [words, len(tags)] a sentence, its columns in the order of `tags` (a student's tag list, with its padding
    tag, which gets 0). A teacher with a tag the student lacks, or without the tagset, is refused."""
    from tagger import ModelError, Tagger

    if not teachers:
        raise PipelineError("distill names no teacher: give model directories, comma-separated")
    column_of = {tag: index for index, tag in enumerate(tags)}
    sums = [np.zeros((len(words), len(tags)), np.float32) for words in sentences]
    for teacher in teachers:
        try:
            model = Tagger.load(teacher)
        except ModelError as error:
            raise PipelineError(f"distill teacher {teacher}: {error}") from None
        if tagset not in model.tagsets:
            raise PipelineError(f"distill teacher {teacher} tags {', '.join(model.tagsets)}, not {tagset}")
        own = model.tags_of(tagset)
        missing = [tag for tag in own if tag not in column_of]
        if missing:
            raise PipelineError(f"distill teacher {teacher} has tags the training data lacks: "
                                f"{', '.join(missing[:5])}")
        columns = np.array([column_of[tag] for tag in own], dtype=np.int64)
        for total, table in zip(sums, model.tag_probabilities(sentences, tagset)):
            total[:, columns] += table
    return [total / len(teachers) for total in sums]
