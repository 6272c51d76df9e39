"""Sentence boundaries from words as well as characters: does a word-level BiLSTM help the trained tokenizer?

    python -m benchmarks.sentence_boundaries [--tokenizer DIR] [--corpus ud:en_ewt] [--max-seconds 900]

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

from benchmarks.common import save_results
from tagger.segmentation import SENTENCE_END, TOKEN_END  # noqa: E402

END_TAG, OTHER_TAG = "E", "O"
WEIGHTS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 1.0)
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


def paragraphs(gold, longest: int | None):
    """The gold text's paragraphs as Sentences of words tagged E/O; with `longest`, cut into runs of whole
    sentences of at most that many words (one longer sentence stays whole)."""
    from corpora import Sentence

    starts = set(gold.paragraph_starts) | set(gold.document_starts) | {0}
    runs: list[list[tuple[str, str]]] = []
    for index, sentence in enumerate(gold.sentences):
        tags = [OTHER_TAG] * (len(sentence.words) - 1) + [END_TAG]
        if index in starts or not runs or (longest and len(runs[-1]) + len(sentence.words) > longest):
            runs.append([])
        runs[-1].extend(zip(sentence.words, tags))
    return [Sentence(tuple(w for w, _ in run), tuple(t for _, t in run)) for run in runs if run]


class Segmented:
    """The tokenizer's tokens of one text, with both models' probabilities that each ends a sentence.

    Sentences are always cut by the tokenizer's own decoding (tagger.tokenizer.sentences_from_labels: tokens,
    blank lines, multiword splits, spans); only the sentence-end logit at each token's last character is set
    from the decision being scored.
    """

    def __init__(self, tokenizer, words_model, gold):
        self.gold, self.multiword = gold, tokenizer.tables.multiword
        self.ids_classes = tokenizer.encoder.encode(gold.text)
        self.logits = tokenizer.logits(*self.ids_classes)
        # With no sentence end anywhere, the decoding leaves the same tokens cut only at blank lines: the
        # paragraphs the words model reads.
        paragraphs = self._decode(np.zeros(0, np.int64))
        self.last_chars = np.array([span[1] - 1 for sentence in paragraphs for span in _token_spans(sentence)])
        ends = self.logits[self.last_chars][:, [TOKEN_END, SENTENCE_END]]
        exp = np.exp(ends - ends.max(axis=1, keepdims=True))
        self.p_chars = exp[:, 1] / exp.sum(axis=1)
        self.chars_only = self.p_chars > 0.5  # the tokenizer's own decision: at a token's end, the larger logit
        started = time.perf_counter()
        scored = words_model.tag_sents_scored([list(sentence.words) for sentence in paragraphs], top_k=2)
        self.words_seconds = time.perf_counter() - started
        # A token's probability is its last word's (the words of a multiword token share its span).
        self.p_words = np.array([dict(word_scores[i]).get(END_TAG, 0.0)
                                 for sentence, word_scores in zip(paragraphs, scored)
                                 for i, span in enumerate(sentence.spans)
                                 if i + 1 == len(sentence.spans) or sentence.spans[i + 1] != span])

    def _decode(self, sentence_ends: np.ndarray):
        """The tokenizer's sentences when exactly the characters `sentence_ends` end one (and blank lines)."""
        from tagger.tokenizer import TokenizerTables, sentences_from_labels

        logits = self.logits.copy()
        logits[:, TOKEN_END] = logits[:, [TOKEN_END, SENTENCE_END]].max(axis=1)  # the same token boundaries
        logits[:, SENTENCE_END] = logits[:, TOKEN_END] - 1.0
        logits[sentence_ends, SENTENCE_END] = logits[sentence_ends, TOKEN_END] + 1.0
        return sentences_from_labels(self.gold.text, self.ids_classes[1], logits, TokenizerTables(self.multiword))

    def sentences_f1(self, ends: np.ndarray) -> float:
        from corpora import Sentence
        from corpora.ud_text import TokenizedText
        from pipelines.evaluation.conll18 import score_raw

        decoded = self._decode(self.last_chars[ends])
        sentences = tuple(Sentence(tuple(s.words), spans=tuple(s.spans)) for s in decoded)
        return score_raw(self.gold, TokenizedText(self.gold.text, sentences)).sentences.f1

    def mixed(self, weight: float, threshold: float) -> np.ndarray:
        return weight * self.p_words + (1 - weight) * self.p_chars > threshold


def _token_spans(sentence) -> list[tuple[int, int]]:
    """A tokenized sentence's token spans, once each (the words of a multiword token share one)."""
    return [span for i, span in enumerate(sentence.spans) if i == 0 or sentence.spans[i - 1] != span]


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
    from pipelines.evaluation.raw_text import read_gold
    from pipelines.training.tagger import train
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
    tokens = len(segmented["test"].p_chars)
    report = {
        "command": "python -m benchmarks.sentence_boundaries " + " ".join(sys.argv[1:]),
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
