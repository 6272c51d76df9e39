"""The shipped models: rebuilt by one command, loadable by name, scored as recorded, tagging without TensorFlow."""

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest
from conftest import REPO

from tagger import shipped_models

TINY = {"architecture": "rnn", "word_dim": 8, "char_dim": 4, "char_filters": 4, "hidden_dim": 8, "depth": 1,
        "min_count": 1, "epochs": 3, "affix_buckets": 50, "affix_dim": 4}


def test_build_writes_a_small_checked_directory_with_a_card(tmp_path, monkeypatch, tiny_conllu):
    import pipelines.models.shipped as shipped
    from corpora import Corpus, read_conllu
    from tagger import load

    sentences = read_conllu(tiny_conllu, "upos,xpos")
    corpus = Corpus("ud:tiny", "upos,xpos", train=sentences, dev=sentences[:4], test=sentences[4:])
    monkeypatch.setitem(shipped.RECIPES, "tiny", shipped.Recipe("tiny", "ud:tiny", "upos,xpos", TINY,
                                                                description="A tiny test model"))
    monkeypatch.setattr("pipelines.data.load_training_corpus", lambda *args, **kwargs: corpus)
    monkeypatch.setattr(shipped, "corpus_entry", lambda name: SimpleNamespace(
        license="CC BY-SA 4.0", title="Tiny Treebank", citation="Someone (2026)", source_url="https://example.org"))
    result = shipped.build("tiny", tmp_path / "tiny")
    files = sorted(p.name for p in (tmp_path / "tiny").iterdir())
    assert files == ["README.md", "SHA256SUMS", "config.json", "metrics.json", "model.onnx", "vocab.json"]
    card = (tmp_path / "tiny" / "README.md").read_text()
    assert "postag models build tiny" in card and "CC BY-SA 4.0" in card and "Someone (2026)" in card
    config = json.loads((tmp_path / "tiny" / "config.json").read_text())
    assert config["license"] == "CC BY-SA 4.0" and config["graph"].startswith("int8")
    tagger = load(tmp_path / "tiny")
    assert tagger.tagsets == ("upos", "xpos") and len(tagger.tag(["The", "cat"], tagset="xpos")) == 2
    # The recorded scores are the shipped graph's own, through the runtime.
    from pipelines.evaluation.gold_tokens import evaluate

    assert evaluate(tagger, corpus.test).accuracy == pytest.approx(result.metrics["test"]["accuracy"], abs=1e-12)


def test_a_recipe_with_vectors_trains_them_once_and_names_them_in_the_card(tmp_path, monkeypatch, tiny_conllu):
    """The recipe's vectors are a pretraining step: trained into the cache on the first build, reused by the
    next; the model starts from them and its card names their sources and licences. A directory trained
    without vectors is not this recipe's."""
    import pipelines.models.shipped as shipped
    from corpora import Corpus, read_conllu
    from pipelines.errors import PipelineError

    sentences = read_conllu(tiny_conllu, "upos")
    corpus = Corpus("ud:tiny", "upos", train=sentences, dev=sentences[:4], test=sentences[4:])
    text = tmp_path / "raw.txt"
    text.write_text("The cat sat on the mat. The dog sat on the cat.\n" * 20)
    from pipelines.pretraining.inputs import NAMED_VECTORS, NamedVectors

    monkeypatch.setitem(NAMED_VECTORS, "tiny", NamedVectors("tiny_vectors/none.txt", (str(text),), "tiny-vectors.txt",
                                                            {"dim": 8, "epochs": 1, "min_count": 1}))
    recipe = shipped.Recipe("tiny", "ud:tiny", "upos", {**TINY, "extend_vocab": 5}, description="A tiny test model",
                            vectors="tiny")
    monkeypatch.setitem(shipped.RECIPES, "tiny", recipe)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr("pipelines.data.load_training_corpus", lambda *args, **kwargs: corpus)
    monkeypatch.setattr(shipped, "corpus_entry", lambda name: SimpleNamespace(
        license="CC BY-SA 4.0", title="Tiny Treebank", citation="Someone (2026)", source_url="https://example.org"))
    shipped.build("tiny", tmp_path / "first")
    vectors = tmp_path / "cache" / "postag" / "pretraining" / "tiny-vectors.txt"
    config = json.loads((tmp_path / "first" / "config.json").read_text())
    assert config["tagger"]["embeddings"] == "tiny" and config["tagger"]["word_dim"] == 8
    assert config["embeddings"]["file"] == str(vectors)
    assert config["embeddings"]["dim"] == 8 and config["embeddings"]["exact"] > 0
    card = (tmp_path / "first" / "README.md").read_text()
    assert f"skip-gram vectors (`postag embeddings train {text}`)" in card and "(CC BY-SA 4.0)" in card, card
    stamp = vectors.stat().st_mtime_ns
    shipped.build("tiny", tmp_path / "second")
    assert vectors.stat().st_mtime_ns == stamp  # reused, not trained again

    from pipelines.training.tagger import train
    from tagger import TaggerConfig

    train(corpus, TaggerConfig().replace(**TINY, seed=1), output=tmp_path / "plain")
    with pytest.raises(PipelineError, match="settings differing: .*embeddings"):
        shipped.build("tiny", tmp_path / "third", trained=tmp_path / "plain")


