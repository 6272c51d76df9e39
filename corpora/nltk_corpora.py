"""NLTK's tagged corpora by name: `nltk:treebank`, `nltk:brown`, `nltk:conll2000`, `nltk:masc_tagged`,
`nltk:nps_chat`.

Read through NLTK's own corpus readers (BracketParseCorpusReader, CategorizedTaggedCorpusReader,
ConllChunkCorpusReader), with either the corpus's own tags (`tagset="native"`: Penn Treebank tags for
treebank and conll2000, Brown tags for brown; "ptb" and "brown" are accepted as aliases) or NLTK's
12-tag universal tagset (`tagset="universal"`), mapped through the same `taggers/universal_tagset`
tables NLTK's `map_tag` uses (unknown tags become X, as in NLTK).

The Penn Treebank sample marks empty elements (traces such as `*-1`, `*T*-2`, `0`) with the tag
`-NONE-`: they are not words of the text, so they are dropped (a tagger never sees them in raw text).

None of these corpora ships an official dev set, so postag fixes a deterministic split, the same every run:

- nltk:treebank (199 files wsj_0001..wsj_0199) and nltk:brown (500 files ca01..cr09): by document.
  The file ids are sorted; the file at position i (from 0) goes to dev when i % 10 == 8, to test when
  i % 10 == 9, and to train otherwise: 80/10/10 by document, every Brown genre in every split, and no
  document split across train and test.
- nltk:conll2000: the official test.txt (WSJ section 20) is the test split; the official train.txt
  (sections 15-18) is cut in order, its first 90% of sentences for train and its last 10% for dev.
- nltk:masc_tagged (392 files, spoken/ and written/): by document, as treebank and brown (30,308 / 2,785 / 1,427
  sentences, 514k / 54k / 29k words: the test files happen to be short ones).
- nltk:nps_chat: every post is test; train and dev are empty. Its licence allows non-commercial research and
  education only, so it is for out-of-domain evaluation, never for training a model that ships.

MASC and NPS Chat are tokenized and tagged as UD English EWT is before they are returned (corpora/masc.py says
what changes and why): their tags are EWT's XPOS (PTB with -LRB-/-RRB-, HYPH, NFP, ...), mapped to the
universal tagset with HYPH and NFP as "." and ADD, AFX, GW, XX as X.

NLTK is imported only when a corpus is read (it takes over a second to import).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import sys
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from common.errors import quoted

from .types import Corpus, CorpusError, CorpusNotFoundError, Sentence

NLTK_TAGSETS = ("native", "universal")
TRACE_TAG = "-NONE-"
UNIVERSAL_PACKAGE = "universal_tagset"


@dataclass(frozen=True)
class NLTKCorpus:
    short_name: str  # treebank
    title: str  # a few words for `postag corpora list`
    package: str  # the nltk.download() id
    subdir: str  # inside corpora/: where the reader's root is
    native_tagset: str  # ptb or brown
    mapping: str  # universal_tagset map file: en-ptb or en-brown
    description: str
    license: str
    sentences: int
    words: int  # after dropping traces
    split_rule: str

    @property
    def name(self) -> str:
        return f"nltk:{self.short_name}"

    @property
    def source_url(self) -> str:
        return f"https://www.nltk.org/nltk_data/ (package {self.package!r})"


NLTK_CORPORA: dict[str, NLTKCorpus] = {
    corpus.short_name: corpus
    for corpus in [
        NLTKCorpus(
            "treebank", "Penn Treebank WSJ 5% sample", "treebank", "treebank/combined", "ptb", "en-ptb",
            "5% sample of the Penn Treebank (Wall Street Journal), 199 files, (C) LDC 1995",
            "non-commercial use (LDC sample)",
            3914, 94_084,
            "by document: sorted file ids, position % 10 == 8 -> dev, == 9 -> test, else train",
        ),
        NLTKCorpus(
            "brown", "Brown Corpus, 15 genres", "brown", "brown", "brown", "en-brown",
            "Brown Corpus of American English (1961), 500 documents in 15 genres",
            "redistribution permitted",
            57_340, 1_161_192,
            "by document: sorted file ids, position % 10 == 8 -> dev, == 9 -> test, else train",
        ),
        NLTKCorpus(
            "conll2000", "CoNLL-2000 (WSJ), PTB tags", "conll2000", "conll2000", "ptb", "en-ptb",
            "CoNLL-2000 chunking data: WSJ sections 15-18 (train) and 20 (test), POS tags",
            "research use (CoNLL-2000 task data)",
            10_948, 259_104,
            "official test.txt is test; train.txt cut in order: first 90% train, last 10% dev",
        ),
        NLTKCorpus(
            "masc_tagged", "MASC (OANC), PTB tags", "masc_tagged", "masc_tagged", "ptb", "en-ptb",
            "Manually Annotated Sub-Corpus (MASC) of the Open American National Corpus: 392 documents in 19 "
            "written and spoken genres, Penn Treebank tags, tokens and tags normalised to UD English EWT's; "
            "licence as NLTK's index states it: \"linguistic education, research, and development, including "
            "commercial development\"",
            "open, commercial use too",
            34_520, 596_518,
            "by document: sorted file ids, position % 10 == 8 -> dev, == 9 -> test, else train",
        ),
        NLTKCorpus(
            "nps_chat", "NPS Chat (test only)", "nps_chat", "nps_chat", "ptb", "en-ptb",
            "NPS Chat Corpus 1.0: 10,567 posts from age-specific chat rooms (2006), Penn Treebank tags, "
            "normalised to UD English EWT's tokens and tags; out-of-domain evaluation only",
            "non-commercial research",
            10_545, 44_957,
            "all posts are test (evaluation only: its licence allows no commercial training); train and dev empty",
        ),
    ]
}
# EWT's XPOS beyond PTB, which the MASC and NPS readers produce, in NLTK's 12 universal tags.
UNIVERSAL_EXTRA = {"HYPH": ".", "NFP": ".", "ADD": "X", "AFX": "X", "GW": "X", "XX": "X"}


def nltk_corpus(name: str) -> NLTKCorpus:
    short = name.removeprefix("nltk:")
    try:
        return NLTK_CORPORA[short]
    except KeyError:
        known = ", ".join(f"nltk:{n}" for n in NLTK_CORPORA)
        raise CorpusNotFoundError(f"unknown NLTK corpus {quoted(name)}; known: {known}") from None


def resolve_tagset(corpus: NLTKCorpus, tagset: str | None) -> str:
    """'universal' or the native tagset's name ('ptb', 'brown')."""
    if tagset in (None, "native", corpus.native_tagset):
        return corpus.native_tagset
    if tagset == "universal":
        return "universal"
    raise CorpusError(
        f"{corpus.name} has no tagset {quoted(tagset)}; choose native ({corpus.native_tagset}) or universal"
    )


