"""A comparison's output folder: what it holds, the manifest that says which comparison it is (so that the
same one resumes and another is refused), and the vocabularies every run of a group reads.

    OUTPUT/comparison.json    the manifest: data, variants, seeds
    OUTPUT/vocabularies/      one vocabulary per group of variants that build it alike
    OUTPUT/models/<run>/      each run's model directory
    OUTPUT/logs/<run>.log     each isolated run's own output
    OUTPUT/report.json, report.md, learning_curves.png
"""

from __future__ import annotations

import json
from pathlib import Path

from common.files import write_atomically
from corpora import Corpus
from pipelines.errors import PipelineError

from .baselines import BASELINES
from .plan import Variant, vocabulary_fingerprint, vocabulary_group
from .records import (
    DataSource,
    VocabularyGroup,
    read_json_or_none,
)

FORMAT_VERSION = 1
REPORT_JSON, REPORT_MD, CHART_FILE = "report.json", "report.md", "learning_curves.png"


MANIFEST_FILE = "comparison.json"


MODELS_DIR, LOGS_DIR, VOCABULARIES_DIR = "models", "logs", "vocabularies"


def manifest_for(corpus: Corpus, source: DataSource, fingerprint: str, variants: list[Variant],
                 seeds: list[int], baselines: bool) -> dict:
    return {
        "postag_comparison": FORMAT_VERSION,
        "corpus": corpus.name,
        "tagset": corpus.tagset,
        "source": source.describe(),
        "data_fingerprint": fingerprint,
        "variants": {variant.name: variant.config_json() for variant in variants},
        "seeds": seeds,
        "baselines": list(BASELINES) if baselines else [],
    }


def manifest_differences(old: dict, new: dict) -> list[str]:
    differences = []
    if old.get("data_fingerprint") != new["data_fingerprint"]:
        differences.append(f"data: was {old.get('source', '?')} ({old.get('tagset', '?')}), "
                           f"now {new['source']} ({new['tagset']})" if old.get("source") != new["source"]
                           or old.get("tagset") != new["tagset"] else "data: the corpus files changed")
    old_variants, new_variants = old.get("variants", {}), new["variants"]
    if list(old_variants) != list(new_variants):
        differences.append(f"variants: was {', '.join(old_variants) or 'none'}, now {', '.join(new_variants)}")
    else:
        for name, config in new_variants.items():
            changed = sorted(k for k in set(config) | set(old_variants[name])
                             if config.get(k) != old_variants[name].get(k))
            if changed:
                differences.append(f"{name} settings: {', '.join(changed)}")
    if old.get("seeds") != new["seeds"]:
        differences.append(f"seeds: was {old.get('seeds')}, now {new['seeds']}")
    if old.get("baselines") != new["baselines"]:
        differences.append("baselines: " + ("now included" if new["baselines"] else "now left out"))
    return differences


def prepare_output(output: Path, manifest: dict, force: bool) -> str:
    """'new', 'resume' or 'replace'; refuses to touch a folder holding something else unless `force`."""
    if output.exists() and not output.is_dir():
        raise PipelineError(f"--output {output} is a file; give a folder for the comparison")
    state = "new"
    if output.is_dir() and any(output.iterdir()):
        manifest_path = output / MANIFEST_FILE
        old = read_json_or_none(manifest_path)
        if old is None:
            if not force:
                raise PipelineError(f"--output {output} exists and does not hold a postag comparison; give a new or "
                                    f"empty folder, or add --force to write the comparison into it")
            state = "replace"
        else:
            differences = manifest_differences(old, manifest)
            if differences and not force:
                raise PipelineError(f"--output {output} holds a different comparison ({'; '.join(differences)}); "
                                    f"give another --output, or add --force to replace it (models that still "
                                    f"match are reused)")
            state = "replace" if differences else "resume"
    output.mkdir(parents=True, exist_ok=True)
    if state == "replace":
        for name in (REPORT_JSON, REPORT_MD, CHART_FILE):  # a stale report must not outlive its comparison
            (output / name).unlink(missing_ok=True)
    write_atomically(output / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")
    return state


def write_vocabularies(corpus: Corpus, variants: list[Variant], output: Path) -> dict[str, VocabularyGroup]:
    """Build each vocabulary once from the training split; every variant of a group reads the same file."""
    from pipelines.data import build_vocabularies, with_silver
    from pipelines.pretraining.inputs import pretrained_vocabularies

    groups: dict[str, VocabularyGroup] = {}
    folder = output / VOCABULARIES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for variant in variants:
        key = vocabulary_group(variant.config)
        if key in groups:
            groups[key].variants.append(variant.name)
            continue
        vocabs = pretrained_vocabularies(build_vocabularies(with_silver(corpus, variant.config), variant.config),
                                         variant.config).to_json()
        path = write_atomically(folder / f"{key}.json", json.dumps(vocabs, ensure_ascii=False) + "\n")
        groups[key] = VocabularyGroup(
            file=str(path.relative_to(output)), fingerprint=vocabulary_fingerprint(vocabs),
            min_count=variant.config.min_count, lowercase=variant.config.lowercase,
            words=len(vocabs["words"]["items"]), characters=len(vocabs["chars"]["items"]),
            tags=len(vocabs["tags"]["items"]) - 1, variants=[variant.name])
    return groups