def test_a_distilled_recipe_trains_its_teachers_and_silver_first(tmp_path, monkeypatch, tiny_conllu):
    """Distillation is part of the recipe: the teachers (the recipe on the first tagset, one per seed) tag the
    raw text, and the shipped model learns from them; a directory trained without them is not this recipe's."""
    import pipelines.models.shipped as shipped
    from corpora import Corpus, read_conllu
    from pipelines.errors import PipelineError
    from pipelines.training.tagger import train
    from tagger import TaggerConfig

    def corpus_of(name, tagset="upos", **kwargs):
        sentences = read_conllu(tiny_conllu, tagset)
        return Corpus("ud:tiny", tagset, train=sentences, dev=sentences[:4], test=sentences[4:])

    text = tmp_path / "raw.txt"
    text.write_text("The quokka sat on the mat.\nA dog barked at the quokka.\nShe reads books.\n")
    plan = shipped.Distillation(teacher_tagset="upos", sources=(str(text),), teacher_seeds=(1, 2), max_words=50,
                                weight=0.3)
    monkeypatch.setitem(shipped.RECIPES, "tiny", shipped.Recipe("tiny", "ud:tiny", "upos,xpos", TINY,
                                                                description="A tiny test model", distillation=plan))
    monkeypatch.setattr("pipelines.data.load_training_corpus", corpus_of)
    monkeypatch.setattr(shipped, "corpus_entry", lambda name: SimpleNamespace(
        license="CC BY-SA 4.0", title="Tiny Treebank", citation="Someone (2026)", source_url="https://example.org"))
    shipped.build("tiny", tmp_path / "tiny")
    config = json.loads((tmp_path / "tiny" / "config.json").read_text())
    assert len(config["distill"]["teachers"]) == 2 and config["distill"]["weight"] == 0.3
    assert config["silver"]["sentences"] == 3 and config["tagger"]["distill_weight"] == 0.3
    card = (tmp_path / "tiny" / "README.md").read_text()
    assert "distilled from 2 teachers" in card and "3 sentences, 18 words" in card, card

    train(corpus_of("ud:tiny", "upos,xpos"), TaggerConfig().replace(**TINY, seed=1, distill_weight=0.3),
          output=tmp_path / "plain")
    with pytest.raises(PipelineError, match="settings differing: distill, silver"):
        shipped.build("tiny", tmp_path / "again", trained=tmp_path / "plain")


def test_an_unknown_recipe_is_one_error():
    from pipelines.errors import PipelineError
    from pipelines.models.shipped import build

    with pytest.raises(PipelineError, match="known: en_ewt"):
        build("klingon")


needs_shipped = pytest.mark.skipif("en_ewt" not in shipped_models(), reason="the shipped en_ewt model is absent")


