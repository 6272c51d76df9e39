"""Raw text end to end: the rule tokenizer against a trained one, on the raw text of UD test sets.

    python -m benchmarks.tokenizer --language en ud:en_ewt TOKENIZER_DIR TAGGER_DIR \\
                                   --language de PATH/de_gsd-ud-test.conllu TOKENIZER_DIR TAGGER_DIR

For each language: tokens, sentences and words F1 of each tokenizer (CoNLL 2018 metrics on the text UD's
conllu_to_text.pl lays out), UPOS and XPOS F1 end to end with the tagger, and each tokenizer's speed
(tokens/s, the fastest of --repeats runs over the whole text, tokens as that tokenizer counts them), with
the trained tokenizer's size and training time from its directory; a tokenizer with a token memory or a
sentence classifier is also measured without them (the same network alone). Speeds are taken in turn,
round by round. Writes benchmarks/results/tokenizer.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

from benchmarks.common import save_results


def measure(data: str, tokenizer_dir: str, tagger_dir: str, repeats: int, threads: int | None) -> dict:
    import time

    from pipelines.evaluation.raw_text import evaluate_raw, read_gold
    from pipelines.tagging.tokenizers import RuleTokenizer
    from tagger import Tagger, Tokenizer
    from tagger.tokenizer import TokenizerTables

    description, gold = read_gold(data, "test")
    tagger = Tagger.load(tagger_dir)
    trained = Tokenizer.load(tokenizer_dir, threads)
    tokenizers = {"rules": RuleTokenizer(), "trained": trained}
    if trained.tables.memory or trained.tables.sentences:  # the same network without what it learned beside
        bare = Tokenizer.load(tokenizer_dir, threads)
        bare.tables = TokenizerTables(trained.tables.multiword)
        tokenizers["trained, network alone"] = bare
    rows, results = {}, {}
    for name, tokenizer in tokenizers.items():
        results[name] = evaluate_raw(gold, tokenizer, tagger, description)
    # Speed: the tokenizers in turn, `repeats` rounds, the fastest run of each: a busy spell of the machine
    # slows all of them alike rather than one.
    best = dict.fromkeys(tokenizers, float("inf"))
    for _ in range(repeats):
        for name, tokenizer in tokenizers.items():
            started = time.perf_counter()
            tokenizer.tokenize(gold.text)
            best[name] = min(best[name], time.perf_counter() - started)
    for name, result in results.items():
        scores, seconds = result.evaluation, best[name]
        rows[name] = {
            "tokens_f1": scores.tokens.f1, "sentences_f1": scores.sentences.f1, "words_f1": scores.words.f1,
            "upos_f1": scores.upos.f1 if scores.upos else None, "xpos_f1": scores.xpos.f1 if scores.xpos else None,
            "tokens": result.tokens, "seconds": round(seconds, 4), "tokens_per_second": round(result.tokens / seconds),
            "characters_per_second": round(len(gold.text) / seconds),
        }
    metrics = json.loads((Path(tokenizer_dir) / "metrics.json").read_text())
    config = json.loads((Path(tokenizer_dir) / "config.json").read_text())
    return {
        "data": description, "characters": len(gold.text),
        "tokenizer": tokenizer_dir, "tagger": tagger_dir, "tagger_tagsets": list(tagger.tagsets),
        "tokenizer_config": config["tokenizer"], "parameters": metrics.get("parameters"),
        "graph_bytes": (Path(tokenizer_dir) / "model.onnx").stat().st_size,
        "train_seconds": metrics.get("train_seconds"), "best_epoch": metrics.get("best_epoch"),
        "train_corpus": metrics.get("corpus"), "dev": metrics.get("dev"), "rows": rows,
    }


def percent(value) -> str:
    return "—" if value is None else f"{100 * value:.2f}"


def markdown(report: dict) -> str:
    lines = [f"Command: `{report['command']}`", "",
             f"Machine: {report['machine']}; 1-minute load average {report['load_average_start']:.1f} at the start, "
             f"{report['load_average_end']:.1f} at the end (the machine is shared: speeds are the fastest of "
             f"{report['repeats']} runs, and lower than on an idle machine).", "",
             "Scores: CoNLL 2018 shared task metrics (F1, %) on the raw text UD's `conllu_to_text.pl` lays out; "
             "UPOS and XPOS end to end, the tagger tagging each tokenizer's words. Speed: tokenizing the whole "
             "test text (sentences, tokens, multiword words), without TensorFlow.", ""]
    for language in report["languages"]:
        rows = language["rows"]
        config = language["tokenizer_config"]
        lines += [f"## {language['language']}: {language['data']} ({language['characters']:,} characters)", "",
                  f"Trained tokenizer `{language['tokenizer']}`: BiGRU {config['hidden_dim']} units a direction, "
                  f"{config['stride']} characters a step, {language['parameters']:,} parameters, graph "
                  f"{language['graph_bytes'] / 1024:.0f} KiB; trained on {language['train_corpus']} in "
                  f"{language['train_seconds']:.0f} s (best epoch {language['best_epoch']}). Tagger "
                  f"`{language['tagger']}` ({', '.join(language['tagger_tagsets'])}).", "",
                  "| tokenizer | tokens F1 | sentences F1 | words F1 | UPOS F1 | XPOS F1 | tokens/s | characters/s |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for name, row in rows.items():
            lines.append(f"| {name} | {percent(row['tokens_f1'])} | {percent(row['sentences_f1'])} | "
                         f"{percent(row['words_f1'])} | {percent(row['upos_f1'])} | {percent(row['xpos_f1'])} | "
                         f"{row['tokens_per_second']:,} | {row['characters_per_second']:,} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--language", nargs=4, action="append", required=True,
                        metavar=("NAME", "DATA", "TOKENIZER_DIR", "TAGGER_DIR"),
                        help="a language: its name, a UD corpus name (its test split) or CoNLL-U test file, a "
                             "trained tokenizer and a tagger")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="graph runs side by side (default: one a core)")
    parser.add_argument("--output", default="tokenizer", help="file name stem under benchmarks/results/")
    args = parser.parse_args()
    start_load = os.getloadavg()[0]
    languages = []
    for name, data, tokenizer_dir, tagger_dir in args.language:
        result = measure(data, tokenizer_dir, tagger_dir, args.repeats, args.threads)
        languages.append({"language": name, **result})
        print(json.dumps({"language": name, "rows": result["rows"]}), flush=True)
    report = {"command": "python -m benchmarks.tokenizer " + " ".join(sys.argv[1:]),
              "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}",
              "load_average_start": start_load, "load_average_end": os.getloadavg()[0], "repeats": args.repeats,
              "languages": languages}
    save_results(args.output, report, markdown(report))


if __name__ == "__main__":
    main()
