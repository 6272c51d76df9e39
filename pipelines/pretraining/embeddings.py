"""Word embeddings as a pipeline step: train skip-gram vectors on text, look at their neighbours, and start a
tagger's word embedding from a vectors file.

- `train_embeddings`: words of text files (tokenized as `postag tag` does) and named corpora (their words,
  no tags) -> word ids -> skip-gram with negative sampling (tagger.skipgram) -> a word2vec text file, most
  frequent word first.
- `nearest_neighbours`: cosine neighbours of a word, reading the vectors file twice as it streams (once to
  find the word, once to compare every vector with it), so a file of any size works.
- `pretrained_embeddings` / `prepare_word_inputs`: the initial [vocabulary, word_dim] matrix for
  `postag train --embeddings FILE`. Each vocabulary key takes the vector of its exact form in the file,
  else of its lowercased form, else of the file's first (most frequent) form with the same lowercase
  ("NASA" for the key "nasa"). With `lowercase` (the tagger default) the vocabulary keys are lowercased
  words, so a cased file still serves them. Words without a vector are drawn from a normal distribution
  with the standard deviation of the vectors found; padding is zeros. `extend` adds the file's most
  frequent words the training data lacks, so words never seen in training still get a meaningful vector
  at tagging time (they do not count as seen in training: unseen-word accuracy stays honest).

Pipelines print nothing: progress goes through callbacks, results come back as dataclasses.
"""

from __future__ import annotations

import dataclasses
import heapq
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from common.errors import quoted
from corpora.vectors import iter_vector_blocks, read_header, select_vectors, write_vectors
from pipelines.errors import PipelineError
from pipelines.outputs import check_output_file

from .vocab import WordVocabFile, iter_sentences, load_word_vocab, parse_source, training_vocabularies

# ---- embeddings train ---------------------------------------------------------------------------------

@dataclass
class EmbeddingsProgress:
    """One event: stage "read" (a source starts) or "train" (tokens done of tokens total, loss)."""

    stage: str
    source: str = ""
    index: int = 0
    sources: int = 0
    epoch: int = 0
    epochs: int = 0
    tokens_done: int = 0
    tokens_total: int = 0
    loss: float | None = None


@dataclass
class EmbeddingsResult:
    output: Path
    sources: list[str]
    sentences: int
    corpus_tokens: int  # tokens read
    training_tokens: int  # tokens of words kept by min_count, per epoch
    vocabulary: int  # words written
    dim: int
    epochs: int
    train_seconds: float
    words_per_second: float  # training tokens x epochs / train_seconds
    read_seconds: float
    cpu_seconds: float = 0.0  # process CPU time while training (all threads)
    first_step_seconds: float = 0.0  # the first update: tracing and XLA compilation, mostly
    losses: list[float] = field(default_factory=list)
    epoch_losses: list[float] = field(default_factory=list)
    pairs: int = 0
    config: dict = field(default_factory=dict)
    reused: bool = False  # the output already held vectors trained on the same sources with the same settings


@dataclass
class CorpusIds:
    """A corpus as word ids: the frequency-sorted words kept by min_count and the tokens that use them."""

    words: list[str]
    counts: np.ndarray  # int64 [len(words)]
    token_ids: np.ndarray  # int32 [tokens kept]
    sentence_ids: np.ndarray  # int64 [tokens kept]
    sentences: int
    corpus_tokens: int


def corpus_ids(sentences, min_count: int, lowercase: bool) -> CorpusIds:
    """Word ids of an iterable of word tuples, most frequent word = id 0, words under min_count dropped."""
    index: dict[str, int] = {}
    ids = array("i")
    lengths = array("i")
    for words in sentences:
        if not words:
            continue
        keys = [word.lower() for word in words] if lowercase else words
        ids.extend([index.setdefault(key, len(index)) for key in keys])
        lengths.append(len(keys))
    raw_ids = np.frombuffer(ids, dtype=np.int32) if len(ids) else np.zeros(0, np.int32)
    raw_counts = np.bincount(raw_ids, minlength=len(index)) if len(index) else np.zeros(0, np.int64)
    words = list(index)
    # Most frequent first, ties alphabetical: a repeatable order, and the order extension relies on.
    order = sorted((i for i in range(len(words)) if raw_counts[i] >= min_count),
                   key=lambda i: (-raw_counts[i], words[i]))
    remap = np.full(len(words), -1, dtype=np.int64)
    remap[order] = np.arange(len(order))
    new_ids = remap[raw_ids] if len(raw_ids) else np.zeros(0, np.int64)
    sentence_ids = np.repeat(np.arange(len(lengths), dtype=np.int64), np.frombuffer(lengths, dtype=np.int32)
                             if len(lengths) else np.zeros(0, np.int32))
    kept = new_ids >= 0
    return CorpusIds(words=[words[i] for i in order], counts=raw_counts[order].astype(np.int64),
                     token_ids=new_ids[kept].astype(np.int32), sentence_ids=sentence_ids[kept],
                     sentences=len(lengths), corpus_tokens=len(raw_ids))


