"""NLTK corpora by name, read through NLTK's readers from a small NLTK_DATA tree written by the tests:
tagsets, dropped traces, the deterministic split, and what happens when a package is missing."""

import subprocess
import sys
from pathlib import Path

import pytest

from corpora import CorpusError, CorpusNotFoundError, count_tokens, load_corpus, load_named_corpus, nltk_corpora

SHARED_NLTK = Path(__file__).resolve().parent.parent.parent / "shared" / "nltk_data"

PTB_MAP = "NNP\tNOUN\nVBD\tVERB\n.\t.\nDT\tDET\nNN\tNOUN\n-NONE-\tX\nIN\tADP\n"
BROWN_MAP = "AT\tDET\nNN\tNOUN\nNP-TL\tNOUN\nVBD\tVERB\n.\t.\n"


def tree(index: int) -> str:
    # A sentence with a trace (-NONE-) and a word naming its file, so tests can see where each file went.
    return (f"( (S (NP-SBJ (NNP File{index}) ) (VP (VBD left) (NP (-NONE- *-1) )) (. .) ))\n"
            f"( (S (NP-SBJ (DT The) (NN w{index}) ) (VP (VBD came) ) (. .) ))\n")


def build_nltk_data(root: Path, treebank=True, brown=True, conll2000=True, universal=True) -> Path:
    if treebank:
        folder = root / "corpora" / "treebank" / "combined"
        folder.mkdir(parents=True)
        for index in range(1, 11):
            (folder / f"wsj_{index:04d}.mrg").write_text(tree(index))
    if brown:
        folder = root / "corpora" / "brown"
        folder.mkdir(parents=True)
        ids = [f"ca{n:02d}" for n in range(1, 6)] + [f"cb{n:02d}" for n in range(1, 6)]
        for fileid in ids:
            (folder / fileid).write_text(f"\n\n\tThe/at {fileid}/np-tl left/vbd ./.\n\n\n\tIt/pps rained/vbd ./.\n")
        (folder / "cats.txt").write_text("".join(f"{i} {'news' if i[1] == 'a' else 'editorial'}\n" for i in ids))
    if conll2000:
        folder = root / "corpora" / "conll2000"
        folder.mkdir(parents=True)
        (folder / "train.txt").write_text("".join(f"s{i} NN B-NP\nwent VBD B-VP\n. . O\n\n" for i in range(20)))
        (folder / "test.txt").write_text("t0 NN B-NP\n. . O\n\nt1 IN B-PP\n\n")
    if universal:
        folder = root / "taggers" / "universal_tagset"
        folder.mkdir(parents=True)
        (folder / "en-ptb.map").write_text(PTB_MAP)
        (folder / "en-brown.map").write_text(BROWN_MAP)
    return root


@pytest.fixture
def nltk_data(tmp_path, monkeypatch):
    root = build_nltk_data(tmp_path / "nltk_data")
    monkeypatch.setenv("NLTK_DATA", str(root))
    # Only the test tree: a real ~/nltk_data must not make a "missing" package look present.
    monkeypatch.setattr(nltk_corpora, "search_paths", lambda: [str(root)])
    return root


@pytest.fixture
def no_network(monkeypatch):
    calls = []

    def refuse(package):
        calls.append(package)
        raise CorpusNotFoundError(f"nltk.download({package!r}) failed: no network")

    monkeypatch.setattr(nltk_corpora, "nltk_download", refuse)
    return calls


def test_treebank_native_drops_traces_and_splits_by_document(nltk_data):
    corpus = load_named_corpus("nltk:treebank")
    assert corpus.name == "nltk:treebank" and corpus.tagset == "ptb"
    assert corpus.train[0].words == ("File1", "left", ".") and corpus.train[0].tags == ("NNP", "VBD", ".")
    assert [s.words[0] for s in corpus.dev] == ["File9", "The"]  # position 8 of the sorted file ids
    assert [s.words[0] for s in corpus.test] == ["File10", "The"]  # position 9
    assert len(corpus.train) == 16
    assert all("-NONE-" not in s.tags for s in corpus.train + corpus.dev + corpus.test)


def test_treebank_universal_uses_nltk_mapping_and_x_for_unknown(nltk_data):
    corpus = load_named_corpus("nltk:treebank", "universal")
    assert corpus.tagset == "universal"
    assert corpus.train[0].tags == ("NOUN", "VERB", ".")
    assert corpus.train[1].tags == ("DET", "NOUN", "VERB", ".")


