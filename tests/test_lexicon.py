"""The word-tag lexicon: built from sources (corpora.lexicon), written as JSON, read back by tagger.lexicon with
checks, looked up three ways, and turned into n-hot features; the reader imports neither corpora nor TensorFlow."""

import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from corpora import lexicon as builder
from tagger.errors import ModelError
from tagger.lexicon import Lexicon

REPO = Path(__file__).resolve().parent.parent


def small_table():
    table = builder.LexiconTable()
    table.add("ewt_train", [("run", ["VB"]), ("run", ["NN"]), ("Apple", ["NNP"]), ("the", ["DT"]), ("x", ["BAD"])])
    table.add("brown", [("apple", builder.brown_to_ptb("apple", "NN")), ("runs", builder.brown_to_ptb("runs", "VBZ"))])
    return table


def test_table_records_sources_and_writes_compact_json(tmp_path):
    table = small_table()
    assert table.words["run"] == {"VB", "NN"} and "x" not in table.words  # a tag outside EWT's inventory is left out
    assert [s["name"] for s in table.sources] == ["ewt_train", "brown"]
    assert table.sources[1]["new_forms"] == 2 and "licence" in table.sources[0]
    path = builder.write_lexicon(table, tmp_path / "lexicon.json")
    data = json.loads(path.read_text())
    assert data["format"] == "postag-lexicon" and data["version"] == 1 and data["lowercase"] == "lowercase"
    assert data["tags"] == list(builder.LEXICON_TAGS) and len(data["tags"]) == 51
    bit = data["tags"].index
    assert data["words"]["run"] == (1 << bit("VB")) | (1 << bit("NN"))


def test_lookups_and_features(tmp_path):
    path = builder.write_lexicon(small_table(), tmp_path / "lexicon.json")
    lexicon = Lexicon.load(path)
    assert len(lexicon) == 5 and lexicon.lookup == "lowercase"
    assert lexicon.tag_set("apple") == lexicon.tag_set("APPLE") == {"NN", "NNP"}
    assert lexicon.tag_set("zzz") == frozenset() and "zzz" not in lexicon and "Run" in lexicon
    exact = Lexicon.load(path, lookup="exact")
    assert exact.tag_set("apple") == {"NN"} and exact.tag_set("Run") == frozenset()
    fallback = Lexicon.load(path, lookup="fallback")
    assert fallback.tag_set("Apple") == {"NNP"} and fallback.tag_set("RUN") == {"VB", "NN"}
    features = lexicon.features(["run", "zzz", "the"])
    assert features.shape == (3, 52) and features.dtype == np.float32
    assert features[1, -1] == 1 and features[1, :-1].sum() == 0  # not in the lexicon: the last column
    assert features[0, -1] == 0 and {lexicon.tags[i] for i in np.flatnonzero(features[0, :-1])} == {"VB", "NN"}
    assert lexicon.features([]).shape == (0, 52)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(format="other"), "not a lexicon file"),
    (lambda d: d.update(version=9), "lexicon version 9"),
    (lambda d: d.update(tags=["NN", "NN"]), "distinct tag names"),
    (lambda d: d.update(words=[]), "'words' must map"),
    (lambda d: d["words"].update(run=1 << 60), "bitmask"),
    (lambda d: d["words"].update(run="1"), "bitmask"),
    (lambda d: d["words"].update(run=0), "bitmask"),
])
def test_damaged_files_are_one_clear_error(tmp_path, change, message):
    path = builder.write_lexicon(small_table(), tmp_path / "lexicon.json")
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    with pytest.raises(ModelError, match=message):
        Lexicon.load(path)
    path.write_text("{not json")
    with pytest.raises(ModelError, match="not a readable lexicon file"):
        Lexicon.load(path)


def test_brown_tags_in_ptb():
    assert builder.brown_to_ptb("walk", "VB") == {"VB", "VBP"}
    assert builder.brown_to_ptb("Fulton", "NP-TL") == {"NNP"}
    assert builder.brown_to_ptb("to", "IN") == {"TO"} and builder.brown_to_ptb("in", "IN") == {"IN"}
    assert builder.brown_to_ptb("it's", "PPS+BEZ") == frozenset() and builder.brown_to_ptb("isn't", "BEZ*") == set()
    assert builder.brown_to_ptb("not", "*") == {"RB"} and builder.brown_to_ptb("de", "FW-IN") == {"FW"}


def test_lemminflect_table_is_read_as_csv(tmp_path):
    path = tmp_path / "infl_lu.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as file:
        file.write("dog,noun,dogs\nrun,verb,ran,run,running,runs\nbe,aux,was\nbig,adj,bigger,biggest\n")
    pairs = list(builder.lemminflect_pairs(path))
    assert ("dogs", ("NNS",)) in pairs and ("run", ("VB", "VBP")) in pairs and ("run", ("VBN",)) in pairs
    assert ("biggest", ("JJS",)) in pairs and not any(word == "was" for word, _ in pairs)


def test_ewt_source_from_a_conllu_file(tiny_conllu):
    table = builder.build_lexicon(["ewt_train"], ewt_train=tiny_conllu)
    assert table.words and table.sources[0]["name"] == "ewt_train"
    with pytest.raises(Exception, match="unknown lexicon source 'treebank'"):
        builder.build_lexicon(["treebank"])


def test_the_reader_imports_neither_corpora_nor_tensorflow():
    code = ("import sys, tagger.lexicon; bad = [m for m in sys.modules if m.split('.')[0] in "
            "('corpora', 'tensorflow', 'keras', 'nltk')]; print(bad)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