def search_paths() -> list[str]:
    """Where NLTK looks for data, read fresh from $NLTK_DATA (nltk.data.path is fixed at import)."""
    paths = [os.path.expanduser(p) for p in os.environ.get("NLTK_DATA", "").split(os.pathsep) if p]
    home = os.path.expanduser("~/nltk_data")
    defaults = [home, os.path.join(sys.prefix, "nltk_data"), os.path.join(sys.prefix, "share", "nltk_data"),
                os.path.join(sys.prefix, "lib", "nltk_data"), "/usr/share/nltk_data", "/usr/local/share/nltk_data",
                "/usr/lib/nltk_data", "/usr/local/lib/nltk_data"]
    if "nltk.data" in sys.modules:
        defaults += [str(p) for p in sys.modules["nltk.data"].path if isinstance(p, str)]
    for path in defaults:
        if path not in paths:
            paths.append(path)
    return paths


def package_location(category: str, package: str) -> Path | None:
    """The zip or folder holding an NLTK package, found without importing NLTK."""
    for root in search_paths():
        for candidate in (Path(root) / category / f"{package}.zip", Path(root) / category / package):
            if candidate.exists():
                return candidate
    return None


def missing_message(package: str, category: str, corpus_name: str) -> str:
    looked = ", ".join(search_paths()[:4])
    return (
        f"NLTK data package {package!r} ({category}/{package}.zip) is missing; looked in {looked}, ...; "
        f"run `postag corpora download {corpus_name}` where there is a network, or set NLTK_DATA to a "
        f"folder holding {category}/{package}.zip"
    )


def nltk_download(package: str) -> None:
    """nltk.download into the first $NLTK_DATA folder (else NLTK's default); CorpusNotFoundError on failure."""
    import nltk

    target = next((p for p in os.environ.get("NLTK_DATA", "").split(os.pathsep) if p), None)
    output = io.StringIO()
    try:
        # NLTK prints its progress and errors itself; keep them out of the user's terminal and report once.
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # print_error_to: NLTK binds sys.stderr at import, out of redirect_stderr's reach.
            ok = nltk.download(package, download_dir=target, quiet=True, raise_on_error=True,
                               print_error_to=output)
    except Exception as error:  # nltk raises ValueError, OSError, URLError... for a failed download
        raise CorpusNotFoundError(f"nltk.download({package!r}) failed: {error}") from None
    if not ok:
        detail = " ".join(output.getvalue().split())[:300]
        raise CorpusNotFoundError(f"nltk.download({package!r}) failed: {detail or 'no reason given'}")