def test_tagset_aliases_and_errors(nltk_data):
    assert load_named_corpus("nltk:treebank", "ptb").tagset == "ptb"
    assert load_named_corpus("nltk:treebank", "native").tagset == "ptb"
    with pytest.raises(CorpusError, match=r"nltk:treebank has no tagset 'brown'; choose native \(ptb\) or universal"):
        load_named_corpus("nltk:treebank", "brown")
    with pytest.raises(CorpusError, match="no tagset 'upos'"):
        load_named_corpus("nltk:brown", "upos")


def test_brown_native_tags_are_uppercased_as_nltk_reads_them_and_universal_mapped(nltk_data):
    native = load_named_corpus("nltk:brown", "brown")
    assert native.tagset == "brown"
    assert native.train[0].words == ("The", "ca01", "left", ".")
    assert native.train[0].tags == ("AT", "NP-TL", "VBD", ".")
    assert [s.words[1] for s in native.dev if len(s) == 4] == ["cb04"]  # sorted ids: position 8
    assert [s.words[1] for s in native.test if len(s) == 4] == ["cb05"]
    universal = load_named_corpus("nltk:brown", "universal")
    assert universal.train[0].tags == ("DET", "NOUN", "VERB", ".")
    assert universal.train[1].tags == ("X", "VERB", ".")  # PPS is not in the (test) table: X, as NLTK does


def test_conll2000_official_test_and_last_tenth_of_train_as_dev(nltk_data):
    corpus = load_named_corpus("nltk:conll2000", "universal")
    assert [len(corpus.train), len(corpus.dev), len(corpus.test)] == [18, 2, 2]
    assert [s.words[0] for s in corpus.dev] == ["s18", "s19"]
    assert corpus.test[0].words == ("t0", ".") and corpus.test[1].tags == ("ADP",)


def test_every_command_reads_the_same_default_tagset(nltk_data):
    from pipelines.data import load_training_corpus

    # train and compare (load_training_corpus) read what `corpora stats|info` (load_corpus) read: native tags
    assert load_training_corpus("nltk:treebank").tagset == load_corpus("nltk:treebank").tagset == "ptb"
    assert load_training_corpus("nltk:brown").tagset == "brown"


def test_split_is_the_same_every_run(nltk_data):
    first = load_named_corpus("nltk:treebank")
    second = load_corpus("nltk:treebank")
    assert (first.train, first.dev, first.test) == (second.train, second.dev, second.test)


def test_damaged_nltk_data_is_a_clear_error(nltk_data):
    # NLTK reads these files as ASCII: a UTF-8 byte is damage it reports, without file or line.
    (nltk_data / "corpora" / "treebank" / "combined" / "wsj_0003.mrg").write_bytes(b"( (S (NNP Caf\xc3\xa9) ))\n")
    with pytest.raises(CorpusError, match=r"nltk:treebank: NLTK could not read .*treebank.*damaged.*"
                                          r"postag corpora download nltk:treebank"):
        load_named_corpus("nltk:treebank")
    (nltk_data / "corpora" / "brown" / "ca03").write_text("\n\tThe/at untagged ./.\n")
    with pytest.raises(CorpusError, match=r"nltk:brown: a token without a tag, 'untagged', in the sentence "
                                          r"starting 'The untagged .'"):
        load_named_corpus("nltk:brown")


def test_document_split_rule():
    ids = [f"f{n:02d}" for n in range(25)]
    parts = nltk_corpora.document_split(reversed(ids))
    assert parts["dev"] == ["f08", "f18"] and parts["test"] == ["f09", "f19"]
    assert len(parts["train"]) == 21


def test_missing_corpus_offline_names_the_package_and_the_ways_to_get_it(tmp_path, monkeypatch, no_network):
    root = build_nltk_data(tmp_path / "nltk_data", treebank=False)
    monkeypatch.setenv("NLTK_DATA", str(root))
    monkeypatch.setattr(nltk_corpora, "search_paths", lambda: [str(root)])
    with pytest.raises(CorpusNotFoundError) as error:
        load_named_corpus("nltk:treebank")
    message = str(error.value)
    assert "NLTK data package 'treebank' (corpora/treebank.zip) is missing" in message
    assert "postag corpora download nltk:treebank" in message and "NLTK_DATA" in message
    assert "no network" in message
    assert no_network == ["treebank"]


