"""What a tagger takes from pretraining: word vectors (`embeddings`) and a character LM (`char_lm`).

Both are settings of TaggerConfig, a file or folder made by its own pipeline step (`postag embeddings
train`, `postag charlm train`), or "en" for the English ones: shipped in the package (tagger/pretrained/)
when an install has them, else made once into the pretraining cache (NAMED_VECTORS says by what command).
Here they are read and turned into what training needs: the vocabulary (extended with the vectors' most
frequent words, holding the LM's characters), the initial word embedding and the LM's weights. The trained
model keeps its own copy of everything it took, so tagging never reads these files.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipelines.errors import PipelineError


@dataclass(frozen=True)
class NamedVectors:
    """Vectors known by a name (`en`): shipped in the package when an install has them, else made once by
    `postag embeddings train SOURCES` into the pretraining cache (as `postag models build` does)."""

    shipped: str  # file under tagger/pretrained/
    sources: tuple[str, ...]
    cached: str  # file under pretraining_dir()
    settings: dict = field(default_factory=dict)  # of `postag embeddings train`, beyond its defaults

    def command(self) -> str:
        options = "".join(f" --{key.replace('_', '-')} {value}" for key, value in self.settings.items())
        return f"postag embeddings train {' '.join(self.sources)} --output {pretraining_dir() / self.cached}{options}"

    def make(self, progress=None) -> Path:
        """Train them into the pretraining cache (`command()`), or reuse what an earlier run left there."""
        from .embeddings import train_embeddings

        output = pretraining_dir() / self.cached
        output.parent.mkdir(parents=True, exist_ok=True)
        return train_embeddings(list(self.sources), output, progress=progress, **self.settings).output


NAMED_VECTORS = {
    # The English vectors, which the shipped en_ewt model is built with (pipelines/shipped.py): sources whose
    # licences allow shipping what is derived from them. EWT's train split (CC BY-SA 4.0), movie_reviews
    # (CC BY 4.0), US government and public-domain addresses; Brown (non-commercial in NLTK's index), abc and
    # webtext (licence not stated) are left out.
    "en": NamedVectors("en_vectors/vectors.txt.gz",
                       ("ud:en_ewt", "nltk:movie_reviews", "nltk:state_union", "nltk:inaugural"), "en_ewt-vectors.txt"),
}


def pretraining_dir() -> Path:
    """Where pretraining outputs are cached: $XDG_CACHE_HOME/postag/pretraining (~/.cache/postag/...)."""
    from corpora.registry import user_cache_dir

    return user_cache_dir() / "pretraining"


def named_vectors_file(name: str) -> Path | None:
    """The file of vectors known by `name`: shipped, else cached; None when this machine has neither."""
    from tagger.models import PRETRAINED_DIR

    named = NAMED_VECTORS[name]
    for path in (PRETRAINED_DIR / named.shipped, pretraining_dir() / named.cached):
        if path.is_file():
            return path
    return None


def resolve_vectors(name_or_path: str | Path) -> Path:
    """A vectors file: a path, or a name (`en`) for vectors shipped or made once into the pretraining cache."""
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    if str(name_or_path) in NAMED_VECTORS:
        found = named_vectors_file(str(name_or_path))
        if found is not None:
            return found
        raise PipelineError(f"the {str(name_or_path)!r} vectors are neither in this install nor in the pretraining "
                            f"cache; make them once (about 2 minutes): {NAMED_VECTORS[str(name_or_path)].command()}")
    raise PipelineError(f"embeddings={str(name_or_path)[:80]!r}: no such vectors file (train one with `postag "
                        f"embeddings train SOURCES --output FILE`; named: {', '.join(NAMED_VECTORS)})")


def settle_config(config):
    """The config with the sizes that pretrained inputs decide: word_dim (or vectors_dim, with keep_vectors)
    from the vectors, char_lm_dim and char_lm_char_dim from the LM. Reads only headers, so a comparison can
    settle every variant up front."""
    changes: dict = {}
    if config.embeddings:
        from corpora.vectors import read_header

        dim = read_header(resolve_vectors(config.embeddings)).dim
        changes.update(vectors_dim=dim) if config.keep_vectors else changes.update(word_dim=dim, vectors_dim=0)
    if config.char_lm:
        from .charlm import read_char_lm_info, resolve_char_lm

        info = read_char_lm_info(resolve_char_lm(config.char_lm))
        changes.update(char_lm_dim=int(info["units"]), char_lm_char_dim=int(info["char_dim"]))
    else:
        changes.update(char_lm_dim=0, char_lm_char_dim=0)
    return config.replace(**changes) if changes else config


@dataclass
class PretrainedInputs:
    config: object  # TaggerConfig, settled
    vocabs: object  # tagger.Vocabularies
    word_vectors: np.ndarray | None
    char_lm_weights: list[np.ndarray] | None
    metadata: dict = field(default_factory=dict)


def pretrained_vocabularies(vocabs, config, extend: bool = True):
    """`vocabs` extended with the vectors' `extend_vocab` most frequent new words (unless `extend` is off)
    and given the LM's characters."""
    if config.embeddings and config.extend_vocab and extend:
        from .embeddings import pretrained_embeddings

        vocabs = pretrained_embeddings(resolve_vectors(config.embeddings), vocabs, extend=config.extend_vocab).vocabs
    if config.char_lm and vocabs.lm_chars is None:
        from tagger import Vocab

        from .charlm import read_char_lm_info, resolve_char_lm

        vocabs = dataclasses.replace(vocabs, lm_chars=Vocab.from_json(
            read_char_lm_info(resolve_char_lm(config.char_lm))["chars"]))
    return vocabs


def pretrained_inputs(config, vocabs, word_vectors=None, vocabulary_settled: bool = False) -> PretrainedInputs:
    """Everything training needs from `config.embeddings` and `config.char_lm`.

    `vocabulary_settled`: `vocabs` already holds the extension (a comparison builds one vocabulary per
    group, `postag train --embeddings` one of its own); otherwise it is added here, as the LM's characters
    are. `word_vectors` already given (`postag train --embeddings`) are kept.
    """
    config = settle_config(config)
    metadata: dict = {}
    vocabs = pretrained_vocabularies(vocabs, config, extend=not vocabulary_settled)
    if config.embeddings and word_vectors is None:
        from .embeddings import pretrained_embeddings

        # The vocabulary holds the extension by now: match its words, add none.
        found = pretrained_embeddings(resolve_vectors(config.embeddings), vocabs, extend=0, seed=config.seed)
        word_vectors = found.matrix
        # Words from the vectors file have no training count.
        extended = sum(1 for word in vocabs.words.items[2:] if word not in vocabs.words.counts)
        metadata["embeddings"] = {**found.report, "extended": extended, "frozen": config.freeze_embeddings}
    char_lm_weights = None
    if config.char_lm:
        from .charlm import load_char_lm

        lm = load_char_lm(config.char_lm)
        if vocabs.lm_chars is None or vocabs.lm_chars.items != lm.chars.items:
            raise PipelineError(f"char_lm {config.char_lm}: its characters differ from the vocabulary's; was "
                                f"the LM retrained after the vocabulary was built?")
        char_lm_weights = lm.weights
        metadata["char_lm"] = {"path": str(lm.path), **lm.info}
    return PretrainedInputs(config, vocabs, word_vectors, char_lm_weights, metadata)
