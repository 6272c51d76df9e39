"""UD treebanks by code: the table, names and releases, loading from POSTAG_DATA_DIR, verification."""

import hashlib
import shutil
from pathlib import Path

import pytest

from corpora import CorpusError, CorpusNotFoundError, count_tokens, known_corpora, load_named_corpus, ud
from corpora.registry import load_corpus

FIXTURES = Path(__file__).parent / "fixtures"
MIRROR = FIXTURES / "corpora_ud_mirror"
SHARED_EWT = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ud_english_ewt"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def fake_ewt(tmp_path, monkeypatch):
    """A data dir whose ud_english_ewt/ holds the small fixture treebank, its checksums in the table."""
    folder = tmp_path / "ud_english_ewt"
    folder.mkdir()
    checksums = {}
    for split in ("train", "dev", "test"):
        target = folder / f"en_ewt-ud-{split}.conllu"
        shutil.copy(MIRROR / "UD_German-GSD" / "r2.16" / f"de_gsd-ud-{split}.conllu", target)
        checksums[target.name] = sha256(target)
    entry = ud.UD_TREEBANKS["en_ewt"]
    monkeypatch.setitem(ud.UD_TREEBANKS, "en_ewt", ud.UDTreebank(**{**entry.__dict__, "sha256": checksums}))
    monkeypatch.setenv("POSTAG_DATA_DIR", str(tmp_path))
    return folder


def test_table_holds_english_and_at_least_ten_other_languages():
    codes = list(ud.UD_TREEBANKS)
    english = [c for c in codes if c.startswith("en_")]
    others = {c.split("_")[0] for c in codes if not c.startswith("en_")}
    assert {"en_ewt", "en_gum"} <= set(english) and len(english) >= 5
    assert {"de", "fr", "ko"} <= others and len(others) >= 10
    for treebank in ud.UD_TREEBANKS.values():
        assert treebank.repository.startswith("UD_") and treebank.license and treebank.splits
        assert treebank.code.split("_")[0].isalpha()
    assert set(known_corpora()) >= {"ud:en_ewt", "ud:de_gsd", "ud:fr_gsd", "ud:ko_kaist", "nltk:brown"}


def test_names_urls_and_folders():
    treebank = ud.ud_treebank("ud:de_gsd")
    assert treebank.name == "ud:de_gsd" and treebank.folder == "ud_german_gsd"
    assert treebank.url("dev") == (
        "https://raw.githubusercontent.com/UniversalDependencies/UD_German-GSD/r2.16/de_gsd-ud-dev.conllu"
    )
    older = ud.ud_treebank("ud:de_gsd@2.15")
    assert older.name == "ud:de_gsd@2.15" and older.folder == "ud_german_gsd_r2.15"
    assert older.url("train").endswith("/UD_German-GSD/r2.15/de_gsd-ud-train.conllu")
    assert ud.ud_treebank("ud:en_ewt@2.16").folder == "ud_english_ewt"
    # Checksums in the table belong to their release only.
    assert ud.ud_treebank("ud:en_ewt").known_sha256("en_ewt-ud-train.conllu")
    assert ud.ud_treebank("ud:en_ewt@2.15").known_sha256("en_ewt-ud-train.conllu") is None


def test_base_url_can_be_overridden(monkeypatch):
    monkeypatch.setenv("POSTAG_UD_BASE_URL", "http://127.0.0.1:9/mirror/")
    assert ud.ud_treebank("ud:fr_gsd").url("test") == "http://127.0.0.1:9/mirror/UD_French-GSD/r2.16/fr_gsd-ud-test.conllu"


def test_unknown_code_lists_the_known_ones():
    with pytest.raises(CorpusNotFoundError, match=r"unknown UD treebank 'ud:xx_nope'; known: ud:ar_padt, .*ud:en_ewt"):
        load_named_corpus("ud:xx_nope")


def test_bad_release_is_an_error():
    with pytest.raises(CorpusNotFoundError, match="bad UD release 'latest'"):
        ud.ud_treebank("ud:de_gsd@latest")


def test_unknown_prefix_lists_named_corpora():
    with pytest.raises(CorpusNotFoundError, match="unknown corpus 'spacy:en'; named corpora: ud:en_ewt"):
        load_named_corpus("spacy:en")


def test_ud_en_ewt_loads_from_postag_data_dir(fake_ewt):
    corpus = load_named_corpus("ud:en_ewt")
    assert corpus.name == "ud:en_ewt" and corpus.tagset == "upos"
    assert [len(corpus.train), len(corpus.dev), len(corpus.test)] == [2, 1, 1]
    assert corpus.train[1].words == ("Sie", "geht", "zu", "dem", "Markt", ".")  # 3-4 "zum" skipped
    xpos = load_corpus("ud:en_ewt", tagset="xpos")
    assert xpos.tagset == "xpos" and xpos.test[0].tags[3] == "ADJD"


def test_ud_tagset_must_be_upos_or_xpos(fake_ewt):
    with pytest.raises(CorpusError, match="ud:en_ewt has no tagset 'universal'; choose from upos, xpos"):
        load_named_corpus("ud:en_ewt", "universal")


def test_a_changed_file_fails_verification(fake_ewt):
    with open(fake_ewt / "en_ewt-ud-dev.conllu", "a", encoding="utf-8") as file:
        file.write("\n")
    with pytest.raises(CorpusError, match=r"en_ewt-ud-dev.conllu: SHA-256 does not match UD 2.16.*delete it"):
        load_named_corpus("ud:en_ewt")


def test_missing_files_without_fetch_say_where_to_put_them(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTAG_DATA_DIR", str(tmp_path))
    with pytest.raises(CorpusNotFoundError) as error:
        load_named_corpus("ud:en_ewt", fetch=False)
    message = str(error.value)
    assert str(tmp_path / "ud_english_ewt" / "en_ewt-ud-train.conllu") in message
    assert "POSTAG_DATA_DIR" in message and "postag corpora download ud:en_ewt" in message


@pytest.mark.slow
def test_real_ud_en_ewt_from_shared_data(monkeypatch):
    if not (SHARED_EWT / "en_ewt-ud-train.conllu").is_file():
        pytest.skip(f"UD English EWT v2.16 not found in {SHARED_EWT}")
    monkeypatch.setenv("POSTAG_DATA_DIR", str(SHARED_EWT.parent))
    corpus = load_named_corpus("ud:en_ewt")  # verified against the SHA-256 in the table
    assert [len(corpus.train), len(corpus.dev), len(corpus.test)] == [12_544, 2_001, 2_077]
    assert [count_tokens(corpus.train), count_tokens(corpus.dev), count_tokens(corpus.test)] == [
        204_577, 25_147, 25_094]
    assert len({tag for s in corpus.train for tag in s.tags}) == 17
