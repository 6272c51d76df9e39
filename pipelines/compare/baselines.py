"""Non-neural baselines for `postag compare`: most-frequent tag, and NLTK's averaged perceptron.

Both tag lists of words like a Tagger (`tag_sents`), save to a model directory of plain JSON (never
pickle), and load back. No TensorFlow here: a baseline runs in a process that never imports it.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from common.files import staged_directory
from corpora import Sentence

MOST_FREQUENT = "most-frequent"
PERCEPTRON = "perceptron"
BASELINES = (MOST_FREQUENT, PERCEPTRON)
DESCRIPTIONS = {
    MOST_FREQUENT: "most frequent tag of the word in training; unseen words get the most frequent tag overall",
    PERCEPTRON: "NLTK averaged perceptron (nltk.tag.perceptron.PerceptronTagger), 5 passes over training",
}
MODEL_FILE = "model.json"
PERCEPTRON_ITERATIONS = 5  # NLTK's default


class MostFrequentTagTagger:
    """Each training word's most frequent tag (ties: alphabetical, so training repeats exactly)."""

    kind = MOST_FREQUENT

    def __init__(self, word_tags: dict[str, str], default_tag: str):
        self.word_tags = word_tags
        self.default_tag = default_tag

    @classmethod
    def train(cls, sentences: Sequence[Sentence]) -> MostFrequentTagTagger:
        per_word: dict[str, Counter[str]] = defaultdict(Counter)
        overall: Counter[str] = Counter()
        for sentence in sentences:
            for word, tag in zip(sentence.words, sentence.tags):
                per_word[word][tag] += 1
                overall[tag] += 1
        if not overall:
            raise ValueError("no tagged training tokens")

        def most_frequent(counts: Counter[str]) -> str:
            return min(counts, key=lambda tag: (-counts[tag], tag))

        return cls({word: most_frequent(counts) for word, counts in per_word.items()}, most_frequent(overall))

    @property
    def parameters(self) -> int:
        return len(self.word_tags) + 1  # one stored tag per word, and the default

    def tag_sents(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        lookup, default = self.word_tags, self.default_tag
        return [[lookup.get(word, default) for word in words] for words in sentences]

    def to_json(self) -> dict:
        return {"kind": self.kind, "default_tag": self.default_tag, "word_tags": self.word_tags}

    @classmethod
    def from_json(cls, data: dict) -> MostFrequentTagTagger:
        return cls(dict(data["word_tags"]), data["default_tag"])


class PerceptronBaseline:
    """NLTK's averaged perceptron tagger, trained through NLTK's own API on the training split."""

    kind = PERCEPTRON

    def __init__(self, tagger):
        self.tagger = tagger  # nltk.tag.perceptron.PerceptronTagger

    @classmethod
    def train(cls, sentences: Sequence[Sentence], seed: int,
              iterations: int = PERCEPTRON_ITERATIONS) -> PerceptronBaseline:
        from nltk.tag.perceptron import PerceptronTagger

        tagger = PerceptronTagger(load=False)
        training = [list(zip(s.words, s.tags)) for s in sentences if s.words]
        # NLTK shuffles with the global `random` between passes: seed it for a repeatable run, and put
        # the caller's random state back afterwards.
        state = random.getstate()
        random.seed(seed)
        try:
            tagger.train(training, nr_iter=iterations)
        finally:
            random.setstate(state)
        return cls(tagger)

    @property
    def parameters(self) -> int:
        """Feature-tag weights the perceptron keeps (plus the tag dictionary of frequent unambiguous words)."""
        return sum(len(weights) for weights in self.tagger.model.weights.values()) + len(self.tagger.tagdict)

    def tag_sents(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        return [[tag for _, tag in self.tagger.tag(list(words))] if words else [] for words in sentences]

    def to_json(self) -> dict:
        weights, tagdict, classes = self.tagger.encode_json_obj()
        return {"kind": self.kind, "weights": weights, "tagdict": tagdict, "classes": sorted(classes)}

    @classmethod
    def from_json(cls, data: dict) -> PerceptronBaseline:
        from nltk.tag.perceptron import PerceptronTagger

        tagger = PerceptronTagger(load=False)
        tagger.decode_json_params((data["weights"], data["tagdict"], data["classes"]))
        return cls(tagger)


KINDS = {MOST_FREQUENT: MostFrequentTagTagger, PERCEPTRON: PerceptronBaseline}


def train_baseline(kind: str, sentences: Sequence[Sentence], seed: int):
    if kind == MOST_FREQUENT:
        return MostFrequentTagTagger.train(sentences)
    if kind == PERCEPTRON:
        return PerceptronBaseline.train(sentences, seed)
    raise ValueError(f"unknown baseline {kind!r}; choose from {', '.join(BASELINES)}")


def save_baseline(model, directory: Path) -> Path:
    """Write the model into `directory`, replacing an existing one atomically."""
    directory = Path(directory)
    with staged_directory(directory) as staging:
        (staging / MODEL_FILE).write_text(json.dumps(model.to_json(), ensure_ascii=False), encoding="utf-8")
    return directory


def load_baseline(directory: Path):
    """The baseline saved in `directory`; ValueError when it is missing or not a baseline model."""
    path = Path(directory) / MODEL_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return KINDS[data["kind"]].from_json(data)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: not a saved baseline ({type(error).__name__}: {error})") from None