@needs_shipped
def test_the_shipped_model_tags_by_name_offline_without_tensorflow(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("The old man the boats. Time flies like an arrow.\n")
    code = ("import os, sys, cli; os.environ.pop('POSTAG_MODEL', None); "
            "cli.app(['tag', sys.argv[1]], standalone_mode=False); "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code, str(notes)], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("The/DET old/") and done.stdout.count("\n") == 2


@needs_shipped
def test_the_shipped_model_has_both_tagsets_a_card_and_a_licence():
    from tagger import load, model_info

    tagger = load("en_ewt")
    assert tagger.tagsets == ("upos", "xpos")
    assert tagger.tag(["I", "saw", "her", "duck"], tagset="xpos")[0] == "PRP"
    info = model_info("en_ewt")
    assert info.shipped and info.license == "CC BY-SA 4.0" and info.size_bytes < 10_000_000
    assert "postag models build en_ewt" in info.card and info.scores["test"]["accuracy"] > 0.94


@needs_shipped
def test_raw_text_from_python_is_split_by_the_models_tokenizer():
    from tagger import ModelError, TaggedWord, load

    tagger = load("en_ewt")
    text = "Acme Inc. isn't anti-war.\n\nWhy?\" they   say."
    sentences = tagger.tag_text(text)
    assert [[word.word for word in s] for s in sentences] == [
        ["Acme", "Inc.", "is", "n't", "anti-war", "."], ["Why", "?", '"', "they", "say", "."]]
    first = sentences[0]
    assert first[1] == TaggedWord("Inc.", "PROPN", 5, 9) and first[2].start == first[3].start == 10  # isn't
    assert all(text[w.start:w.end] in (w.word, "isn't") for s in sentences for w in s)
    assert [w.tag for w in tagger.tag_text("I saw her.", tagset="xpos")[0]] == ["PRP", "VBD", "PRP", "."]
    assert tagger.tag_text("") == [] and tagger.tag_text(" \n\t ") == []
    # A string where words are expected is refused, as NLTK's taggers refuse it, not tagged letter by letter.
    for call in (lambda: tagger.tag("I saw her"), lambda: tagger.tag_sents("I saw her"),
                 lambda: tagger.tag_sents(["I saw her"]), lambda: tagger.tag_text(["I", "saw"])):
        with pytest.raises(TypeError, match="tag_text|string"):
            call()
    # Doubled spaces are read as one: the sentence is not cut at them (a network trained on treebank text,
    # single-spaced, took them for sentence ends), and the offsets still point into the text as given.
    spaced = "I went home  and slept.  It   rained."
    words = [[(w.word, spaced[w.start:w.end]) for w in s] for s in tagger.tag_text(spaced)]
    assert [[word for word, _ in s] for s in words] == [["I", "went", "home", "and", "slept", "."],
                                                        ["It", "rained", "."]]
    assert all(word == surface for s in words for word, surface in s)
    tagger.tokenizer = None
    with pytest.raises(ModelError, match="no tokenizer"):
        tagger.tag_text(text)


@needs_shipped
@pytest.mark.slow
def test_the_shipped_model_reaches_its_recorded_accuracy(requires_ewt):
    from corpora import load_named_corpus
    from pipelines.evaluation.gold_tokens import evaluate
    from pipelines.training.tagger import head_sentences
    from tagger import load, model_info

    tagger, recorded = load("en_ewt"), model_info("en_ewt").scores
    corpus = load_named_corpus("ud:en_ewt", "upos,xpos")
    assert evaluate(tagger, corpus.test).accuracy == pytest.approx(recorded["test"]["accuracy"], abs=1e-9)
    xpos = evaluate(tagger, head_sentences(corpus.test, 1), tagset="xpos")
    metrics = json.loads((tagger.directory / "metrics.json").read_text())
    assert xpos.accuracy == pytest.approx(metrics["more_tagsets"]["xpos"]["test"]["accuracy"], abs=1e-9)
