"""The models that ship inside the package (tagger/pretrained/<name>/), and the one command that rebuilds each.

    postag models build en_ewt [--output DIR]        (default: the package's own tagger/pretrained/en_ewt)

A recipe names the corpus, tagsets, settings and seed, and the pretraining it needs: word vectors trained on
named raw-text sources (`postag embeddings train`, cached under $XDG_CACHE_HOME/postag/pretraining and reused
by the next build). Building trains the tagger (and, where the recipe says so, the tokenizer it carries),
keeps only what tagging needs (the graph, quantized when the recipe says so, the vocabularies, config,
metrics and card; no Keras weights: they are twice the size and the same command remakes them), scores the
final graph on dev and test through the runtime, and writes the model card with the data, its licence, the
versions, the exact command and the seed. Every rebuild adds the model's size to the repository's history:
rebuild when the recipe improves, not otherwise.
"""

from __future__ import annotations

import datetime
import platform
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from corpora import CorpusError, corpus_entry
from pipelines.errors import PipelineError
from pipelines.pretraining.inputs import NAMED_VECTORS, named_vectors_file

PRETRAINED = Path(__file__).resolve().parents[2] / "tagger" / "pretrained"


@dataclass(frozen=True)
class Distillation:
    """Distillation by targets (TaggerConfig.distill): the recipe is first trained on `teacher_tagset` with each
    of `teacher_seeds`; these teachers tag the raw-text `sources` (`postag silver --keep-all`, up to
    `max_words`); the shipped model then learns, on gold and silver sentences, its first head's tags also from
    the teachers' mean tag probabilities (weight `weight`). Its further heads learn from gold sentences only."""

    teacher_tagset: str
    sources: tuple[str, ...]
    teacher_seeds: tuple[int, ...] = (1, 2, 3)
    max_words: int = 200_000
    weight: float = 0.5


@dataclass(frozen=True)
class Recipe:
    name: str
    corpus: str
    tagset: str
    settings: dict = field(default_factory=dict)  # TaggerConfig fields
    seed: int = 1
    quantize: bool = True  # int8 recurrent and dense weights and embedding tables: ~1.5x faster, 2.5x smaller
    # The trained tokenizer it carries (TokenizerConfig fields), trained on the same corpus; None: none.
    tokenizer: dict | None = None
    description: str = ""
    # Word vectors to initialise the word embedding with: a name of pipelines.pretraining.inputs.NAMED_VECTORS (their
    # sources, each one's licence allowing to ship what is derived from it); "" for none.
    vectors: str = ""
    distillation: Distillation | None = None


RECIPES = {
    "en_ewt": Recipe(
        name="en_ewt", corpus="ud:en_ewt", tagset="upos,xpos",
        # The accurate preset's two ingredients that helped (benchmarks/results/ablation_ewt_*.md): a CRF, and
        # vectors extending the vocabulary by their 20,000 most frequent words beyond the training corpus.
        settings={"architecture": "rnn", "crf": True, "extend_vocab": 20000},
        # Measured on EWT dev: the weight average and a shorter patience scored lower (pipelines/tokenizer_train).
        tokenizer={"ema": 0.0, "patience": 6, "max_seconds": 2100.0},
        description="English (UD English EWT v2.16): universal POS tags (UPOS) and Penn Treebank tags (XPOS) "
                    "from one BiLSTM with two CRF output heads",
        vectors="en",  # the same vectors as --preset accurate's on English corpora
        # EWT, 3 seeds (README, "Distillation by targets"): 95.84 +- 0.04% UPOS against 95.72 +- 0.10% without.
        distillation=Distillation(teacher_tagset="upos",
                                  sources=("nltk:state_union", "nltk:inaugural", "nltk:movie_reviews")),
    ),
}


def recipe_config(chosen: Recipe, max_seconds: float = 0.0):
    """The TaggerConfig a recipe trains with (its vectors by name: training finds the file)."""
    from tagger import TaggerConfig

    settings = {**chosen.settings, "seed": chosen.seed}
    if chosen.vectors:
        settings["embeddings"] = chosen.vectors
    if chosen.distillation:
        settings["distill_weight"] = chosen.distillation.weight
    if max_seconds:
        settings["max_seconds"] = max_seconds
    return TaggerConfig().replace(**settings)


@dataclass
class BuildResult:
    recipe: Recipe
    output: Path
    metrics: dict
    size_bytes: int
    seconds: float


def recipe(name: str) -> Recipe:
    try:
        return RECIPES[name]
    except KeyError:
        raise PipelineError(f"no recipe for a shipped model {name[:40]!r}; known: {', '.join(RECIPES)}") from None