def train_embeddings(sources: list[str], output: str | Path, dim: int = 100, window: int = 5, epochs: int = 5,
                     min_count: int = 5, negatives: int = 5, lowercase: bool = True, batch_size: int = 4096,
                     learning_rate: float = 0.025, subsample: float = 1e-3, seed: int = 1, format: str = "auto",
                     progress: Callable[[EmbeddingsProgress], None] | None = None) -> EmbeddingsResult:
    """Skip-gram vectors for the words of `sources`, written to `output` (word2vec text, atomically).

    When `output` already holds vectors trained on the same sources with the same settings (its run record
    `output.run.json` says so and its SHA-256 matches), they are reused: `reused` is set, nothing trains.

    Raises PipelineError before writing anything when the sources hold no words, no word reaches
    `min_count`, or no two kept words share a sentence (no training pairs).
    """
    from tagger.training.skipgram import SkipGramConfig, train_skipgram

    notify = progress or (lambda event: None)
    output = Path(output)
    if not sources:
        raise PipelineError("no text: give text files or corpus names (nltk:brown, ud:en_ewt)")
    if min_count < 1:
        raise PipelineError(f"--min-count must be at least 1, not {min_count}")
    try:
        config = SkipGramConfig(dim=dim, window=window, negatives=negatives, epochs=epochs, batch_size=batch_size,
                                learning_rate=learning_rate, subsample=subsample, seed=seed)
    except ValueError as error:
        raise PipelineError(str(error)) from None
    check_output_file(output, "vectors.txt")
    parsed = [parse_source(source, format) for source in sources]
    request = {"sources": [source.describe() for source in parsed],
               "config": {**config.to_json(), "min_count": min_count, "lowercase": lowercase}}
    previous = _finished_vectors(output, request)
    if previous is not None:
        return previous

    started = time.perf_counter()
    data = corpus_ids(iter_sentences(parsed, lambda source, index, count: notify(
        EmbeddingsProgress("read", source=source.describe(), index=index, sources=count))), min_count, lowercase)
    read_seconds = time.perf_counter() - started
    described = ", ".join(sources)
    if data.corpus_tokens == 0:
        raise PipelineError(f"no words in {described}: nothing to train on, nothing written")
    if not data.words:
        raise PipelineError(f"no word occurs {min_count} times in {described} ({data.corpus_tokens:,} tokens); "
                            f"lower --min-count")
    if len(data.sentence_ids) < 2 or not (np.diff(data.sentence_ids) == 0).any():
        raise PipelineError(f"too little text in {described}: no sentence holds two words kept by --min-count")

    def on_progress(event) -> None:
        notify(EmbeddingsProgress("train", epoch=event.epoch, epochs=event.epochs, tokens_done=event.tokens_done,
                                  tokens_total=event.tokens_total, loss=event.loss))

    try:
        result = train_skipgram(data.token_ids, data.sentence_ids, data.counts, config, progress=on_progress)
    except FloatingPointError as error:
        raise PipelineError(f"{error}; nothing written") from None
    write_vectors(output, data.words, result.vectors)
    trained = EmbeddingsResult(
        output=output, sources=[source.describe() for source in parsed], sentences=data.sentences,
        corpus_tokens=data.corpus_tokens, training_tokens=len(data.token_ids), vocabulary=len(data.words), dim=dim,
        epochs=epochs, train_seconds=result.seconds, words_per_second=result.words_per_second,
        read_seconds=read_seconds, cpu_seconds=result.cpu_seconds, first_step_seconds=result.first_step_seconds,
        losses=result.losses, epoch_losses=result.epoch_losses, pairs=result.pairs,
        config={**config.to_json(), "min_count": min_count, "lowercase": lowercase})
    _record_vectors(output, request, trained)
    return trained


