"""Named corpora: where each lives, how to fetch and verify it, and how to read it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .conllu import read_conllu
from .download import download, sha256_of
from .types import Corpus, CorpusError, CorpusNotFoundError

SPLITS = ("train", "dev", "test")


def data_dir() -> Path:
    """$POSTAG_DATA_DIR, else the user cache dir ($XDG_CACHE_HOME/postag or ~/.cache/postag)."""
    configured = os.environ.get("POSTAG_DATA_DIR")
    if configured:
        return Path(configured).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "postag"


@dataclass(frozen=True)
class UDTreebank:
    code: str  # as in UD file names: en_ewt
    repository: str  # UD_English-EWT
    release: str  # 2.16
    sha256: dict[str, str]  # file name -> checksum, where known
    license: str = ""
    citation: str = ""

    @property
    def name(self) -> str:
        return f"ud:{self.code}"

    @property
    def folder(self) -> str:
        return self.repository.lower().replace("-", "_")

    def file_name(self, split: str) -> str:
        return f"{self.code}-ud-{split}.conllu"

    def url(self, split: str) -> str:
        return (
            f"https://raw.githubusercontent.com/UniversalDependencies/{self.repository}/"
            f"r{self.release}/{self.file_name(split)}"
        )


UD_TREEBANKS: dict[str, UDTreebank] = {
    "en_ewt": UDTreebank(
        code="en_ewt",
        repository="UD_English-EWT",
        release="2.16",
        sha256={
            "en_ewt-ud-train.conllu": "3fb78e2b55482c8ee00caa653af436c88c9e5bc9a73ce26e4ae3ddc79d2b7e7b",
            "en_ewt-ud-dev.conllu": "531a54ff90d6ab12201c5a50c3e78e6ddac4de69abc4bce5d275d3cd29efe2b6",
            "en_ewt-ud-test.conllu": "e266e515a0a7547657ed3d90d9ba46487d6bd251f27ad4269d4e8a427c8555cd",
        },
        license="CC BY-SA 4.0",
        citation='Silveira et al. (2014), "A Gold Standard Dependency Corpus for English", LREC',
    ),
}


def ud_treebank(name: str) -> UDTreebank:
    code = name.removeprefix("ud:")
    try:
        return UD_TREEBANKS[code]
    except KeyError:
        known = ", ".join(f"ud:{c}" for c in sorted(UD_TREEBANKS))
        raise CorpusNotFoundError(f"unknown UD treebank {name!r}; known: {known}") from None


def ud_files(treebank: UDTreebank, root: Path | None = None, fetch: bool = True) -> dict[str, Path]:
    """Local paths of the treebank's split files, downloading (and verifying) the missing ones."""
    folder = (root or data_dir()) / treebank.folder
    paths = {}
    for split in SPLITS:
        path = folder / treebank.file_name(split)
        if not path.exists():
            if not fetch:
                raise CorpusNotFoundError(_not_found_message(treebank, path))
            try:
                download(treebank.url(split), path, treebank.sha256.get(path.name))
            except CorpusNotFoundError as error:
                raise CorpusNotFoundError(f"{_not_found_message(treebank, path)} ({error})") from None
        paths[split] = path
    return paths


def verify_ud_files(treebank: UDTreebank, paths: dict[str, Path]) -> None:
    for path in paths.values():
        expected = treebank.sha256.get(path.name)
        if expected and sha256_of(path) != expected:
            raise CorpusError(f"{path}: SHA-256 does not match UD {treebank.release}; delete it to download again")


def _not_found_message(treebank: UDTreebank, path: Path) -> str:
    return (
        f"corpus {treebank.name} not found: looked for {path}; set POSTAG_DATA_DIR to a folder holding "
        f"{treebank.folder}/{treebank.file_name('train')} (and dev, test), or run "
        f"`postag corpora download {treebank.name}` where there is a network"
    )


def load_named_corpus(name: str, tagset: str = "upos") -> Corpus:
    if name.startswith("ud:"):
        treebank = ud_treebank(name)
        paths = ud_files(treebank)
        return Corpus(
            name=treebank.name,
            tagset=tagset,
            train=read_conllu(paths["train"], tagset),
            dev=read_conllu(paths["dev"], tagset),
            test=read_conllu(paths["test"], tagset),
        )
    raise CorpusNotFoundError(f"unknown corpus {name!r}; named corpora: {', '.join(known_corpora())}")


def known_corpora() -> list[str]:
    return [f"ud:{code}" for code in sorted(UD_TREEBANKS)]