def build_command(recipe: Recipe) -> str:
    return f"postag models build {recipe.name}"


def build(name: str, output: str | Path | None = None, max_seconds: float = 0.0,
          progress: Callable | None = None, trained: str | Path | None = None,
          trained_tokenizer: str | Path | None = None) -> BuildResult:
    """Train the recipe's model (and tokenizer) and write the shipped directory atomically to `output` or the
    package.

    `trained` / `trained_tokenizer`: a tagger / tokenizer directory already trained on the recipe's corpus
    (the tagger's configuration is checked), packaged instead of training again.
    """
    import time

    from pipelines.data import load_training_corpus
    from pipelines.evaluation.gold_tokens import evaluate
    from pipelines.training.tagger import head_sentences, train
    from tagger import Tagger
    from tagger.modeldir import CONFIG_FILE, GRAPH_FILE, METRICS_FILE, VOCAB_FILE, read_json, save_directory, write_json
    from tagger.training.export import quantize_graph

    chosen = recipe(name)
    output = Path(output) if output else PRETRAINED / chosen.name
    started = time.perf_counter()
    corpus = load_training_corpus(chosen.corpus, tagset=chosen.tagset)
    with tempfile.TemporaryDirectory(prefix="postag-build-") as folder:
        if trained is None:
            if chosen.vectors and named_vectors_file(chosen.vectors) is None:
                NAMED_VECTORS[chosen.vectors].make(progress)  # the pretraining step, once: then cached
            config = recipe_config(chosen, max_seconds)
            if chosen.distillation:
                config = config.replace(**_teachers_and_silver(chosen, Path(folder), max_seconds, progress))
            trained = Path(folder) / "trained"
            train(corpus, config, output=trained, progress=progress)
        else:
            trained = Path(trained)
            config = recipe_config(chosen)
            _check_trained(trained, chosen, config)
        graph = (trained / GRAPH_FILE).read_bytes()
        if chosen.quantize:
            graph = quantize_graph(graph)
        staged = Path(folder) / "shipped"
        staged.mkdir()
        for file_name in (CONFIG_FILE, VOCAB_FILE):
            shutil.copy2(trained / file_name, staged / file_name)
        (staged / GRAPH_FILE).write_bytes(graph)
        tokenizer_dir = None
        if chosen.tokenizer is not None:
            tokenizer_dir = _tokenizer(chosen, Path(folder), trained_tokenizer, progress)
            shutil.copytree(tokenizer_dir, staged / "tokenizer")
        # The scores a user will get: the final graph's, through the runtime.
        runtime = Tagger(staged, config, _vocabularies(staged), read_json(staged / CONFIG_FILE), graph)
        metrics = read_json(trained / METRICS_FILE)
        for head, tagset in enumerate(corpus.tagsets):
            for split, sentences in (("dev", corpus.dev), ("test", corpus.test)):
                scores = evaluate(runtime, head_sentences(sentences, head), tagset=tagset if head else None)
                if head == 0:
                    metrics[split] = scores.to_json()
                else:
                    metrics.setdefault("more_tagsets", {}).setdefault(tagset, {})[split] = scores.to_json()
        if tokenizer_dir is not None:
            metrics["raw_text"] = _raw_text_scores(runtime, staged / "tokenizer", chosen.corpus)
        entry = corpus_entry(chosen.corpus)
        config_json = {**read_json(trained / CONFIG_FILE), "shipped_as": chosen.name, "license": entry.license,
                       "graph": "int8 recurrent, dense and embedding weights" if chosen.quantize else "float32",
                       "build_command": build_command(chosen)}
        seconds = time.perf_counter() - started

        def write_files(target: Path) -> None:
            write_json(target / CONFIG_FILE, config_json)
            shutil.copy2(staged / VOCAB_FILE, target / VOCAB_FILE)
            (target / GRAPH_FILE).write_bytes(graph)
            if tokenizer_dir is not None:
                shutil.copytree(tokenizer_dir, target / "tokenizer")
            write_json(target / METRICS_FILE, metrics)
            (target / "README.md").write_text(model_card(chosen, entry, config_json, metrics, seconds),
                                              encoding="utf-8")

        save_directory(output, write_files)
    size = sum(p.stat().st_size for p in output.rglob("*") if p.is_file())
    return BuildResult(chosen, output, metrics, size, seconds)


