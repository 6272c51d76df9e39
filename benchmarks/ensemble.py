"""What an ensemble of trained taggers buys: each model alone, then all of them averaging their tag probabilities.

    python -m benchmarks.ensemble MODEL_DIR MODEL_DIR ... [--corpus ud:en_ewt] [--tagset upos] [--name ensemble]

Every model tags the test split (gold tokens) through the runtime; `tag_probabilities` gives each word's
probability for every tag (a CRF model's are its marginals), the ensemble averages them and takes the most
probable tag (as `postag silver` does). Accuracy overall and on words unseen in training (lower-cased form
absent from the train split). An ensemble costs one tagging pass per model; this measures what distilling
it into a single model (`postag silver`, then `--set silver=FILE`) could aim at.
Writes benchmarks/results/<name>.json and .md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys

import numpy as np

from benchmarks.common import save_results


def accuracy(predicted: list[list[str]], gold: list[tuple[str, ...]], unseen: list[list[bool]]) -> tuple[float, float]:
    pairs = [(p == g, u) for ps, gs, us in zip(predicted, gold, unseen) for p, g, u in zip(ps, gs, us)]
    unseen_pairs = [right for right, is_unseen in pairs if is_unseen]
    return sum(right for right, _ in pairs) / len(pairs), sum(unseen_pairs) / max(len(unseen_pairs), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--corpus", default="ud:en_ewt")
    parser.add_argument("--tagset", default="upos")
    parser.add_argument("--name", default="ensemble")
    args = parser.parse_args()

    from pipelines.data import load_training_corpus
    from tagger import Tagger

    corpus = load_training_corpus(args.corpus, tagset=args.tagset)
    sentences = [list(s.words) for s in corpus.test]
    gold = [s.tags for s in corpus.test]
    known = {word.lower() for s in corpus.train for word in s.words}
    unseen = [[word.lower() not in known for word in words] for words in sentences]
    taggers = [Tagger.load(model) for model in args.models]
    tags = taggers[0].tags_of(args.tagset)
    if any(tagger.tags_of(args.tagset) != tags for tagger in taggers):
        sys.exit("the models tag with different tags: an ensemble averages the same columns")
    rows, summed = [], None
    for model, tagger in zip(args.models, taggers):
        tables = tagger.tag_probabilities(sentences, args.tagset)
        summed = tables if summed is None else [a + b for a, b in zip(summed, tables)]
        predicted = [[tags[i] for i in table.argmax(axis=1)] for table in tables]
        overall, on_unseen = accuracy(predicted, gold, unseen)
        rows.append({"model": model, "accuracy": overall, "unseen_accuracy": on_unseen})
    predicted = [[tags[i] for i in table.argmax(axis=1)] for table in summed]
    overall, on_unseen = accuracy(predicted, gold, unseen)
    ensemble = {"model": f"ensemble of {len(taggers)} (mean probabilities)", "accuracy": overall,
                "unseen_accuracy": on_unseen}
    report = {"command": "python -m benchmarks.ensemble " + " ".join(sys.argv[1:]), "corpus": args.corpus,
              "tagset": args.tagset, "test_tokens": sum(map(len, sentences)),
              "machine": {"platform": platform.machine(), "cpus": os.cpu_count()}, "rows": [*rows, ensemble]}
    mean = float(np.mean([row["accuracy"] for row in rows]))
    lines = [
        f"# Ensemble: {args.corpus} test ({args.tagset}), gold tokens", "",
        f"Command: `{report['command']}`", "",
        "| model | test accuracy | unseen words |", "|---|---:|---:|",
        *[f"| {row['model']} | {row['accuracy']:.2%} | {row['unseen_accuracy']:.2%} |" for row in report["rows"]],
        "", f"Mean of the single models {mean:.2%}; the ensemble {overall - mean:+.2%} above it "
        f"({report['test_tokens']:,} test tokens).",
    ]
    save_results(args.name, report, "\n".join(lines))


if __name__ == "__main__":
    main()