def test_missing_corpus_without_fetch_does_not_try_to_download(tmp_path, monkeypatch, no_network):
    root = build_nltk_data(tmp_path / "nltk_data", brown=False)
    monkeypatch.setenv("NLTK_DATA", str(root))
    monkeypatch.setattr(nltk_corpora, "search_paths", lambda: [str(root)])
    with pytest.raises(CorpusNotFoundError, match="'brown'"):
        load_named_corpus("nltk:brown", fetch=False)
    assert no_network == []


def test_missing_universal_tagset_is_named(tmp_path, monkeypatch, no_network):
    root = build_nltk_data(tmp_path / "nltk_data", universal=False)
    monkeypatch.setenv("NLTK_DATA", str(root))
    monkeypatch.setattr(nltk_corpora, "search_paths", lambda: [str(root)])
    assert load_named_corpus("nltk:treebank", "native").train  # native tags need no mapping
    with pytest.raises(CorpusNotFoundError, match="'universal_tagset' \\(taggers/universal_tagset.zip\\)"):
        load_named_corpus("nltk:treebank", "universal")


def test_missing_corpus_is_fetched_with_nltk_download_where_there_is_a_network(tmp_path, monkeypatch):
    root = tmp_path / "nltk_data"
    build_nltk_data(root, treebank=False)
    monkeypatch.setenv("NLTK_DATA", str(root))
    monkeypatch.setattr(nltk_corpora, "search_paths", lambda: [str(root)])
    fetched = []

    def fake_download(package):  # what nltk.download would leave behind
        fetched.append(package)
        build_nltk_data(tmp_path / "fresh", brown=False, conll2000=False, universal=False)
        (tmp_path / "fresh" / "corpora" / "treebank").rename(root / "corpora" / "treebank")

    monkeypatch.setattr(nltk_corpora, "nltk_download", fake_download)
    assert len(load_named_corpus("nltk:treebank").train) == 16
    assert fetched == ["treebank"]


def test_search_paths_start_with_nltk_data(monkeypatch, tmp_path):
    monkeypatch.setenv("NLTK_DATA", f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    paths = nltk_corpora.search_paths()
    assert paths[:2] == [str(tmp_path / "a"), str(tmp_path / "b")]
    assert str(Path("~/nltk_data").expanduser()) in paths


def test_unknown_nltk_corpus_lists_the_known_ones():
    with pytest.raises(CorpusNotFoundError, match="unknown NLTK corpus 'nltk:reuters'; known: nltk:treebank, "):
        load_named_corpus("nltk:reuters")


def real_nltk(monkeypatch):
    if not (SHARED_NLTK / "corpora" / "brown.zip").is_file():
        pytest.skip(f"NLTK data not found in {SHARED_NLTK}")
    monkeypatch.setenv("NLTK_DATA", str(SHARED_NLTK))


@pytest.mark.slow
def test_real_treebank_and_conll2000_sizes(monkeypatch):
    real_nltk(monkeypatch)
    treebank = load_named_corpus("nltk:treebank", "universal")
    assert [len(treebank.train), len(treebank.dev), len(treebank.test)] == [3140, 423, 351]
    assert sum(count_tokens(treebank.split(s)) for s in ("train", "dev", "test")) == 94_084  # 100,676 - traces
    assert len({tag for s in treebank.train for tag in s.tags}) == 12
    conll = load_named_corpus("nltk:conll2000")
    assert [len(conll.train), len(conll.dev), len(conll.test)] == [8042, 894, 2012]


COMPARE_WITH_NLTK = """
import nltk
from nltk.corpus import brown
from corpora import load_named_corpus
from corpora.nltk_corpora import document_split
corpus = load_named_corpus("nltk:brown", "universal")
assert [len(corpus.train), len(corpus.dev), len(corpus.test)] == [46175, 5523, 5642]
assert sum(len(s) for split in ("train", "dev", "test") for s in corpus.split(split)) == 1161192
test_ids = document_split(brown.fileids())["test"]
expected = [tuple(tag for _, tag in s) for s in brown.tagged_sents(test_ids, tagset="universal")]
assert [s.tags for s in corpus.test] == expected
print("same as nltk")
"""


@pytest.mark.slow
def test_real_brown_matches_nltk_universal_tagging(monkeypatch):
    real_nltk(monkeypatch)
    # A fresh process: NLTK fixes its data path and caches tag maps at import, and the tests above point
    # NLTK_DATA at their own small trees.
    result = subprocess.run([sys.executable, "-c", COMPARE_WITH_NLTK], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parent.parent, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "same as nltk" in result.stdout