# The step's cache: beside the vectors file, what made it and its SHA-256. The same command run again finds
# the record, checks the file against it, and reuses the file instead of training again.
RUN_RECORD_SUFFIX = ".run.json"


def _record_path(output: Path) -> Path:
    return output.with_name(output.name + RUN_RECORD_SUFFIX)


def _record_vectors(output: Path, request: dict, result: EmbeddingsResult) -> None:
    import json

    from common.files import write_atomically
    from tagger.modeldir import file_sha256

    fields = {key: value for key, value in dataclasses.asdict(result).items() if key not in ("output", "reused")}
    write_atomically(_record_path(output), json.dumps({"request": request, "sha256": file_sha256(output),
                                                       "result": fields}, indent=1) + "\n")


def _finished_vectors(output: Path, request: dict) -> EmbeddingsResult | None:
    import json

    from tagger.modeldir import file_sha256

    record_path = _record_path(output)
    if not output.is_file() or not record_path.is_file():
        return None
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if record.get("request") != request or record.get("sha256") != file_sha256(output):
            return None
        return EmbeddingsResult(output=output, reused=True, **record["result"])
    except (OSError, ValueError, TypeError, KeyError):
        return None  # no usable record: train again


# ---- embeddings trim -----------------------------------------------------------------------------------

@dataclass
class TrimResult:
    output: Path
    words: int  # written
    words_in_file: int
    dim: int
    size_bytes: int


def trim_vectors(path: str | Path, output: str | Path, max_words: int, precision: int = 3) -> TrimResult:
    """The first `max_words` vectors of a file (the most frequent words, in files this project writes), with
    `precision` significant digits, to `output` (gzip-compressed when it ends with .gz): vectors small enough
    to ship. Three digits change a tagger's starting embedding by well under its training noise."""
    import gzip
    import shutil
    import tempfile

    from common.files import open_atomically

    path, output = Path(path), Path(output)
    if max_words < 1 or not 1 <= precision <= 9:
        raise PipelineError(f"--max-words must be at least 1 and --precision in 1..9, not {max_words}, {precision}")
    check_output_file(output, "vectors.txt.gz")
    header = read_header(path)
    words: list[str] = []
    rows: list[np.ndarray] = []
    total = 0
    for block in iter_vector_blocks(path):
        total += len(block.words)
        room = max_words - len(words)
        if room > 0:
            words.extend(block.words[:room])
            rows.append(block.values[:room])
    vectors = np.concatenate(rows) if rows else np.zeros((0, header.dim), np.float32)
    if output.suffix != ".gz":
        write_vectors(output, words, vectors, precision=precision)
    else:
        with tempfile.TemporaryDirectory() as folder:
            plain = write_vectors(Path(folder) / "vectors.txt", words, vectors, precision=precision)
            # mtime 0: the same vectors give the same bytes, so the file's checksum is stable
            with open(plain, "rb") as source, open_atomically(output, "wb") as target, \
                    gzip.GzipFile(fileobj=target, mode="wb", mtime=0, filename="") as packed:
                shutil.copyfileobj(source, packed)
    return TrimResult(output=output, words=len(words), words_in_file=total, dim=header.dim,
                      size_bytes=output.stat().st_size)


# ---- embeddings similar -------------------------------------------------------------------------------

@dataclass
class Neighbours:
    path: str
    word: str  # as asked
    found_as: str  # the form found in the file (the word, or its lowercased form)
    vectors: int  # in the file
    dim: int
    neighbours: list[tuple[str, float]]  # (word, cosine), closest first