def _teachers_and_silver(chosen: Recipe, folder: Path, max_seconds: float, progress) -> dict:
    """Train the recipe's teachers and let them tag its silver sentences: the student's distill and silver
    settings."""
    from pipelines.data import load_training_corpus
    from pipelines.training.silver import make_silver_corpus
    from pipelines.training.tagger import train

    plan = chosen.distillation
    corpus = load_training_corpus(chosen.corpus, tagset=plan.teacher_tagset)
    teachers = []
    for seed in plan.teacher_seeds:
        teachers.append(folder / f"teacher-{seed}")
        train(corpus, recipe_config(chosen, max_seconds).replace(seed=seed), output=teachers[-1], progress=progress)
    silver = folder / "silver.conllu"
    make_silver_corpus(teachers, list(plan.sources), silver, max_tokens=plan.max_words, keep_all=True)
    return {"distill": ",".join(str(teacher) for teacher in teachers), "silver": str(silver)}


def _tokenizer(chosen: Recipe, folder: Path, trained: str | Path | None, progress) -> Path:
    """The recipe's tokenizer directory: the one given (trained on the recipe's corpus), or trained here."""
    from tagger.tokenizer import read_tokenizer_files

    if trained is not None:
        config, *_ = read_tokenizer_files(Path(trained))
        if config.get("corpus") != chosen.corpus:
            raise PipelineError(f"{trained}: a tokenizer trained on {config.get('corpus')}, not {chosen.corpus}")
        return Path(trained)
    from pipelines.training.tokenizer import load_tokenizer_data, train_tokenizer
    from tagger.tokenizer_config import TokenizerConfig

    output = folder / "tokenizer"
    settings = {**chosen.tokenizer, "seed": chosen.seed}
    train_tokenizer(load_tokenizer_data(chosen.corpus), TokenizerConfig().replace(**settings), output=output)
    return output


def _raw_text_scores(runtime, tokenizer: Path, corpus: str) -> dict:
    """Tokens, sentences, words, UPOS and XPOS F1 from raw text (CoNLL 2018 metrics) on dev and test."""
    from pipelines.evaluation.raw_text import evaluate_raw, read_gold
    from tagger.tokenizer import load_tokenizer

    scores = {}
    for split in ("dev", "test"):
        description, gold = read_gold(corpus, split)
        scores[split] = evaluate_raw(gold, load_tokenizer(tokenizer), runtime, description).evaluation.to_json()
    return scores


def _check_trained(directory: Path, chosen: Recipe, config) -> None:
    from tagger import TaggerConfig
    from tagger.modeldir import CONFIG_FILE, METRICS_FILE, check_model_directory, read_json

    recorded = check_model_directory(directory)
    # The paths of the vectors file, the teachers and the silver data are the trainer's own; whether the recipe
    # has each is what must agree.
    paths = {"embeddings": bool(chosen.vectors), "distill": bool(chosen.distillation),
             "silver": bool(chosen.distillation)}
    ours = {k: v for k, v in config.to_json().items() if k != "max_seconds" and k not in paths}
    # Through TaggerConfig: settings added since that directory was saved read as their defaults.
    theirs_config = TaggerConfig.from_json(recorded["tagger"])
    theirs = {k: v for k, v in theirs_config.to_json().items() if k != "max_seconds" and k not in paths}
    for name, wanted in paths.items():
        if wanted != bool(getattr(theirs_config, name)):
            ours[name], theirs[name] = wanted, bool(getattr(theirs_config, name))
    if (recorded.get("corpus"), recorded.get("tagset")) != (chosen.corpus, chosen.tagset) or ours != theirs:
        differing = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
        raise PipelineError(f"{directory / CONFIG_FILE} was not trained by recipe {chosen.name} (corpus "
                            f"{recorded.get('corpus')}, tagset {recorded.get('tagset')}; settings differing: "
                            f"{', '.join(differing) or 'none'})")
    if read_json(directory / METRICS_FILE).get("complete") is not True:
        raise PipelineError(f"{directory}: its training did not finish")


def _vocabularies(directory: Path):
    from tagger import Vocabularies
    from tagger.modeldir import VOCAB_FILE, read_json

    return Vocabularies.from_json(read_json(directory / VOCAB_FILE))


def _raw_text_card(metrics: dict) -> list[str]:
    raw = metrics.get("raw_text")
    if not raw:
        return []
    lines = ["## From raw text (its trained tokenizer; CoNLL 2018 shared task metrics, F1)", "",
             "| split | tokens | sentences | words | UPOS | XPOS |", "|---|---|---|---|---|---|"]
    for split, scores in raw.items():
        cells = [scores.get(key, {}) or {} for key in ("tokens", "sentences", "words", "upos", "xpos")]
        lines.append(f"| {split} | " + " | ".join(f"{cell['f1']:.2%}" if cell else "—" for cell in cells) + " |")
    return [*lines, ""]


