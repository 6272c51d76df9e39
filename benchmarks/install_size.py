"""What installing postag costs: the size of a fresh environment and the time `pip install` takes, without
extras (the tagging product) and with `[train]`, from the same package index, on this machine.

    python -m benchmarks.install_size

The wheel is built from this checkout (`pip wheel --no-deps`); each install goes into a new virtual
environment with pip's cache off (`--no-cache-dir`), so every package is fetched and unpacked as a new user's
would be. Size is every file under the environment (`du -sb`), the empty environment's own pip included and
shown alone. The load average is recorded: the machine is shared.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import ROOT, save_results

VARIANTS = (("without extras", ""), ("with [train]", "[train]"))


def tree_bytes(folder: Path) -> int:
    return int(subprocess.run(["du", "-sb", str(folder)], check=True, capture_output=True, text=True)
               .stdout.split()[0])


def load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def main() -> dict:
    with tempfile.TemporaryDirectory(prefix="postag-install-") as folder:
        folder = Path(folder)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
                        str(folder / "dist"), str(ROOT)], check=True)
        wheel = next((folder / "dist").glob("postag-*.whl"))
        subprocess.run([sys.executable, "-m", "venv", str(folder / "empty")], check=True)
        empty = tree_bytes(folder / "empty")
        rows = []
        for label, extra in VARIANTS:
            environment = folder / ("env" + extra.strip("[]"))
            subprocess.run([sys.executable, "-m", "venv", str(environment)], check=True)
            before = load()
            started = time.perf_counter()
            subprocess.run([str(environment / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-cache-dir",
                            f"postag{extra} @ {wheel.as_uri()}"], check=True, stderr=subprocess.DEVNULL)
            seconds = time.perf_counter() - started
            packages = subprocess.run([str(environment / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
                                      check=True, capture_output=True, text=True).stdout.split()
            rows.append({"install": label, "seconds": round(seconds, 1), "bytes": tree_bytes(environment),
                         "packages": len(packages), "tensorflow": any(p.startswith("tensorflow==") for p in packages),
                         "load_before": before, "load_after": load()})
    report = {"python": sys.version.split()[0], "empty_environment_bytes": empty, "rows": rows}
    lines = [f"`python -m benchmarks.install_size` (Python {report['python']}, pip's cache off, 2 cores; an empty "
             f"environment is {empty / 1e6:.0f} MB of it):", "",
             "| install | environment | packages | TensorFlow | time | load average before → after |",
             "|---|---:|---:|---|---:|---|"]
    for row in rows:
        lines.append(f"| `pip install postag{'[train]' if 'train' in row['install'] else ''}` | "
                     f"{row['bytes'] / 1e6:,.0f} MB | {row['packages']} | {'yes' if row['tensorflow'] else 'no'} | "
                     f"{row['seconds']:.0f} s | {row['load_before'][0]} → {row['load_after'][0]} |")
    save_results("install_size", report, "\n".join(lines) + "\n")
    return report


if __name__ == "__main__":
    main()
