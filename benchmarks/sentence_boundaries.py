"""Sentence boundaries from words as well as characters: does a word-level BiLSTM help the trained tokenizer?

    python benchmarks/sentence_boundaries.py [--tokenizer DIR] [--corpus ud:en_ewt] [--max-seconds 900]

The trained tokenizer decides sentence ends from characters alone (a BiGRU over 4 characters a step). Most of
its errors on EWT are boundaries without punctuation in web and mail text, where words say more than
characters. This measures a second opinion: an rnn tagger trained on the treebank's paragraphs, each one a
"sentence" of words tagged E (the word ends a sentence) or O; the training paragraphs are cut into runs of
whole sentences of at most 100 words, dev and test paragraphs are whole. On the tokenizer's own tokens of the
raw text (CoNLL 2018 layout), a token ends a sentence where w * P_words(E) + (1 - w) * P_chars(sentence end)
exceeds t (and at every blank line, as always); w and t are chosen on dev, then scored once on test.

Scores are the CoNLL 2018 shared task's sentences F1 (character-aligned). Writes
benchmarks/results/sentence_boundaries.json and .md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from saving import save_results  # noqa: E402

END, INSIDE = "E", "O"
WEIGHTS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 1.0)
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


def paragraphs(gold, longest: int | None):
    """The gold text's paragraphs as Sentences of words tagged E/O; with `longest`, cut into runs of whole
    sentences of at most that many words (one longer sentence stays whole)."""
    from corpora import Sentence

    starts = set(gold.paragraph_starts) | set(gold.document_starts) | {0}
    runs: list[list[tuple[str, str]]] = []
    for index, sentence in enumerate(gold.sentences):
        tags = [INSIDE] * (len(sentence.words) - 1) + [END]
        if index in starts or not runs or (longest and len(runs[-1]) + len(sentence.words) > longest):
            runs.append([])
        runs[-1].extend(zip(sentence.words, tags))
    return [Sentence(tuple(w for w, _ in run), tuple(t for _, t in run)) for run in runs if run]


class Segmented:
    """The tokenizer's tokens of one text, with both models' probabilities that each ends a sentence."""

    def __init__(self, tokenizer, words_model, gold):
        from tagger.segmentation import LINE_BREAK, segment

        self.gold, text = gold, gold.text
        ids, classes = tokenizer.encoder.encode(text)
        logits = tokenizer.logits(ids, classes)
        started = time.perf_counter()
        self.starts, self.ends, stops = segment(logits, classes)
        last = logits[self.ends - 1, 3:5]  # token end, sentence end: at each token's last character
        exp = np.exp(last - last.max(axis=1, keepdims=True))
        self.p_chars = exp[:, 1] / exp.sum(axis=1)
        line_ends = np.concatenate([[0], np.cumsum(classes == LINE_BREAK)])
        count = len(self.starts)
        self.blank = np.zeros(count, bool)
        self.blank[:-1] = (line_ends[self.starts[1:]] - line_ends[self.ends[:-1]]) >= 2
        self.blank[-1] = True
        self.chars_only = np.zeros(count, bool)
        self.chars_only[stops - 1] = True
        forms = [text[a:b] for a, b in zip(self.starts.tolist(), self.ends.tolist())]
        self.words = [tokenizer.splitter.split(form) for form in forms]
        blocks, current = [], []
        for index in range(count):
            current.append(index)
            if self.blank[index]:
                blocks.append(current)
                current = []
        self.p_words = np.zeros(count)
        scored = words_model.tag_sents_scored([[w for i in block for w in self.words[i]] for block in blocks],
                                              top_k=2)
        for block, word_scores in zip(blocks, scored):
            position = 0
            for index in block:
                position += len(self.words[index])
                self.p_words[index] = dict(word_scores[position - 1]).get(END, 0.0)
        self.words_seconds = time.perf_counter() - started

    def sentences_f1(self, ends: np.ndarray) -> float:
        from corpora import Sentence
        from corpora.ud_text import TokenizedText
        from pipelines.raw_eval import score_raw

        ends = ends | self.blank
        sentences, first = [], 0
        for last in np.flatnonzero(ends).tolist():
            words, spans = [], []
            for index in range(first, last + 1):
                span = (int(self.starts[index]), int(self.ends[index]))
                words += self.words[index]
                spans += [span] * len(self.words[index])
            sentences.append(Sentence(tuple(words), spans=tuple(spans)))
            first = last + 1
        return score_raw(self.gold, TokenizedText(self.gold.text, tuple(sentences))).sentences.f1

    def mixed(self, weight: float, threshold: float) -> np.ndarray:
        return weight * self.p_words + (1 - weight) * self.p_chars > threshold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokenizer", default=None, help="tokenizer directory (default: the shipped en_ewt's)")
    parser.add_argument("--corpus", default="ud:en_ewt")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="training time of the words model")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", default=None, help="keep the words model in this directory")
    parser.add_argument("--name", default="sentence_boundaries")
    args = parser.parse_args()

    from corpora import Corpus
    from pipelines.evaluate_raw import read_gold
    from pipelines.train import train
    from tagger import Tagger, TaggerConfig, resolve_model
    from tagger.tokenizer import Tokenizer

    tokenizer_dir = Path(args.tokenizer) if args.tokenizer else resolve_model("en_ewt") / "tokenizer"
    golds = {split: read_gold(args.corpus, split)[1] for split in ("train", "dev", "test")}
    corpus = Corpus(f"{args.corpus} paragraphs", "upos", train=paragraphs(golds["train"], 100),
                    dev=paragraphs(golds["dev"], None), test=paragraphs(golds["test"], None))
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        model_dir = Path(args.keep or Path(folder) / "words")
        config = TaggerConfig(architecture="rnn", seed=args.seed, max_seconds=args.max_seconds)
        result = train(corpus, config, output=model_dir)
        words_model = Tagger.load(model_dir)
        tokenizer = Tokenizer.load(tokenizer_dir)
        segmented = {split: Segmented(tokenizer, words_model, golds[split]) for split in ("dev", "test")}
    grid = {(w, t): segmented["dev"].sentences_f1(segmented["dev"].mixed(w, t)) for w in WEIGHTS for t in THRESHOLDS}
    best_weight, best_threshold = max(grid, key=grid.get)
    rows = []
    for label, choose in (("characters (the tokenizer alone)", lambda s: s.chars_only),
                          ("words alone, P > 0.5", lambda s: s.p_words > 0.5),
                          (f"mixed, w {best_weight}, t {best_threshold} (best on dev)",
                           lambda s: s.mixed(best_weight, best_threshold))):
        rows.append({"decision": label, "dev": segmented["dev"].sentences_f1(choose(segmented["dev"])),
                     "test": segmented["test"].sentences_f1(choose(segmented["test"]))})
    tokens = len(segmented["test"].starts)
    report = {
        "command": "python benchmarks/sentence_boundaries.py " + " ".join(sys.argv[1:]),
        "machine": {"platform": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_before": load_before, "load_after": os.getloadavg()[0]},
        "tokenizer": str(tokenizer_dir), "corpus": args.corpus,
        "words_model": {"train_seconds": result.train_seconds, "best_epoch": result.best_epoch,
                        "dev_accuracy": result.dev.accuracy if result.dev else None,
                        "paragraphs": {k: len(corpus.split(k)) for k in ("train", "dev", "test")},
                        "test_tokens_per_second": tokens / segmented["test"].words_seconds},
        "rows": rows, "dev_grid": [{"weight": w, "threshold": t, "f1": f} for (w, t), f in grid.items()],
    }
    lines = [
        "# Sentence boundaries: characters, words, and both", "",
        f"Command: `{report['command']}`", "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores; load {load_before:.1f} before, "
        f"{report['machine']['load_after']:.1f} after.", "",
        f"Tokenizer `{tokenizer_dir}` on {args.corpus}'s raw text; the words model: rnn tagger on "
        f"{report['words_model']['paragraphs']['train']:,} training runs of paragraphs (tags E/O), "
        f"{result.train_seconds:.0f} s of training, best epoch {result.best_epoch}; it tags "
        f"{report['words_model']['test_tokens_per_second']:,.0f} tokens/s on top of the tokenizer.", "",
        "Sentences F1 (CoNLL 2018 shared task, character-aligned), %:", "",
        "| decision | dev | test |", "|---|---:|---:|",
        *[f"| {row['decision']} | {row['dev']:.2%} | {row['test']:.2%} |" for row in rows], "",
        "w and t are chosen on dev (grid in the JSON); test is scored once with them.",
    ]
    save_results(args.name, report, "\n".join(lines))


if __name__ == "__main__":
    main()