def ensure_package(category: str, package: str, corpus_name: str, fetch: bool) -> None:
    if package_location(category, package) is not None:
        return
    if not fetch:
        raise CorpusNotFoundError(missing_message(package, category, corpus_name))
    try:
        nltk_download(package)
    except CorpusNotFoundError as error:
        raise CorpusNotFoundError(f"{missing_message(package, category, corpus_name)} ({error})") from None
    if package_location(category, package) is None:
        raise CorpusNotFoundError(missing_message(package, category, corpus_name))


def download_corpus(name: str) -> list[Path]:
    """Fetch the corpus and the universal tagset tables with nltk.download; the local paths."""
    corpus = nltk_corpus(name)
    for category, package in (("corpora", corpus.package), ("taggers", UNIVERSAL_PACKAGE)):
        if package_location(category, package) is None:
            try:
                nltk_download(package)
            except CorpusNotFoundError as error:
                raise CorpusNotFoundError(
                    f"{error}; without a network, copy {package}.zip into $NLTK_DATA/{category}/ "
                    f"(NLTK_DATA is {os.environ.get('NLTK_DATA') or 'not set: ~/nltk_data is used'})"
                ) from None
            if package_location(category, package) is None:
                raise CorpusNotFoundError(missing_message(package, category, name))
    return [package_location("corpora", corpus.package), package_location("taggers", UNIVERSAL_PACKAGE)]


def _find(*resources: str):
    """The first of `resources` in the first search path that has one (a zip or a folder), as NLTK points."""
    import nltk.data

    # One root at a time: nltk.data.find tries every root for a folder before any root for a zip, so a
    # stale unzipped copy further down the path would win over the zip in NLTK_DATA.
    for root in search_paths():
        for resource in resources:
            try:
                return nltk.data.find(resource, paths=[root])
            except LookupError:
                continue
    return None


def universal_mapping(mapping: str, corpus_name: str, fetch: bool = True) -> dict[str, str]:
    """NLTK's table from native to universal tags (the file nltk.tag.mapping reads)."""
    ensure_package("taggers", UNIVERSAL_PACKAGE, corpus_name, fetch)
    pointer = _find(f"taggers/{UNIVERSAL_PACKAGE}/{mapping}.map")
    if pointer is None:
        raise CorpusNotFoundError(missing_message(UNIVERSAL_PACKAGE, "taggers", corpus_name))
    with pointer.open() as stream:
        text = stream.read().decode("utf-8")
    table = dict(UNIVERSAL_EXTRA)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fine, tab, coarse = line.strip().partition("\t")
        if not tab:
            raise CorpusError(f"{pointer}:{number}: expected 'TAG<tab>UNIVERSAL'")
        table[fine] = coarse
    return table


def _reader(corpus: NLTKCorpus, fetch: bool):
    ensure_package("corpora", corpus.package, corpus.name, fetch)
    root = _find(f"corpora/{corpus.subdir}/", f"corpora/{corpus.package}.zip/{corpus.subdir}/")
    if root is None:
        raise CorpusNotFoundError(
            f"NLTK package {corpus.package!r} is present but has no {corpus.subdir}/: it may be damaged; "
            f"delete it and run `postag corpora download {corpus.name}`"
        )
    from nltk.corpus.reader import BracketParseCorpusReader, CategorizedTaggedCorpusReader, ConllChunkCorpusReader

    # The same arguments nltk.corpus gives its lazy loaders for these corpora.
    if corpus.short_name == "treebank":
        return BracketParseCorpusReader(root, r"wsj_.*\.mrg", tagset="wsj", encoding="ascii")
    if corpus.short_name == "brown":
        return CategorizedTaggedCorpusReader(root, r"c[a-z]\d\d", cat_file="cats.txt", tagset="brown",
                                             encoding="ascii")
    if corpus.short_name == "masc_tagged":
        return CategorizedTaggedCorpusReader(root, r"(spoken|written)/.*\.txt", cat_file="categories.txt",
                                             tagset="wsj", encoding="utf-8", sep="_")
    if corpus.short_name == "nps_chat":
        from nltk.corpus.reader import NPSChatCorpusReader

        return NPSChatCorpusReader(root, r"(?!README|\.).*\.xml", tagset="wsj")
    return ConllChunkCorpusReader(root, ["train.txt", "test.txt"], ("NP", "VP", "PP"), tagset="wsj",
                                  encoding="ascii")