def source_licence(name: str) -> str:
    """A pretraining source's licence as its registry states it."""
    from corpora.raw_text import is_raw_corpus, raw_corpus

    if is_raw_corpus(name):
        return raw_corpus(name).license
    try:
        return corpus_entry(name).license
    except CorpusError:  # a file or a corpus this postag does not describe
        return "see the source"


def _vectors_card(chosen: Recipe, config: dict) -> list[str]:
    if not chosen.vectors:
        return []
    named = NAMED_VECTORS[chosen.vectors]
    sources = ", ".join(f"`{name}` ({source_licence(name)})" for name in named.sources)
    used = config.get("embeddings") or {}
    figures = (f": {used['vectors_in_file']:,} vectors of {used['dim']}, {used['extended']:,} words added to the "
               f"training vocabulary, {used['token_coverage']:.1%} of training tokens covered"
               if {"vectors_in_file", "dim", "extended", "token_coverage"} <= set(used) else "")
    return [f"Its word embedding starts from skip-gram vectors (`postag embeddings train "
            f"{' '.join(named.sources)}`) trained on {sources}{figures}.", ""]


def _distillation_card(chosen: Recipe, config: dict) -> list[str]:
    plan = chosen.distillation
    if not plan:
        return []
    silver = config.get("silver") or {}
    amount = (f"{silver['sentences']:,} sentences, {silver['tokens']:,} words" if {"sentences", "tokens"} <= set(silver)
              else f"up to {plan.max_words:,} words")
    sources = ", ".join(f"`{name}` ({source_licence(name)})" for name in plan.sources)
    return [f"It is distilled from {len(plan.teacher_seeds)} teachers, this recipe trained on "
            f"{plan.teacher_tagset.upper()} alone with seeds {', '.join(map(str, plan.teacher_seeds))}: its "
            f"{plan.teacher_tagset.upper()} head learned also their mean tag probabilities (weight {plan.weight}), on "
            f"the training split and on silver sentences, raw text the teachers tagged ({amount} of {sources}; "
            f"`postag silver --keep-all`). Its other heads learned from the gold training split only.", ""]


def model_card(chosen: Recipe, entry, config: dict, metrics: dict, seconds: float) -> str:
    def score(split: str, tagset: str | None = None) -> str:
        scores = metrics.get(split) if tagset is None else metrics.get("more_tagsets", {}).get(tagset, {}).get(split)
        if not scores:
            return "—"
        oov = scores.get("oov_accuracy")
        return f"{scores['accuracy']:.2%} (unseen words {oov:.2%})" if oov is not None else f"{scores['accuracy']:.2%}"

    tagsets = chosen.tagset.split(",")
    rows = [f"| {tagset.upper()} | {score('dev', None if i == 0 else tagset)} | "
            f"{score('test', None if i == 0 else tagset)} |" for i, tagset in enumerate(tagsets)]
    built = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    return "\n".join([
        f"# `{chosen.name}`: the English model shipped with postag",
        "",
        f"{chosen.description}. Tags with `postag tag FILE` (the default model), `postag tag FILE --tagset xpos`, "
        f"or in Python `tagger.load(\"{chosen.name}\")`; no network, no TensorFlow.",
        "",
        "## Scores (gold tokens, accuracy; through the shipped graph)",
        "",
        "| tagset | dev | test |",
        "|---|---|---|",
        *rows,
        "",
        *_raw_text_card(metrics),
        "## Data and licence",
        "",
        f"Trained on {entry.title} (`{chosen.corpus}`), train split, early-stopped on dev: {entry.source_url}.",
        f"Cite: {entry.citation}.",
        f"The treebank is licensed {entry.license}; this model is derived from it and is shared under the same "
        f"terms ({entry.license}), with attribution to the treebank's authors above.",
        "",
        *_vectors_card(chosen, config),
        *_distillation_card(chosen, config),
        "## How it was made",
        "",
        f"Command: `{build_command(chosen)}` (recipe `{chosen.name}` in pipelines/models/shipped.py: corpus "
        f"`{chosen.corpus}`, tagsets `{chosen.tagset}`, settings {chosen.settings}, seed {chosen.seed}).",
        f"Built {built} on {platform.machine()} (training {metrics.get('train_seconds', seconds) / 60:.0f} min) with "
        f"postag {config.get('postag_version')}, "
        f"TensorFlow {config.get('tensorflow_version')}, Keras {config.get('keras_version')}; graph: "
        f"{config['graph']}. Best epoch {metrics.get('best_epoch')} ({metrics.get('stopped_because')}), "
        f"{metrics.get('parameters', 0):,} parameters.",
        "",
    ])
