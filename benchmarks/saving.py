"""Where every benchmark's figures go: benchmarks/results/NAME.json (all of them) and NAME.md (the table)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))

from common.files import write_atomically  # noqa: E402


def save_results(name: str, report: dict, markdown: str) -> None:
    """Write both files atomically (a run stopped halfway leaves the last results whole) and print the table."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    write_atomically(RESULTS / f"{name}.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_atomically(RESULTS / f"{name}.md", markdown if markdown.endswith("\n") else markdown + "\n")
    print(markdown.rstrip("\n"))
