"""Named corpora: `ud:<code>[@release]` and `nltk:<name>`; where each lives, how to fetch and read it.

`load_corpus(source)` takes a name or a path (a file or a directory) so every command shares one way in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from common.errors import quoted, shorten

from . import nltk_corpora, ud
from .conllu import read_conllu
from .types import Corpus, CorpusError, CorpusNotFoundError
from .ud import SPLITS, UD_TREEBANKS, UDTreebank, ud_treebank  # noqa: F401  (re-exported)

NAME_PREFIXES = ("ud:", "nltk:")


def user_cache_dir() -> Path:
    """postag's folder in the user's cache: $XDG_CACHE_HOME/postag, else ~/.cache/postag."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "postag"


def data_dir() -> Path:
    """$POSTAG_DATA_DIR, else the user cache dir (user_cache_dir())."""
    configured = os.environ.get("POSTAG_DATA_DIR")
    if configured:
        return Path(configured).expanduser()
    return user_cache_dir()


def is_corpus_name(source: str | Path) -> bool:
    """`ud:en_ewt` and `nltk:brown` are names; a Path, other text, or anything that exists on disk is a path."""
    if not (isinstance(source, str) and source.startswith(NAME_PREFIXES)):
        return False
    try:
        return not Path(source).exists()
    except OSError:  # a name too long to be a path is a name
        return True


def known_corpora() -> list[str]:
    return [f"ud:{code}" for code in UD_TREEBANKS] + [f"nltk:{name}" for name in nltk_corpora.NLTK_CORPORA]


def ud_files(treebank: UDTreebank, root: Path | None = None, fetch: bool = True, progress=None) -> dict[str, Path]:
    """Local paths of the treebank's split files, downloading (and verifying) the missing ones."""
    return ud.fetch_treebank(treebank, root or data_dir(), fetch, progress)


def verify_ud_files(treebank: UDTreebank, paths: dict[str, Path]) -> None:
    for path in paths.values():
        ud.verify_file(treebank, path)


def _check_ud_tagset(treebank: UDTreebank, tagset: str | None) -> str:
    tagset = tagset or "upos"
    if not all(name in ud.UD_TAGSETS for name in tagset.split(",")):
        raise CorpusError(f"{treebank.name} has no tagset {quoted(tagset)}; choose from "
                          f"{', '.join(ud.UD_TAGSETS)} or upos,xpos (a tagger with both)")
    return tagset


def load_named_corpus(name: str, tagset: str | None = None, fetch: bool = True) -> Corpus:
    """A named corpus with its train/dev/test splits (a split the corpus lacks is empty).

    tagset: for UD "upos" (default) or "xpos"; for NLTK "native" (default; also "ptb"/"brown") or "universal".
    fetch: download what is missing (UD: verified download into data_dir(); NLTK: nltk.download).
    """
    if name.startswith("ud:"):
        treebank = ud_treebank(name)
        tagset = _check_ud_tagset(treebank, tagset)
        paths = ud_files(treebank, fetch=fetch)
        verify_ud_files(treebank, paths)
        splits = {split: read_conllu(path, tagset) for split, path in paths.items()}
        return Corpus(name=treebank.name, tagset=tagset, **splits)
    if name.startswith("nltk:"):
        return nltk_corpora.load_nltk_corpus(name, tagset, fetch)
    raise CorpusNotFoundError(f"unknown corpus {quoted(name)}; named corpora: {', '.join(known_corpora())}")


def load_corpus(
    source: str | Path,
    tagset: str | None = None,
    format: str = "auto",
    split: str | None = None,
    fetch: bool = True,
    **file_options,
) -> Corpus:
    """A corpus from a name (`ud:en_ewt`, `nltk:brown`) or a path (a file, or a directory of splits).

    file_options go to load_files: dev, test, separator, word_column, tag_column, delimiter.
    """
    if is_corpus_name(source):
        if format not in (None, "auto") or split or any(v is not None for v in file_options.values()):
            raise CorpusError(f"{shorten(source)} is a named corpus: --format, --split and file options apply to files")
        return load_named_corpus(str(source), tagset, fetch)
    path = Path(source)
    if not path.exists():
        hint = ""
        if isinstance(source, str) and ":" in source and not source.startswith(("/", ".")):
            hint = f"; named corpora start with ud: or nltk: ({', '.join(known_corpora()[:4])}, ...)"
        raise CorpusNotFoundError(f"{shorten(source)}: no such file or directory{hint}")
    from .files import load_files

    return load_files(path, format=format, tagset=tagset, split=split, **file_options)


@dataclass(frozen=True)
class CorpusEntry:
    """What `postag corpora list` shows of a named corpus, computed without reading it."""

    name: str
    kind: str  # "ud" or "nltk"
    title: str  # a few words
    description: str
    license: str
    source_url: str
    tagsets: tuple[str, ...]
    splits: tuple[str, ...]
    split_rule: str
    present: bool
    location: str  # where it is (or would be) on disk
    size_bytes: int | None  # on disk, when present
    words: int | None  # known word count, where measured
    sentences: int | None
    citation: str = ""


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def corpus_entry(name: str) -> CorpusEntry:
    if name.startswith("ud:"):
        treebank = ud_treebank(name)
        files = ud.local_files(treebank, data_dir())
        present = all(path.exists() for path in files.values())
        only = f" ({treebank.splits[0]} only)" if len(treebank.splits) == 1 else ""
        return CorpusEntry(
            name=treebank.name, kind="ud",
            title=f"{treebank.language} {treebank.repository.split('-')[-1]}{only}",
            description=f"Universal Dependencies {treebank.language} {treebank.repository.split('-')[-1]}, "
                        f"release {treebank.release}",
            license=treebank.license, source_url=treebank.source_url, tagsets=ud.UD_TAGSETS,
            splits=treebank.splits, split_rule="the treebank's official split files",
            present=present, location=str(ud.treebank_folder(treebank, data_dir())),
            size_bytes=sum(_size(p) for p in files.values()) if present else None,
            words=treebank.words, sentences=None, citation=treebank.citation,
        )
    if name.startswith("nltk:"):
        corpus = nltk_corpora.nltk_corpus(name)
        location = nltk_corpora.package_location("corpora", corpus.package)
        return CorpusEntry(
            name=corpus.name, kind="nltk", title=corpus.title, description=corpus.description, license=corpus.license,
            source_url=corpus.source_url, tagsets=(f"native ({corpus.native_tagset})", "universal"),
            splits=SPLITS, split_rule=corpus.split_rule, present=location is not None,
            location=str(location) if location else f"NLTK_DATA/corpora/{corpus.package}.zip",
            size_bytes=_size(location) if location else None, words=corpus.words, sentences=corpus.sentences,
        )
    raise CorpusNotFoundError(f"unknown corpus {quoted(name)}; named corpora: {', '.join(known_corpora())}")


def list_corpora() -> list[CorpusEntry]:
    return [corpus_entry(name) for name in known_corpora()]


def download_corpus(name: str, progress=None) -> list[Path]:
    """Fetch a named corpus (no-op where present, but still verified); the local paths."""
    if name.startswith("ud:"):
        treebank = ud_treebank(name)
        paths = ud_files(treebank, fetch=True, progress=progress)
        verify_ud_files(treebank, paths)
        return list(paths.values())
    if name.startswith("nltk:"):
        return nltk_corpora.download_corpus(name)
    raise CorpusNotFoundError(f"unknown corpus {quoted(name)}; named corpora: {', '.join(known_corpora())}")
