"""Universal Dependencies treebanks by code: `ud:en_ewt`, `ud:de_gsd@2.15`.

Each treebank lives in its own GitHub repository (UniversalDependencies/UD_<Language>-<Name>); every
release is a git tag `r<release>` and the split files are `<code>-ud-<split>.conllu` at the top of the
repository, served raw from `$POSTAG_UD_BASE_URL/<repository>/r<release>/<file>` (default base
https://raw.githubusercontent.com/UniversalDependencies).

Files are cached under `$POSTAG_DATA_DIR/<repository lowercased, '-' to '_'>/` for the default release
(so `ud_english_ewt/en_ewt-ud-train.conllu`) and under `.../<folder>_r<release>/` for any other release.

Verification: where the table knows a file's SHA-256 (the default release of en_ewt) every download and
every load is checked against it. For the other treebanks the checksum cannot be known in advance: the
first download records it in a sidecar file `<file>.sha256` (sha256sum format), and later loads are
checked against that record, so a file that changed or was cut short after download is caught.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from common.errors import quoted
from common.files import write_atomically

from .download import ChecksumError, download, sha256_of
from .types import CorpusError, CorpusNotFoundError

SPLITS = ("train", "dev", "test")
DEFAULT_RELEASE = "2.16"
DEFAULT_BASE_URL = "https://raw.githubusercontent.com/UniversalDependencies"
BASE_URL_VARIABLE = "POSTAG_UD_BASE_URL"
UD_TAGSETS = ("upos", "xpos")
_RELEASE = re.compile(r"^\d+\.\d+$")


def base_url() -> str:
    return os.environ.get(BASE_URL_VARIABLE, DEFAULT_BASE_URL).rstrip("/")


@dataclass(frozen=True)
class UDTreebank:
    code: str  # as in UD file names: en_ewt
    repository: str  # UD_English-EWT
    release: str = DEFAULT_RELEASE
    sha256: dict[str, str] = field(default_factory=dict)  # file name -> checksum, for the default release
    license: str = ""
    citation: str = ""
    language: str = ""
    splits: tuple[str, ...] = SPLITS  # the splits the treebank has (some small ones are test-only)
    words: int | None = None  # words (not multiword tokens) in all splits, where measured

    @property
    def name(self) -> str:
        return f"ud:{self.code}" if self.release == DEFAULT_RELEASE else f"ud:{self.code}@{self.release}"

    @property
    def folder(self) -> str:
        base = self.repository.lower().replace("-", "_")
        return base if self.release == DEFAULT_RELEASE else f"{base}_r{self.release}"

    @property
    def source_url(self) -> str:
        return f"https://github.com/UniversalDependencies/{self.repository}/tree/r{self.release}"

    def file_name(self, split: str) -> str:
        return f"{self.code}-ud-{split}.conllu"

    def url(self, split: str) -> str:
        return f"{base_url()}/{self.repository}/r{self.release}/{self.file_name(split)}"

    def known_sha256(self, file_name: str) -> str | None:
        return self.sha256.get(file_name) if self.release == DEFAULT_RELEASE else None

    def with_release(self, release: str) -> UDTreebank:
        return UDTreebank(self.code, self.repository, release, self.sha256, self.license, self.citation,
                          self.language, self.splits, self.words if release == DEFAULT_RELEASE else None)


def _tb(code, repository, license, language, splits=SPLITS, **extra) -> UDTreebank:
    return UDTreebank(code=code, repository=repository, license=license, language=language, splits=splits, **extra)


# Licenses as each repository's README metadata gives them. Treebanks whose train split is cut into
# several files (cs_pdt, de_hdt, ru_syntagrus) are left out: one file per split is assumed here.
UD_TREEBANKS: dict[str, UDTreebank] = {
    tb.code: tb
    for tb in [
        _tb("en_ewt", "UD_English-EWT", "CC BY-SA 4.0", "English", words=254_818,
            citation='Silveira et al. (2014), "A Gold Standard Dependency Corpus for English", LREC',
            sha256={
                "en_ewt-ud-train.conllu": "3fb78e2b55482c8ee00caa653af436c88c9e5bc9a73ce26e4ae3ddc79d2b7e7b",
                "en_ewt-ud-dev.conllu": "531a54ff90d6ab12201c5a50c3e78e6ddac4de69abc4bce5d275d3cd29efe2b6",
                "en_ewt-ud-test.conllu": "e266e515a0a7547657ed3d90d9ba46487d6bd251f27ad4269d4e8a427c8555cd",
            }),
        _tb("en_gum", "UD_English-GUM", "CC BY-NC-SA 4.0", "English",
            citation='Zeldes (2017), "The GUM Corpus: Creating Multilayer Resources in the Classroom", LRE'),
        _tb("en_lines", "UD_English-LinES", "CC BY-SA 4.0", "English"),
        _tb("en_partut", "UD_English-ParTUT", "CC BY-NC-SA 4.0", "English"),
        _tb("en_atis", "UD_English-Atis", "CC BY-SA 4.0", "English"),
        _tb("en_pud", "UD_English-PUD", "CC BY-SA 3.0", "English", splits=("test",)),
        _tb("de_gsd", "UD_German-GSD", "CC BY-SA 4.0", "German"),
        _tb("fr_gsd", "UD_French-GSD", "CC BY-SA 4.0", "French"),
        _tb("es_ancora", "UD_Spanish-AnCora", "CC BY 4.0", "Spanish"),
        _tb("it_isdt", "UD_Italian-ISDT", "CC BY-NC-SA 3.0", "Italian"),
        _tb("pt_bosque", "UD_Portuguese-Bosque", "CC BY-SA 4.0", "Portuguese"),
        _tb("pl_pdb", "UD_Polish-PDB", "CC BY-NC-SA 4.0", "Polish"),
        _tb("ar_padt", "UD_Arabic-PADT", "CC BY-NC-SA 3.0", "Arabic"),
        _tb("hi_hdtb", "UD_Hindi-HDTB", "CC BY-NC-SA 4.0", "Hindi"),
        _tb("zh_gsd", "UD_Chinese-GSD", "CC BY-SA 4.0", "Chinese"),
        _tb("ja_gsd", "UD_Japanese-GSD", "CC BY-SA 4.0", "Japanese"),
        _tb("ko_kaist", "UD_Korean-Kaist", "CC BY-SA 4.0", "Korean"),
    ]
}


def parse_ud_name(name: str) -> tuple[str, str]:
    """('de_gsd', '2.15') from 'ud:de_gsd@2.15'; the release defaults to DEFAULT_RELEASE."""
    body = name.removeprefix("ud:")
    code, _, release = body.partition("@")
    release = release or DEFAULT_RELEASE
    if not _RELEASE.match(release):
        raise CorpusNotFoundError(f"bad UD release {quoted(release)} in {quoted(name)}: write it like ud:{code}@2.16")
    return code, release


def ud_treebank(name: str) -> UDTreebank:
    code, release = parse_ud_name(name)
    try:
        treebank = UD_TREEBANKS[code]
    except KeyError:
        known = ", ".join(f"ud:{c}" for c in sorted(UD_TREEBANKS))
        raise CorpusNotFoundError(f"unknown UD treebank {quoted(name)}; known: {known}") from None
    return treebank if release == DEFAULT_RELEASE else treebank.with_release(release)


def treebank_folder(treebank: UDTreebank, root: Path) -> Path:
    return root / treebank.folder


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def read_sidecar(path: Path) -> str | None:
    record = sidecar(path)
    if not record.exists():
        return None
    text = record.read_text(encoding="utf-8").split()
    if not text or not re.fullmatch(r"[0-9a-f]{64}", text[0]):
        raise CorpusError(f"{record}:1: not a SHA-256 record; delete it and {path.name} to download again")
    return text[0]


def write_sidecar(path: Path, digest: str) -> None:
    write_atomically(sidecar(path), f"{digest}  {path.name}\n")


def expected_sha256(treebank: UDTreebank, path: Path) -> tuple[str | None, str]:
    """(checksum, where it comes from) for a split file: the table, else its sidecar record."""
    known = treebank.known_sha256(path.name)
    if known:
        return known, f"UD {treebank.release}"
    recorded = read_sidecar(path)
    return recorded, f"the record made at download ({sidecar(path).name})"


def verify_file(treebank: UDTreebank, path: Path) -> None:
    expected, origin = expected_sha256(treebank, path)
    if expected and sha256_of(path) != expected:
        raise CorpusError(
            f"{path}: SHA-256 does not match {origin}: the file changed or is incomplete; "
            f"delete it to download it again (`postag corpora download {treebank.name}`)"
        )


def local_files(treebank: UDTreebank, root: Path) -> dict[str, Path]:
    folder = treebank_folder(treebank, root)
    return {split: folder / treebank.file_name(split) for split in treebank.splits}


def fetch_treebank(treebank: UDTreebank, root: Path, fetch: bool = True, progress=None) -> dict[str, Path]:
    """Local paths of the treebank's split files, downloading (and verifying) the missing ones."""
    paths = local_files(treebank, root)
    for split, path in paths.items():
        if path.exists():
            continue
        if not fetch:
            raise CorpusNotFoundError(not_found_message(treebank, path))
        known = treebank.known_sha256(path.name)
        try:
            download(treebank.url(split), path, known,
                     progress=(lambda done, total, name=path.name: progress(name, done, total)) if progress else None)
        except ChecksumError as error:
            raise ChecksumError(f"{treebank.name}: {error}") from None
        except CorpusNotFoundError as error:
            raise CorpusNotFoundError(f"{not_found_message(treebank, path)} ({error})") from None
        if not known:
            write_sidecar(path, sha256_of(path))
    return paths


def not_found_message(treebank: UDTreebank, path: Path) -> str:
    return (
        f"corpus {treebank.name} not found: looked for {path}; set POSTAG_DATA_DIR to a folder holding "
        f"{treebank.folder}/{path.name}, or run `postag corpora download {treebank.name}` where there is a network"
    )
