"""Trained tokenizers on text with doubled spaces: UD dev text with a share of the spaces inside sentences
doubled, scored with the CoNLL 2018 metrics, the network reading each run of spaces as one (what tokenizing
does, tagger.tokenizer.reading_logits) and reading the text as it is.

    python -m benchmarks.tokenizer_spaces TOKENIZER_DIR [TOKENIZER_DIR ...] [--corpus ud:en_ewt] [--share 0.1]

Treebank text has single spaces between words; users' text often has two. Writes
benchmarks/results/tokenizer_spaces.json and .md.
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks.common import save_results


def with_doubled_spaces(gold, share: float, seed: int):
    """The gold text with `share` of the single spaces between two words of a sentence doubled, its spans
    moved to match."""
    from corpora import Sentence
    from corpora.ud_text import TokenizedText

    text = gold.text
    inside = [end for sentence in gold.sentences
              for (_, end), (start, _) in zip(sentence.spans, sentence.spans[1:]) if text[end:start] == " "]
    chosen = np.sort(np.random.default_rng(seed).choice(inside, size=int(len(inside) * share), replace=False))
    pieces, previous = [], 0
    for position in chosen.tolist():
        pieces += [text[previous:position], " "]
        previous = position
    pieces.append(text[previous:])

    def moved(offset: int) -> int:  # one space more before every chosen position before the offset
        return offset + int(np.searchsorted(chosen, offset, side="left"))

    sentences = tuple(Sentence(s.words, spans=tuple((moved(a), moved(b)) for a, b in s.spans))
                      for s in gold.sentences)
    return TokenizedText("".join(pieces), sentences), len(chosen), len(inside)


def score(tokenizer, gold, collapse: bool):
    from pipelines.evaluation.conll18 import score_raw
    from pipelines.training.tokenizer import as_tokenized_text
    from tagger.tokenizer import reading_logits, sentences_from_labels

    ids, classes = tokenizer.encoder.encode(gold.text)
    logits = reading_logits(ids, classes, tokenizer.logits) if collapse else tokenizer.logits(ids, classes)
    sentences = sentences_from_labels(gold.text, classes, logits, tokenizer.tables)
    return score_raw(gold, as_tokenized_text(gold.text, sentences))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tokenizers", nargs="+", help="tokenizer directories")
    parser.add_argument("--corpus", default="ud:en_ewt", help="a UD treebank whose dev text is used")
    parser.add_argument("--share", type=float, default=0.1, help="share of the spaces inside sentences doubled")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default="tokenizer_spaces", help="file name stem under benchmarks/results/")
    args = parser.parse_args()

    from pipelines.evaluation.raw_text import read_gold
    from tagger import Tokenizer

    _, gold = read_gold(args.corpus, "dev")
    doubled, count, spaces = with_doubled_spaces(gold, args.share, args.seed)
    rows = []
    for directory in args.tokenizers:
        tokenizer = Tokenizer.load(directory)
        for collapse in (True, False):
            for name, text in (("as in the treebank", gold), ("spaces doubled", doubled)):
                result = score(tokenizer, text, collapse)
                reading = "read as one" if collapse else "read as they are"
                rows.append({"tokenizer": directory, "runs of spaces": reading, "text": name,
                             "tokens": result.tokens.f1, "sentences": result.sentences.f1, "words": result.words.f1})
    lines = [f"# Trained tokenizers on text with doubled spaces ({args.corpus} dev)", "",
             f"{count:,} of the {spaces:,} single spaces between two words of a sentence doubled (seed {args.seed}); "
             f"CoNLL 2018 F1. Command: `python -m benchmarks.tokenizer_spaces {' '.join(args.tokenizers)} --corpus "
             f"{args.corpus} --share {args.share}`.", "",
             "| tokenizer | runs of spaces | text | tokens | sentences | words |", "|---|---|---|---:|---:|---:|"]
    lines += [f"| `{r['tokenizer']}` | {r['runs of spaces']} | {r['text']} | {100 * r['tokens']:.2f} | "
              f"{100 * r['sentences']:.2f} | {100 * r['words']:.2f} |" for r in rows]
    save_results(args.output, {"corpus": args.corpus, "share": args.share, "seed": args.seed, "doubled": count,
                               "spaces": spaces, "rows": rows}, "\n".join(lines))


if __name__ == "__main__":
    main()
