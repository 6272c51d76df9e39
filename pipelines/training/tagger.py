"""Training a tagger, as the five blocks: data, model, loss, updater, iterative learning.

`train()` prints nothing: it reports progress through a callback and returns a TrainResult. With an
output directory it saves the best model after every epoch that improves dev accuracy (atomically), so an
interrupted run still leaves the best model so far as a valid model directory.

Blocks 4 and 5, the updater and iterative learning, are the one loop that every training here goes through
(pipelines.training.loop); this module makes the data and the model and hands them over.

Under a distribution strategy (a TF_CONFIG cluster of workers, or several GPUs) the steps are
tagger.training.distributed's instead of fit's: each replica encodes only its part of every global batch
(`replica_batches`), the workers agree on the dev score and on when to stop, and only the chief writes the
model directory. Every worker ends with the same weights.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from common.files import output_lock
from corpora import Corpus, count_tokens
from pipelines.data import build_vocabularies, check_corpus, with_silver
from pipelines.errors import PipelineError
from pipelines.evaluation.gold_tokens import Evaluation, evaluate

from . import loop
from .loop import EpochRecord, ProgressCallback

if TYPE_CHECKING:  # numpy and TensorFlow are imported where training starts, not by importing this module
    import numpy as np

@dataclass
class TrainResult:
    tagger: object  # tagger.training.KerasTagger, holding the best weights
    history: list[EpochRecord]
    best_epoch: int
    train_seconds: float
    parameters: int
    dev: Evaluation | None = None
    test: Evaluation | None = None
    interrupted: bool = False
    stopped_because: str = ""
    output: Path | None = None
    metrics: dict = field(default_factory=dict)


def distribution_strategy():
    """The strategy to train under: MultiWorkerMirroredStrategy for the cluster in TF_CONFIG, MirroredStrategy
    over several GPUs, None for one device (Keras' fit, as always)."""
    import os

    from tagger.training.distributed import StrategyError, multi_worker_strategy

    if os.environ.get("TF_CONFIG"):
        try:
            return multi_worker_strategy()
        except StrategyError as error:
            raise PipelineError(str(error)) from None
        except (ValueError, KeyError, TypeError) as error:  # a TF_CONFIG that TensorFlow cannot read
            raise PipelineError(f"TF_CONFIG is not a cluster TensorFlow can use: {error}") from None
    import tensorflow as tf

    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return None


# ---- block 1: data ------------------------------------------------------------------------------------

def corpus_license(name: str) -> str | None:
    """A named corpus's licence, which a model trained on it may carry (None for the user's own files)."""
    from corpora import CorpusError, corpus_entry, is_corpus_name

    if not is_corpus_name(name):
        return None
    try:
        return corpus_entry(name).license or None
    except CorpusError:
        return None


def head_sentences(sentences, head: int):
    """The sentences with the tags of one output head as their `tags` (0: the first tagset)."""
    from corpora import Sentence

    if head == 0:
        return sentences
    return [Sentence(s.words, s.more_tags[head - 1], s.spans) for s in sentences]


def training_batches(encoder, sentences, batch_size: int, rng: np.random.Generator,
                     soft_targets: list[np.ndarray] | None = None):
    """A tf.data pipeline of length-bucketed, padded batches, reshuffled every epoch. With `soft_targets`
    (a [words, tags] array per sentence: teachers' probabilities), the first head's targets are [B, T, 1 + tags]:
    the gold tag id, then those probabilities (tagger.training.loss.summed_distilled_loss)."""
    import tensorflow as tf

    lengths = [len(s) for s in sentences]
    heads = len(encoder.vocabs.heads)

    def generate():
        for batch in _epoch_batches(lengths, batch_size, rng):
            inputs, tags = _encode_batch(encoder, [sentences[i] for i in batch], heads)
            if soft_targets is not None:
                tags = _with_soft_targets(tags, [soft_targets[i] for i in batch], heads)
            yield inputs, tags

    batches = len(_epoch_batches(lengths, batch_size, None))
    char_lm = encoder.vocabs.lm_chars is not None
    soft_width = soft_targets[0].shape[1] if soft_targets else 0
    dataset = tf.data.Dataset.from_generator(generate, output_signature=_batch_signature(heads, char_lm, soft_width))
    # A known length lets Keras end the epoch cleanly instead of warning that the data ran out.
    return dataset.apply(tf.data.experimental.assert_cardinality(batches)).prefetch(4)


def replica_batches(encoder, sentences, batch_size: int, rng: np.random.Generator, replicas: int,
                    replica_ids: list[int], encoded: list[int]):
    """The parts of every global batch that the replicas `replica_ids` (of `replicas`) train on, in turn.

    Every worker computes the same global batches as `training_batches` (the same lengths, the same seed),
    so all run the same number of steps; each encodes only its own replicas' sentences (sentence i of a
    batch goes to replica i mod `replicas`, which keeps the parts' lengths alike). A replica whose part is
    empty gets one all-padding row. With each part comes the global batch's number of real tokens, which
    the replica divides its summed loss by. `encoded[0]` counts the sentences this worker encoded.
    """
    import numpy as np
    import tensorflow as tf

    from corpora import Sentence

    lengths = [len(s) for s in sentences]
    heads = len(encoder.vocabs.heads)
    padding_row = Sentence((), (), (), tuple(() for _ in range(heads - 1)))

    def generate():
        for batch in _epoch_batches(lengths, batch_size, rng):
            global_tokens = np.float32(sum(lengths[i] for i in batch))
            for replica in replica_ids:
                chosen = [sentences[i] for i in batch[replica::replicas]]
                encoded[0] += len(chosen)
                # A word's features do not depend on the batch around it (SentenceEncoder pads every spelling
                # past the character CNN's reach), so a part computes what the whole batch would for its words.
                yield (*_encode_batch(encoder, chosen or [padding_row], heads), global_tokens)

    signature = (*_batch_signature(heads, encoder.vocabs.lm_chars is not None), tf.TensorSpec([], tf.float32))
    return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(4)


def _encode_batch(encoder, chosen, heads: int):
    """(inputs, tags) of a batch of sentences: tags [B, T], or a tuple of them with several heads."""
    inputs = encoder.inputs([s.words for s in chosen])
    length = inputs["words"].shape[1]
    tags = encoder.encode_tags([s.tags for s in chosen], length)
    if heads == 1:
        return inputs, tags
    return inputs, (tags, *(encoder.encode_tags([s.more_tags[i] for s in chosen], length, head=i + 1)
                            for i in range(heads - 1)))


def _with_soft_targets(tags, soft: list[np.ndarray], heads: int):
    """The batch's tags with the first head's as [B, T, 1 + tags]: the gold id, then the soft targets."""
    import numpy as np

    first = tags if heads == 1 else tags[0]
    combined = np.zeros((*first.shape, 1 + soft[0].shape[1]), np.float32)
    combined[..., 0] = first
    for row, table in enumerate(soft):
        combined[row, : len(table), 1:] = table
    return combined if heads == 1 else (combined, *tags[1:])


def _batch_signature(heads: int, char_lm: bool = False, soft_width: int = 0):
    import tensorflow as tf

    from tagger.training.keras_tagger import input_signature

    tag_spec = tf.TensorSpec([None, None], tf.int32)
    first = tf.TensorSpec([None, None, 1 + soft_width], tf.float32) if soft_width else tag_spec
    return input_signature(char_lm), first if heads == 1 else (first, *(tag_spec for _ in range(heads - 1)))


def _epoch_batches(lengths, batch_size, rng):
    from tagger import length_batches

    return length_batches(lengths, batch_size, rng=rng)


@dataclass
class Distribution:
    """How a run under a strategy shares the work; recorded in metrics.json as `distributed`."""

    strategy: str
    workers: int
    replicas: int
    worker: int  # this process's place among the workers (0: the chief)
    global_batch_size: int
    sentences_encoded: list[int] = field(default_factory=list)  # per worker, over all epochs
    weight_sums: list[float] = field(default_factory=list)  # per worker: the sum of |w| over its final weights

    def to_json(self) -> dict:
        return {"strategy": self.strategy, "workers": self.workers, "replicas": self.replicas,
                "global_batch_size": self.global_batch_size, "sentences_encoded": self.sentences_encoded,
                "weight_sums": self.weight_sums}


def train(
    corpus: Corpus,
    config,
    output: str | Path | None = None,
    progress: ProgressCallback | None = None,
    vocabs=None,
    word_vectors: np.ndarray | None = None,
    metadata: dict | None = None,
    strategy=None,
) -> TrainResult:
    """Train `config.architecture` on corpus.train, early-stopping on corpus.dev accuracy.

    Returns the best epoch's tagger with dev and test evaluations. Ctrl-C stops training after the
    current batch; the best model so far is kept (and saved when `output` is given). A loss that stops being
    a finite number is a TrainingDiverged error, and nothing is saved from that epoch on. While it runs, the
    output is locked: a second training into the same output fails at once (common.files.output_lock).

    `strategy`: a tf.distribute strategy to train under; by default `distribution_strategy()` (TF_CONFIG, or
    several GPUs). Under one, only the chief writes `output`; the other workers' results hold no evaluations.
    """
    strategy = strategy if strategy is not None else distribution_strategy()
    if strategy is not None:
        from tagger.training.distributed import is_chief

        if not is_chief(strategy):
            output = None
    if not output:
        return _train(corpus, config, None, progress, vocabs, word_vectors, metadata, strategy)
    with output_lock(output):
        return _train(corpus, config, output, progress, vocabs, word_vectors, metadata, strategy)


def _train(corpus, config, output, progress, vocabs, word_vectors, metadata, strategy) -> TrainResult:
    import contextlib

    import numpy as np

    # Keras through tagger.training, which imports TensorFlow with its start-up chatter silenced.
    from tagger.training import KerasTagger

    check_corpus(corpus)
    gold_sentences = len(corpus.train)
    # Silver sentences train, and count as seen in training, but scores stay on gold dev and test.
    corpus = with_silver(corpus, config)  # read_silver checks its sentences' tags
    silver = corpus.train[gold_sentences:]
    notify = progress or (lambda event: None)
    settings = config.training_settings()
    rng = loop.seeded(settings)

    # 1. data, with what pretraining gives (word vectors, a character LM) when the config names it
    vocabulary_settled = vocabs is not None
    vocabs = vocabs or build_vocabularies(corpus, config)
    char_lm_weights = None
    metadata = {"corpus": corpus.name, "tagset": corpus.tagset, "seed": config.seed,
                **({"license": license_text} if (license_text := corpus_license(corpus.name)) else {}),
                **(metadata or {})}
    if silver:
        metadata["silver"] = {"file": config.silver, "sentences": len(silver), "tokens": count_tokens(silver)}
    if config.distill:
        if strategy is not None:
            raise PipelineError("distillation (distill=...) trains on one machine: leave out the distribution "
                                "strategy")
        metadata["distill"] = {"teachers": _teachers(config), "weight": config.distill_weight}
    if config.embeddings or config.char_lm:
        from pipelines.pretraining.inputs import pretrained_inputs

        pretrained = pretrained_inputs(config, vocabs, word_vectors, vocabulary_settled)
        config, vocabs, word_vectors = pretrained.config, pretrained.vocabs, pretrained.word_vectors
        char_lm_weights = pretrained.char_lm_weights
        metadata = {**pretrained.metadata, **metadata}
    output = Path(output) if output else None

    # 2. model, 3. loss, 4. updater: built inside the strategy so they are replicated where it applies
    batches_per_epoch = len(_epoch_batches([len(s) for s in corpus.train], settings.batch_size, None))
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        tagger = KerasTagger(config, vocabs, metadata=metadata, word_vectors=word_vectors,
                             char_lm_weights=char_lm_weights)
        # Several heads: one loss each, summed (UPOS and XPOS learn from one encoder). Each is the masked
        # sequence loss (label-smoothed or not), or a CRF's sequence likelihood.
        losses = tagger.model.head_losses()
        weight_average = loop.compile_model(tagger.model, losses[0] if len(losses) == 1 else losses, settings,
                                            batches_per_epoch, strategy)
    tagger.metadata["weight_average"] = weight_average
    parameters = loop.count_parameters(tagger.model)
    sums = None
    if strategy is None:
        soft_targets = _soft_targets(config, corpus, vocabs) if config.distill else None
        dataset = training_batches(tagger.encoder, corpus.train, settings.batch_size, rng, soft_targets)
        distribution = None
        score_dev = (lambda: evaluate(tagger, corpus.dev).accuracy) if corpus.dev else None
    else:
        dataset, distribution, sums, encoded = _replica_data(strategy, tagger, corpus, settings, rng)
        score_dev = (lambda: _summed_dev_accuracy(tagger, corpus.dev, distribution, sums)) if corpus.dev else None

    # 5. iterative learning: the one loop (pipelines.training.loop), saving each better epoch
    def save_checkpoint(epoch: int, history: list, seconds: float) -> None:
        _save(tagger, output, corpus, history, epoch, seconds, parameters, complete=False)

    learned = loop.run(tagger.model, dataset, settings, batches_per_epoch, weight_average, notify=notify,
                       score_dev=score_dev, save=save_checkpoint if output else None, output=output,
                       strategy=strategy, sums=sums)
    history, best_epoch, train_seconds = learned.history, learned.best_epoch, learned.seconds
    interrupted, stopped_because = learned.interrupted, learned.stopped_because

    result = TrainResult(tagger, history, best_epoch, train_seconds, parameters, interrupted=interrupted,
                         stopped_because=stopped_because, output=output)
    if interrupted:
        return result  # the directory already holds the best epoch; no time for test scoring
    if distribution is not None:
        # What each worker did and ended with, known to all: the last collective, before the chief alone scores
        # and saves. The same weights everywhere show as the same sums.
        counts, weight_sums = np.zeros(distribution.workers), np.zeros(distribution.workers)
        counts[distribution.worker] = encoded[0]
        weight_sums[distribution.worker] = sum(float(np.abs(w).sum(dtype=np.float64))
                                               for w in tagger.model.get_weights())
        distribution.sentences_encoded = [int(n) for n in sums(counts)]
        distribution.weight_sums = [float(x) for x in sums(weight_sums)]
        result.metrics["distributed"] = distribution.to_json()
        from tagger.training.distributed import is_chief

        if not is_chief(strategy):
            return result
    result.dev = evaluate(tagger, corpus.dev) if corpus.dev else None
    result.test = evaluate(tagger, corpus.test) if corpus.test else None
    result.metrics = {**_metrics(corpus, history, best_epoch, train_seconds, parameters, result.dev, result.test,
                                 complete=True, stopped_because=stopped_because), **result.metrics}
    for head, tagset in enumerate(corpus.tagsets[1:], start=1):
        result.metrics.setdefault("more_tagsets", {})[tagset] = {
            split: evaluate(tagger, head_sentences(sentences, head), tagset=tagset).to_json()
            for split, sentences in (("dev", corpus.dev), ("test", corpus.test)) if sentences}
    if output:
        tagger.save(output, result.metrics, model_card(tagger, corpus, result.metrics))
    return result


def _teachers(config) -> list[str]:
    return [teacher.strip() for teacher in config.distill.split(",") if teacher.strip()]


def _soft_targets(config, corpus: Corpus, vocabs) -> list[np.ndarray]:
    """The teachers' mean tag probabilities for every training word, in the first head's tag order."""
    from .silver import teacher_probabilities

    return teacher_probabilities(_teachers(config), [s.words for s in corpus.train], corpus.tagsets[0],
                                 vocabs.heads[0].items)


def _replica_data(strategy, tagger, corpus: Corpus, config, rng):
    """(the distributed batches, the Distribution, the workers' sums, this worker's encoded-sentence count)."""
    from tagger.training.distributed import ReplicaData, WorkerSums, strategy_name

    encoded = [0]
    replicas = strategy.num_replicas_in_sync
    data = ReplicaData(strategy, lambda replica_ids: replica_batches(
        tagger.encoder, corpus.train, config.batch_size, rng, replicas, replica_ids, encoded))
    distribution = Distribution(strategy_name(strategy), data.workers, replicas, data.worker, config.batch_size)
    return data, distribution, WorkerSums(strategy), encoded


def _summed_dev_accuracy(tagger, dev, distribution: Distribution, sums) -> float:
    """Dev accuracy, each worker tagging its share of the sentences: the same number on every worker, so all
    make the same decisions (keep, decay, stop) from it."""
    share = dev[distribution.worker :: distribution.workers]
    correct = evaluate(tagger, share).correct if share else []
    right, tokens = sums([sum(correct), len(correct)])
    return float(right / max(tokens, 1.0))


def _metrics(corpus, history, best_epoch, seconds, parameters, dev=None, test=None, complete=False,
             stopped_because="") -> dict:
    def summary(evaluation: Evaluation | None):
        return None if evaluation is None else evaluation.to_json()

    return {
        "complete": complete,
        "corpus": corpus.name,
        "tagset": corpus.tagset,
        "train_sentences": len(corpus.train),
        "train_tokens": count_tokens(corpus.train),
        "best_epoch": best_epoch,
        "stopped_because": stopped_because,
        "train_seconds": round(seconds, 2),
        "parameters": parameters,
        "history": [asdict(r) for r in history],
        "dev": summary(dev),
        "test": summary(test),
    }


def _save(tagger, output, corpus, history, best_epoch, seconds, parameters, complete):
    metrics = _metrics(corpus, history, best_epoch, seconds, parameters, complete=complete,
                       stopped_because="training in progress; this is the best epoch so far")
    tagger.save(output, metrics, model_card(tagger, corpus, metrics))


def model_card(tagger, corpus: Corpus, metrics: dict) -> str:
    """README.md of a model directory: what it is, what data trained it, how good it is."""
    config = tagger.config
    lines = [
        f"# postag `{config.architecture}` tagger: {corpus.name} ({corpus.tagset})",
        "",
        f"Trained by postag on `{corpus.name}`: {metrics['train_sentences']:,} sentences, "
        f"{metrics['train_tokens']:,} tokens; best dev accuracy at epoch {metrics['best_epoch']} "
        f"({metrics['stopped_because']}).",
        "",
    ]
    license_text = tagger.metadata.get("license")
    if license_text:
        lines += [f"Training data license: {license_text}. Models trained on it may carry its terms.", ""]
    silver = tagger.metadata.get("silver")
    if silver:
        lines += [f"Trained also on {silver['sentences']:,} silver sentences ({silver['tokens']:,} words of raw text "
                  f"tagged by an ensemble, `{silver['file']}`); dev and test are gold.", ""]
    vectors, char_lm = tagger.metadata.get("embeddings"), tagger.metadata.get("char_lm")
    if vectors:
        lines += [f"Word embedding started from pretrained vectors `{vectors.get('file')}` ({vectors.get('dim')} "
                  f"dimensions; {vectors.get('coverage', 0):.2%} of the training vocabulary covered; "
                  f"{vectors.get('extended', 0):,} words added from the file).", ""]
    if char_lm:
        training = char_lm.get("training", {})
        lines += [f"Reads a pretrained character language model, `{char_lm.get('path')}` (kept frozen): trained "
                  f"on {', '.join(char_lm.get('sources', [])) or '?'}, {training.get('characters', 0):,} "
                  f"characters.", ""]
    lines += ["| split | accuracy | unseen-word accuracy | tokens |", "|---|---|---|---|"]
    for split in ("dev", "test"):
        scores = metrics.get(split)
        if scores:
            oov = scores["oov_accuracy"]
            lines.append(f"| {split} | {scores['accuracy']:.2%} | {'—' if oov is None else f'{oov:.2%}'} | "
                         f"{scores['tokens']:,} |")
    lines += [
        "",
        f"Training: {metrics['train_seconds']:.0f} s, {metrics['parameters']:,} parameters, seed {config.seed}.",
        "",
        "Use it: `postag tag FILE --model THIS_DIR`, or in Python `Tagger.load(THIS_DIR).tag(words)`.",
        "",
        "Configuration (config.json holds it all):",
        "",
        "```json",
        config.dumps(),
        "```",
        "",
    ]
    return "\n".join(lines)
