"""What every benchmark shares: where the repository, the data and the results are, and how figures are saved.

Benchmarks run as modules from the repository root, `python -m benchmarks.NAME`, so that they import postag as
installed or from the checkout without editing sys.path. Every one writes benchmarks/results/NAME.json (all its
figures) and NAME.md (the table).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from common.files import write_atomically

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def data_dir() -> Path:
    """$POSTAG_DATA_DIR, else ../shared/data beside the checkout (as the tests read it)."""
    return Path(os.environ.get("POSTAG_DATA_DIR") or ROOT.parent / "shared" / "data")


def nltk_data_dir() -> Path:
    return Path(os.environ.get("NLTK_DATA") or ROOT.parent / "shared" / "nltk_data")


def save_results(name: str, report: dict, markdown: str) -> None:
    """Write both files atomically (a run stopped halfway leaves the last results whole) and print the table."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    write_atomically(RESULTS / f"{name}.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_atomically(RESULTS / f"{name}.md", markdown if markdown.endswith("\n") else markdown + "\n")
    print(markdown.rstrip("\n"))


FLAG_BELOW = 0.8  # a speed ratio below this is flagged: the model costs more than 20% of the speed


def measure_speeds(models: dict[str, str], corpus_name: str, split: str, passes: int) -> dict:
    """Tokens/s of each model tagging a named corpus's split with tag_sents, in this process: passes go round-robin
    over the models (a burst of other load slows them all alike), each model's fastest pass counts, after one warm-up
    pass; the ratio is over the first model's speed."""
    import tagger
    from corpora.registry import load_named_corpus

    sentences = [list(s.words) for s in load_named_corpus(corpus_name).split(split)]
    tokens = sum(map(len, sentences))
    loaded = {name: tagger.load(path) for name, path in models.items()}
    best = {name: float("inf") for name in models}
    for round_number in range(passes + 1):  # round 0 warms every model up and is not counted
        for name, model in loaded.items():
            started = time.perf_counter()
            model.tag_sents(sentences)
            if round_number:
                best[name] = min(best[name], time.perf_counter() - started)
    reference = next(iter(models))
    rows = []
    for name, path in models.items():
        speed = tokens / best[name]
        ratio = speed / (tokens / best[reference])
        size = sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file() and p.name != "model.weights.h5")
        rows.append({"name": name, "model": path, "tokens_per_second": round(speed), "ratio": round(ratio, 3),
                     "flagged": ratio < FLAG_BELOW, "tagging_size_bytes": size})
    return {"tokens": tokens, "rows": rows}
