"""Named training recipes: `postag train --preset fast|accurate`.

A preset is a set of TaggerConfig settings that work on any corpus, plus the pretrained pieces it uses when
the corpus is English and they ship with the package (tagger/pretrained/: word vectors, and a character
LM). Options given on the command line (--epochs, --set KEY=VALUE, ...) override the preset's.

What each ingredient buys, and what it costs in training time and tagging speed, is measured on UD English EWT
with one seed (benchmarks/results/ablation_ewt_screen.md: each added alone to today's rnn;
ablation_ewt_combined.md: the two that did best, together). Pretrained word vectors helped alone (95.61 vs
95.37, McNemar p 0.009); a CRF on top of them helped again (95.77, p 0.022 against vectors alone); label
smoothing, the character BiLSTM and the cosine schedule did not help and are left out (they stay available
with --set), as is the character LM that 2 cores can pretrain in 45 minutes (ablation_ewt_charlm.md: 95.15,
worse, and tagging 9 times slower), and silver data tagged by a seed ensemble (`--set silver=FILE`;
ablation_ewt_silver.md, 3 seeds: 95.69 +- 0.13 against 95.72 +- 0.10 without). Distillation by targets
(`--set distill=DIR,DIR,DIR --set silver=FILE` from `postag silver --keep-all`) does help (EWT 95.84 +- 0.04,
nltk:treebank 97.51 +- 0.03, 3 seeds each) but needs the teachers trained first, three runs of this recipe, so
it is a recipe of its own (README), not a preset. So `accurate` is the default recipe with a CRF, pretrained
vectors on English corpora, and a longer time budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.errors import PipelineError


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    settings: dict = field(default_factory=dict)  # TaggerConfig fields, for every corpus
    english: dict = field(default_factory=dict)  # pretrained English pieces, for English corpora


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in [
        Preset("fast", "the default settings: a 2-layer BiLSTM over learned word embeddings, a character CNN "
               "and affixes"),
        Preset("accurate", "a CRF output layer and pretrained word vectors (on English corpora, when this "
               "install has them), the ingredients that measured better on UD English EWT; up to 40 minutes of "
               "training on 2 CPU cores",
               settings={"max_seconds": 2400.0, "crf": True},
               english={"embeddings": "en", "extend_vocab": 20000}),
    ]
}


@dataclass
class PresetChoice:
    config: object  # TaggerConfig
    notes: list[str]  # what the user should know (pretrained pieces used or not, and why)


def corpus_language(corpus_name: str | None) -> str | None:
    """'en' for the English named corpora (UD English treebanks, the NLTK corpora); None when unknown."""
    if not corpus_name:
        return None
    if corpus_name.startswith("nltk:"):
        return "en"
    if corpus_name.startswith("ud:"):
        return "en" if corpus_name.removeprefix("ud:").startswith("en_") else "other"
    return None


def apply_preset(name: str, config, corpus_name: str | None = None, language: str | None = None) -> PresetChoice:
    """`config` with the preset's settings (and its English pieces where the corpus is English)."""
    try:
        preset = PRESETS[name]
    except KeyError:
        raise PipelineError(f"unknown preset {name[:40]!r}; choose from {', '.join(PRESETS)}") from None
    config = config.replace(**preset.settings)
    notes: list[str] = []
    if not preset.english:
        return PresetChoice(config, notes)
    language = language or corpus_language(corpus_name)
    how = ("train them for your text with `postag embeddings train SOURCES --output FILE` (and `postag charlm "
           "train SOURCES --output DIR`), then add --set embeddings=FILE --set extend_vocab=20000 "
           "(--set char_lm=DIR)")
    if language != "en":
        reason = "the corpus is not English" if language else "the corpus's language is not known"
        notes.append(f"preset {name}: its pretrained English pieces are not used ({reason}); {how}")
        return PresetChoice(config, notes)
    from pipelines.pretraining.charlm import SHIPPED_CHARLM
    from pipelines.pretraining.inputs import NAMED_VECTORS, named_vectors_file
    from tagger.models import PRETRAINED_DIR

    available = {}
    for key, value in preset.english.items():
        if key == "embeddings" and named_vectors_file(value) is None:
            notes.append(f"preset {name}: the English vectors are not on this machine yet; make them once (about 2 "
                         f"minutes) with `{NAMED_VECTORS[value].command()}`, then train again")
            continue
        if key == "char_lm" and not (PRETRAINED_DIR / SHIPPED_CHARLM[value]).is_dir():
            notes.append(f"preset {name}: the shipped English character LM is missing from this install; {how}")
            continue
        available[key] = value
    if "extend_vocab" in available and "embeddings" not in available:
        del available["extend_vocab"]
    return PresetChoice(config.replace(**available), notes)