def document_split(fileids: Iterable[str]) -> dict[str, list[str]]:
    """Position % 10 == 8 -> dev, == 9 -> test, else train, over the sorted file ids."""
    parts: dict[str, list[str]] = {"train": [], "dev": [], "test": []}
    for position, fileid in enumerate(sorted(fileids)):
        parts["dev" if position % 10 == 8 else "test" if position % 10 == 9 else "train"].append(fileid)
    return parts


def _convert(tagged_sentences, mapping: dict[str, str] | None) -> list[Sentence]:
    """Sentences with traces dropped and tags mapped; strings interned, since a corpus repeats them a lot.

    Written with zip/map so the per-token work runs in C: Brown has over a million tokens.
    """
    intern = sys.intern
    sentences = []
    for tagged in tagged_sentences:
        if not tagged:
            continue
        words, tags = zip(*tagged)
        if None in tags:  # NLTK's str2tuple gives no tag to a token without "/"
            word = words[tags.index(None)]
            raise CorpusError(f"a token without a tag, {quoted(word)}, in the sentence starting "
                              f"{' '.join(words[:8])!r}: the NLTK data is damaged")
        if TRACE_TAG in tags:
            kept = [(word, tag) for word, tag in tagged if tag != TRACE_TAG]
            if not kept:
                continue
            words, tags = zip(*kept)
        if mapping is not None:
            tags = tuple(map(mapping.get, tags, itertools.repeat("X")))
        else:
            tags = tuple(map(intern, tags))
        sentences.append(Sentence(tuple(map(intern, words)), tags))
    return sentences


def load_nltk_corpus(name: str, tagset: str | None = None, fetch: bool = True) -> Corpus:
    corpus = nltk_corpus(name)
    chosen = resolve_tagset(corpus, tagset)
    mapping = universal_mapping(corpus.mapping, corpus.name, fetch) if chosen == "universal" else None
    reader = _reader(corpus, fetch)
    try:
        splits = _read_splits(corpus, reader, mapping)
    except CorpusError as error:
        raise CorpusError(f"{corpus.name}: {error}") from None
    except (ValueError, LookupError, OSError, zipfile.BadZipFile) as error:
        # NLTK's readers report bad data without a file and line; name the package and the way out.
        where = package_location("corpora", corpus.package)
        raise CorpusError(
            f"{corpus.name}: NLTK could not read {where}: {type(error).__name__}: {error}; the package may be "
            f"damaged: delete it and run `postag corpora download {corpus.name}`"
        ) from None
    return Corpus(name=corpus.name, tagset=chosen, **splits)


def normalised_splits(name: str, fetch: bool = True, counts=None) -> dict:
    """nltk:masc_tagged or nltk:nps_chat as {split: [corpora.masc.Normalised]}: the words and EWT tags that
    load_corpus gives, with the rule behind each word (`rules`) and its document, for a consumer that must tell
    the annotators' tags from those a rule set (a partial-label loss, an evaluation); counts: a Counter that
    receives each normalisation's count."""
    from . import masc

    corpus = nltk_corpus(name)
    if corpus.short_name not in ("masc_tagged", "nps_chat"):
        raise CorpusError(f"{corpus.name} is not normalised; only nltk:masc_tagged and nltk:nps_chat are")
    reader = _reader(corpus, fetch)
    if corpus.short_name == "masc_tagged":
        return masc.read_masc(reader, document_split(reader.fileids()), counts)
    return masc.read_nps_chat(reader, counts)


def _map_tags(sentences: list[Sentence], mapping: dict[str, str] | None) -> list[Sentence]:
    if mapping is None:
        return sentences
    return [Sentence(s.words, tuple(mapping.get(tag, "X") for tag in s.tags)) for s in sentences]


def _read_splits(corpus: NLTKCorpus, reader, mapping) -> dict[str, list[Sentence]]:
    if corpus.short_name in ("masc_tagged", "nps_chat"):
        from . import masc

        if corpus.short_name == "masc_tagged":
            normalised = masc.read_masc(reader, document_split(reader.fileids()))
        else:
            normalised = masc.read_nps_chat(reader)
        return {split: _map_tags([s.sentence() for s in sentences], mapping) for split, sentences in normalised.items()}
    if corpus.short_name == "conll2000":
        train_all = _convert(reader.tagged_sents("train.txt"), mapping)
        cut = len(train_all) - round(len(train_all) * 0.1)
        splits = {"train": train_all[:cut], "dev": train_all[cut:],
                  "test": _convert(reader.tagged_sents("test.txt"), mapping)}
    else:
        files = document_split(reader.fileids())
        splits = {split: _convert(reader.tagged_sents(ids), mapping) for split, ids in files.items()}
    return splits