def nearest_neighbours(path: str | Path, word: str, k: int = 10) -> Neighbours:
    """The k words whose vectors have the highest cosine with `word`'s (exact form, else lowercased)."""
    if k < 1:
        raise PipelineError(f"-k must be at least 1, not {k}")
    path = Path(path)
    lowered = word.lower()
    exact_vector = lowered_vector = None
    total = 0
    for block in iter_vector_blocks(path):  # pass 1: find the word, stop early (frequent words come first)
        for row, candidate in enumerate(block.words):
            if candidate == word:
                exact_vector = block.values[row].copy()
                break
            if lowered_vector is None and candidate == lowered:
                lowered_vector = block.values[row].copy()
        if exact_vector is not None:
            break
        total += len(block.words)
    if exact_vector is None and lowered_vector is None:
        also = f" (nor {quoted(lowered)})" if lowered != word else ""
        raise PipelineError(f"{quoted(word)}{also} is not in {path} ({total:,} words)")
    query, found_as = (exact_vector, word) if exact_vector is not None else (lowered_vector, lowered)
    norm = float(np.linalg.norm(query))
    if norm == 0:
        raise PipelineError(f"{path}: the vector of {quoted(found_as)} is all zeros: it has no neighbours")
    query = query / norm
    best: list[tuple[float, int, str]] = []  # a min-heap of the k best so far
    total, dim = 0, len(query)
    for block in iter_vector_blocks(path):  # pass 2: every vector against the word, a block at a time
        norms = np.linalg.norm(block.values, axis=1)
        cosines = block.values @ query / np.where(norms > 0, norms, 1.0)
        candidates = np.argsort(-cosines)[: k + 1]
        for row in candidates:
            candidate = block.words[row]
            if candidate == found_as:
                continue
            item = (float(cosines[row]), -(total + int(row)), candidate)  # ties: earlier (more frequent) first
            if len(best) < k:
                heapq.heappush(best, item)
            elif item > best[0]:
                heapq.heapreplace(best, item)
        total += len(block.words)
    ranked = sorted(best, reverse=True)
    return Neighbours(path=str(path), word=word, found_as=found_as, vectors=total, dim=dim,
                      neighbours=[(candidate, cosine) for cosine, _, candidate in ranked])


# ---- train --embeddings / --vocab ---------------------------------------------------------------------

@dataclass
class PretrainedEmbeddings:
    vocabs: object  # tagger.Vocabularies, extended when asked
    matrix: np.ndarray  # float32 [len(vocabs.words), dim]
    report: dict  # what config.json records: file, dim, coverage ...


def pretrained_embeddings(path: str | Path, vocabs, word_dim: int | None = None, extend: int = 0,
                          seed: int = 1) -> PretrainedEmbeddings:
    """The initial word embedding for `vocabs` from a vectors file (see the module docstring for matching).

    `word_dim`: the dimension the user asked for, if any; it must equal the file's.
    """
    from tagger import Vocab
    from tagger.vocab import PAD_ID

    path = Path(path)
    if extend < 0:
        raise PipelineError(f"--extend-vocab must not be negative, not {extend}")
    header = read_header(path)
    if word_dim is not None and word_dim != header.dim:
        raise PipelineError(f"{path}:1: the vectors have {header.dim} dimensions but word_dim is {word_dim} "
                            f"(--set word_dim); leave word_dim unset to take the file's {header.dim}")
    keys = set(vocabs.words.items[PAD_ID + 1:])
    lowered_keys = {key.lower() for key in keys}
    selected = select_vectors(path, lambda word: word in keys or word.lower() in lowered_keys, extra=extend,
                              extra_key=vocabs.word_key, known=keys.__contains__)
    exact: dict[str, np.ndarray] = {}
    by_lowercase: dict[str, np.ndarray] = {}
    for word, vector in zip(selected.words, selected.vectors):
        exact[word] = vector
        by_lowercase.setdefault(word.lower(), vector)  # file order: the most frequent form wins

    items = list(vocabs.words.items)
    added = [vocabs.word_key(word) for word in selected.extra]
    if added:
        items += added
        # Only the words change: further tag heads and a character LM's characters stay as they were.
        vocabs = dataclasses.replace(vocabs, words=Vocab(items=items, counts=dict(vocabs.words.counts), has_unk=True))
    matrix = np.zeros((len(items), header.dim), dtype=np.float32)
    found = np.zeros(len(items), dtype=bool)
    by_exact_form = np.zeros(len(items), dtype=bool)
    for row, key in enumerate(items):
        if row == PAD_ID:
            continue
        vector = exact.get(key)
        by_exact_form[row] = vector is not None
        if vector is None:
            vector = exact.get(key.lower())
        if vector is None:
            vector = by_lowercase.get(key.lower())
        if vector is not None:
            matrix[row], found[row] = vector, True
    # Coverage counts real words: neither padding nor the unknown entry, nor the words the file added.
    base_words = len(items) - len(added) - 2
    base = slice(2, 2 + base_words)
    covered_base = int(found[base].sum())
    exact_matches = int(by_exact_form[base].sum())
    if not found.any():
        raise PipelineError(f"{path}: none of the {base_words:,} vocabulary words has a vector in the file "
                            f"({selected.total:,} words); is it a vectors file for this language?")
    scale = float(matrix[found].std()) or 0.1
    missing = np.flatnonzero(~found)
    missing = missing[missing != PAD_ID]
    rng = np.random.default_rng(seed)
    matrix[missing] = rng.normal(0.0, scale, size=(len(missing), header.dim)).astype(np.float32)
    counts = vocabs.words.counts
    training_tokens = sum(counts.values())
    covered_tokens = sum(n for word, n in counts.items() if word in vocabs.words.index and
                         found[vocabs.words.index[word]])
    report = {
        "file": str(path),
        "dim": header.dim,
        "vectors_in_file": selected.total,
        "vocabulary": base_words,
        "covered": covered_base,
        "coverage": round(covered_base / base_words, 4) if base_words else 0.0,
        "exact": exact_matches,
        "lowercased": covered_base - exact_matches,
        "random": int(len(missing)),
        "random_std": round(scale, 4),
        "token_coverage": round(covered_tokens / training_tokens, 4) if training_tokens else 0.0,
        "extended": len(added),
    }
    return PretrainedEmbeddings(vocabs=vocabs, matrix=matrix, report=report)


