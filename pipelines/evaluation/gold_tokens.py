"""Scoring a tagger against gold sentences: accuracy, unseen-word accuracy, per-tag P/R/F1, confusions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from corpora import Sentence


@dataclass
class TagScore:
    precision: float
    recall: float
    f1: float
    support: int  # gold tokens with this tag


@dataclass
class Evaluation:
    accuracy: float
    oov_accuracy: float | None  # on words unseen in training; None when every word was seen
    tokens: int
    oov_tokens: int
    sentences: int
    per_tag: dict[str, TagScore] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)  # (gold, predicted, count)
    correct: list[bool] = field(default_factory=list, repr=False)  # per token, for significance tests

    def to_json(self, with_tokens: bool = False) -> dict:
        data = asdict(self)
        data["confusions"] = [{"gold": g, "predicted": p, "count": n} for g, p, n in self.confusions]
        if not with_tokens:
            data.pop("correct")
        return data

    @classmethod
    def from_json(cls, data: dict) -> Evaluation:
        return cls(accuracy=data["accuracy"], oov_accuracy=data["oov_accuracy"], tokens=data["tokens"],
                   oov_tokens=data["oov_tokens"], sentences=data["sentences"],
                   per_tag={tag: TagScore(**scores) for tag, scores in data["per_tag"].items()},
                   confusions=[(c["gold"], c["predicted"], c["count"]) for c in data["confusions"]],
                   correct=list(data.get("correct", [])))


def score(gold: Sequence[Sentence], predicted: Sequence[Sequence[str]],
          seen_in_training: Callable[[str], bool] | None = None, top_confusions: int = 10) -> Evaluation:
    """Compare predicted tag sequences with the gold sentences' tags, token by token."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} predicted")
    correct: list[bool] = []
    oov_total = oov_correct = 0
    gold_counts: Counter[str] = Counter()
    predicted_counts: Counter[str] = Counter()
    true_positives: Counter[str] = Counter()
    confusions: Counter[tuple[str, str]] = Counter()
    for sentence, tags in zip(gold, predicted):
        if len(sentence.tags) != len(tags):
            raise ValueError(f"sentence of {len(sentence.tags)} tokens got {len(tags)} predicted tags")
        for word, gold_tag, tag in zip(sentence.words, sentence.tags, tags):
            right = gold_tag == tag
            correct.append(right)
            gold_counts[gold_tag] += 1
            predicted_counts[tag] += 1
            if right:
                true_positives[tag] += 1
            else:
                confusions[(gold_tag, tag)] += 1
            if seen_in_training is not None and not seen_in_training(word):
                oov_total += 1
                oov_correct += right
    per_tag = {}
    for tag in sorted(set(gold_counts) | set(predicted_counts)):
        precision = true_positives[tag] / predicted_counts[tag] if predicted_counts[tag] else 0.0
        recall = true_positives[tag] / gold_counts[tag] if gold_counts[tag] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_tag[tag] = TagScore(precision, recall, f1, gold_counts[tag])
    return Evaluation(
        accuracy=sum(correct) / len(correct) if correct else 0.0,
        oov_accuracy=oov_correct / oov_total if oov_total else None,
        tokens=len(correct),
        oov_tokens=oov_total,
        sentences=len(gold),
        per_tag=per_tag,
        confusions=[(g, p, n) for (g, p), n in confusions.most_common(top_confusions)],
        correct=correct,
    )


def evaluate(tagger, sentences: Sequence[Sentence], tagset: str | None = None) -> Evaluation:
    """Tag the gold sentences' words with `tagger` (anything with tag_sents) and score the result.

    `tagset` picks an output head of a tagger with several (UPOS and XPOS); the gold `tags` must be that one's.
    """
    from corpora import CorpusError
    from pipelines.errors import PipelineError

    if not sentences:
        raise PipelineError("nothing to evaluate: the gold data holds no sentences")
    if any(not s.tags for s in sentences):
        raise CorpusError("the gold data has sentences without tags")
    known = set(tagger.tags_of(tagset) if tagset else getattr(tagger, "tagset", ()))
    if known:
        gold_tags = [t for s in sentences for t in s.tags]
        unknown = [t for t in gold_tags if t not in known]
        # A few unseen tags are just errors; mostly unseen means the wrong tagset (UPOS model, XPOS gold).
        if len(unknown) > len(gold_tags) / 2:
            raise PipelineError(
                f"most gold tags are unknown to the model (e.g. {', '.join(sorted(set(unknown))[:6])}); the model "
                f"tags with {', '.join(sorted(known)[:8])}, ...: evaluate with the model's tagset (--tagset)")
    words = [s.words for s in sentences]
    predicted = tagger.tag_sents(words, tagset=tagset) if tagset else tagger.tag_sents(words)
    vocabs = getattr(tagger, "vocabs", None)
    return score(sentences, predicted, vocabs.seen_in_training if vocabs else None)