@dataclass
class WordInputs:
    """What `postag train` passes to the training pipeline when --vocab/--embeddings are given."""

    config: object  # TaggerConfig, with word_dim, lowercase and freeze_embeddings settled
    vocabs: object | None  # tagger.Vocabularies, or None to build from the training data
    word_vectors: np.ndarray | None
    metadata: dict
    embeddings: dict | None = None  # the coverage report
    vocab_file: WordVocabFile | None = None
    vocab_coverage: float | None = None  # share of training tokens with their own id, with --vocab


def prepare_word_inputs(corpus, config, vocab_path: str | Path | None = None, vectors_path: str | Path | None = None,
                        freeze: bool = False, extend: int = 0, explicit: set[str] = frozenset()) -> WordInputs:
    """Settle the word vocabulary and initial embedding for training `corpus` with `config`.

    `explicit`: the configuration keys the user set by hand (--set); a vectors file then may not silently
    change word_dim, nor a vocabulary file lowercase.
    """
    from pipelines.data import build_vocabularies, check_corpus, with_silver

    if freeze and not vectors_path:
        raise PipelineError("--freeze-embeddings keeps pretrained vectors fixed: give them with --embeddings FILE")
    if extend and not vectors_path:
        raise PipelineError("--extend-vocab adds words from a vectors file: give it with --embeddings FILE")
    check_corpus(corpus)
    metadata: dict = {}
    vocabs, vocab_file, vocab_coverage = None, None, None
    if vocab_path:
        vocab_file = load_word_vocab(vocab_path)
        if "lowercase" in explicit and config.lowercase != vocab_file.lowercase:
            raise PipelineError(f"{vocab_path}: the vocabulary was built with lowercase={vocab_file.lowercase}, "
                                f"but --set lowercase={config.lowercase}")
        config = config.replace(lowercase=vocab_file.lowercase)
        vocabs = training_vocabularies(corpus, vocab_file)
        from .vocab import coverage_of_training

        vocab_coverage = coverage_of_training(vocabs, corpus)
        metadata["word_vocab"] = {"file": str(vocab_path), "size": len(vocabs.words), "lowercase": vocabs.lowercase,
                                  "training_token_coverage": round(vocab_coverage, 4)}
    word_vectors, report = None, None
    if vectors_path:
        vocabs = vocabs or build_vocabularies(with_silver(corpus, config), config)  # silver words too, as train's
        # With keep_vectors the file's dimension is the kept table's, and word_dim the learned one's.
        asked_dim = config.word_dim if "word_dim" in explicit and not config.keep_vectors else None
        pretrained = pretrained_embeddings(vectors_path, vocabs, asked_dim, extend, config.seed)
        vocabs, word_vectors, report = pretrained.vocabs, pretrained.matrix, pretrained.report
        config = config.replace(word_dim=config.word_dim if config.keep_vectors else report["dim"],
                                freeze_embeddings=freeze or config.freeze_embeddings,
                                embeddings=str(vectors_path), extend_vocab=extend)
        metadata["embeddings"] = {**report, "frozen": config.freeze_embeddings}
    return WordInputs(config=config, vocabs=vocabs, word_vectors=word_vectors, metadata=metadata,
                      embeddings=report, vocab_file=vocab_file, vocab_coverage=vocab_coverage)
