"""The options that buy accuracy, end to end on tiny data: CRF, label smoothing, character BiLSTM, learning-rate
schedule, pretrained vectors and a pretrained character LM from their own pipeline steps, presets."""

import json

import numpy as np
import pytest

from corpora import Corpus
from pipelines.errors import PipelineError
from pipelines.pretraining.charlm import load_char_lm, text_ids, train_char_lm
from pipelines.training.tagger import train
from tagger import ConfigError, Tagger, TaggerConfig, Vocab
from tagger.training.loss import sequence_loss

TINY = dict(word_dim=8, char_dim=4, char_filters=4, hidden_dim=8, depth=1, batch_size=4, min_count=1, epochs=2,
            patience=0)


@pytest.fixture
def corpus(tiny_sentences):
    return Corpus("tiny", "upos", train=tiny_sentences[:8], dev=tiny_sentences[8:10], test=tiny_sentences[10:])


def runtime_agrees(result, directory):
    """The saved model tags through the runtime as the Keras model does (logits too, where there is one head)."""
    words = [["The", "cat", "sat", "."], ["Dogs", "run"], ["A", "zebra", "and", "a", "quokka", "!"]]
    runtime = Tagger.load(directory)
    assert runtime.tag_sents(words) == result.tagger.tag_sents(words)
    expected = result.tagger.model(runtime.encoder.inputs(words), training=False)
    expected = np.asarray(expected[0] if isinstance(expected, tuple) else expected)
    inputs, _, _ = runtime.encoder.spelling_inputs(words)
    inputs["known_features"] = np.zeros((0, runtime._kept.shape[1]), np.float32)
    if runtime.char_lm:
        inputs.update(runtime.encoder.lm_inputs(words, inputs["spelling_index"].shape[1]))
    (exported,) = runtime.session.run(["logits"], inputs)
    for row, sentence in enumerate(words):
        np.testing.assert_allclose(exported[row, :len(sentence)], expected[row, :len(sentence)], atol=1e-4)


def test_label_smoothing_spreads_over_real_tags_only():
    logits = np.array([[[0.0, 2.0, 0.5, -1.0]]], np.float32)
    tags = np.array([[1]])
    log_p = logits[0, 0] - np.log(np.exp(logits[0, 0]).sum())
    expected = 0.9 * -log_p[1] + 0.1 * -log_p[1:].mean()
    assert float(sequence_loss(tags, logits, label_smoothing=0.1)) == pytest.approx(expected, rel=1e-5)
    assert float(sequence_loss(tags, logits)) == pytest.approx(-log_p[1], rel=1e-5)


def test_crf_and_label_smoothing_are_one_or_the_other():
    with pytest.raises(ConfigError):
        TaggerConfig(crf=True, label_smoothing=0.1)


@pytest.mark.parametrize("settings", [dict(crf=True), dict(label_smoothing=0.1, lr_schedule="cosine"),
                                      dict(char_encoder="lstm", char_lstm_dim=4), dict(crf=True, architecture="fcn")],
                         ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()))
def test_each_option_trains_saves_and_tags_through_the_runtime(corpus, settings, tmp_path):
    result = train(corpus, TaggerConfig(**{**TINY, **settings}), output=tmp_path / "model")
    assert all(np.isfinite(r.train_loss) for r in result.history)
    runtime_agrees(result, tmp_path / "model")


def test_crf_learns_the_tiny_corpus(tiny_sentences, tmp_path):
    corpus = Corpus("tiny", "upos", train=tiny_sentences[:4], dev=tiny_sentences[:4])
    config = TaggerConfig(**{**TINY, "epochs": 60, "batch_size": 2, "crf": True, "dropout": 0.0,
                             "word_dropout": 0.0, "learning_rate": 0.02, "ema": 0.0})
    result = train(corpus, config, output=tmp_path / "model")
    assert result.dev.accuracy == 1.0
    tagger = Tagger.load(tmp_path / "model")
    gold = [(s.words, s.tags) for s in tiny_sentences[:4]]
    assert tagger.accuracy(gold) == 1.0
    words = list(tiny_sentences[0].words)
    scored = tagger.tag_sents_scored([words], top_k=2)[0]
    # Marginal probabilities: the most probable tag of each word is the one Viterbi chose, on data this clear.
    assert [token[0][0] for token in scored] == tagger.tag(words)
    assert all(0.0 < p <= 1.0 + 1e-5 for token in scored for _, p in token)


def test_char_lm_text_ids_map_rare_characters_to_unknown():
    vocab, ids, sentences = text_ids([("ab", "a"), ("é",)], min_count=2)
    assert sentences == 2 and "é" not in vocab and "a" in vocab and "\n" in vocab and " " in vocab
    assert [vocab.items[i] for i in ids] == ["\n", "a", "b" if "b" in vocab else "<unk>", " ", "a", "\n", "<unk>",
                                             "\n"]


@pytest.fixture
def tiny_text(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text("The cat sat on the mat. A dog barked loudly.\nShe reads books every day.\n" * 30)
    return path


def test_char_lm_step_trains_then_reuses_its_output(tiny_text, tmp_path):
    settings = dict(units=6, char_dim=3, sequence_length=20, batch_size=4, min_char_count=1)
    first = train_char_lm([str(tiny_text)], tmp_path / "lm", **settings)
    assert not first.reused and first.dev_bits_per_character is not None
    info = json.loads((tmp_path / "lm" / "charlm.json").read_text())
    assert info["units"] == 6 and info["sources"] == [str(tiny_text)]
    again = train_char_lm([str(tiny_text)], tmp_path / "lm", **settings)
    assert again.reused and again.characters == first.characters
    other = train_char_lm([str(tiny_text)], tmp_path / "lm", **{**settings, "units": 5})
    assert not other.reused
    loaded = load_char_lm(tmp_path / "lm")
    assert loaded.units == 5 and loaded.chars.items == Vocab.from_json(info["chars"]).items


def test_a_tagger_reads_a_pretrained_char_lm_and_keeps_it_frozen(corpus, tiny_text, tmp_path):
    train_char_lm([str(tiny_text)], tmp_path / "lm", units=6, char_dim=3, sequence_length=20, batch_size=4,
                  min_char_count=1)
    lm = load_char_lm(tmp_path / "lm")
    result = train(corpus, TaggerConfig(**{**TINY, "char_lm": str(tmp_path / "lm")}), output=tmp_path / "model")
    assert result.tagger.config.char_lm_dim == 6 and result.tagger.vocabs.lm_chars.items == lm.chars.items
    for kept, pretrained in zip(result.tagger.model.char_lm.get_weights(), lm.weights):
        np.testing.assert_array_equal(kept, pretrained)  # frozen: training never moved it
    runtime_agrees(result, tmp_path / "model")


def test_a_missing_char_lm_or_vectors_file_is_one_clear_error(corpus, tmp_path):
    with pytest.raises(PipelineError, match="charlm train"):
        train(corpus, TaggerConfig(**{**TINY, "char_lm": str(tmp_path / "nowhere")}))
    with pytest.raises(PipelineError, match="embeddings train"):
        train(corpus, TaggerConfig(**{**TINY, "embeddings": str(tmp_path / "nowhere.txt")}))


def test_vectors_named_in_the_config_extend_the_vocabulary(corpus, tmp_path):
    vectors = tmp_path / "vectors.txt"
    rows = ["the", "cat", "zebra", "quokka", "mat"]
    rng = np.random.default_rng(0)
    vectors.write_text(f"{len(rows)} 8\n" + "".join(f"{w} {' '.join(f'{x:.3f}' for x in rng.normal(size=8))}\n"
                                                   for w in rows))
    result = train(corpus, TaggerConfig(**{**TINY, "embeddings": str(vectors), "extend_vocab": 10}),
                   output=tmp_path / "model")
    assert "zebra" in result.tagger.vocabs.words and "quokka" in result.tagger.vocabs.words
    assert result.tagger.metadata["embeddings"]["extended"] == 2
    runtime_agrees(result, tmp_path / "model")
    # keep_vectors: the vectors sit fixed in their own table beside a learned embedding of word_dim.
    kept = train(corpus, TaggerConfig(**{**TINY, "word_dim": 5, "embeddings": str(vectors), "extend_vocab": 10,
                                         "keep_vectors": True}), output=tmp_path / "kept")
    encoder = kept.tagger.model.encoder
    assert kept.tagger.config.vectors_dim == 8 and encoder.word_embedding.embeddings.shape[1] == 5
    assert encoder.learned_words == kept.tagger.vocabs.words.id("zebra")  # the first word the file added
    zebra = kept.tagger.vocabs.words.id("zebra")
    np.testing.assert_allclose(encoder.kept_vectors.embeddings.numpy()[zebra],
                               np.loadtxt(vectors, skiprows=1, usecols=range(1, 9), dtype=str)[2].astype(float),
                               atol=1e-6)
    runtime_agrees(kept, tmp_path / "kept")


def test_presets_fast_is_the_default_and_accurate_uses_english_pieces_only_for_english(monkeypatch, tmp_path):
    import pipelines.training.presets as presets
    from pipelines.training.presets import apply_preset, corpus_language

    assert apply_preset("fast", TaggerConfig()).config == TaggerConfig()
    assert corpus_language("ud:en_ewt") == "en" and corpus_language("nltk:treebank") == "en"
    assert corpus_language("ud:de_gsd") == "other" and corpus_language(None) is None
    german = apply_preset("accurate", TaggerConfig(), "ud:de_gsd")
    assert not german.config.embeddings and "not English" in german.notes[0]
    assert german.config.crf  # what helps on any corpus still applies
    files = apply_preset("accurate", TaggerConfig(), None)
    assert not files.config.embeddings and "not known" in files.notes[0]
    with pytest.raises(PipelineError, match="unknown preset"):
        apply_preset("fastest", TaggerConfig())
    # Where the English vectors are neither shipped nor cached, the preset says how to make them (one
    # command, into the cache) and trains without them; once they are cached, it uses them.
    import tagger.models
    from pipelines.pretraining.inputs import resolve_vectors

    monkeypatch.setattr(tagger.models, "PRETRAINED_DIR", tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    english = apply_preset("accurate", TaggerConfig(), "ud:en_ewt")
    cached = tmp_path / "cache" / "postag" / "pretraining" / "en_ewt-vectors.txt"
    command = f"postag embeddings train ud:en_ewt nltk:movie_reviews nltk:state_union nltk:inaugural --output {cached}"
    assert not english.config.embeddings and any(command in note for note in english.notes), english.notes
    assert english.config.max_seconds == presets.PRESETS["accurate"].settings["max_seconds"]
    with pytest.raises(PipelineError, match="make them once"):
        resolve_vectors("en")
    cached.parent.mkdir(parents=True)
    cached.write_text("1 2\nthe 0.1 0.2\n")
    english = apply_preset("accurate", TaggerConfig(), "ud:en_ewt")
    assert english.config.embeddings == "en" and english.config.extend_vocab == 20000 and not english.notes
    assert resolve_vectors("en") == cached


def test_trimmed_vectors_keep_the_most_frequent_words_and_read_back(tmp_path):
    from corpora.vectors import read_header, select_vectors
    from pipelines.pretraining.embeddings import trim_vectors

    source = tmp_path / "vectors.txt"
    source.write_text("4 3\nthe 0.123456 1 2\nof 3 4 5\ncat 6 7 8\nzebra 9 10 11\n")
    result = trim_vectors(source, tmp_path / "small.txt.gz", max_words=2, precision=3)
    assert (result.words, result.words_in_file) == (2, 4) and read_header(result.output).dim == 3
    selected = select_vectors(result.output, lambda word: True)
    assert selected.words == ["the", "of"] and selected.vectors[0, 0] == pytest.approx(0.123)
    again = trim_vectors(source, tmp_path / "again.txt.gz", max_words=2, precision=3)
    assert again.output.read_bytes() == result.output.read_bytes()  # repeatable bytes, a stable checksum


def test_vectors_step_reuses_its_output_for_the_same_request(tmp_path, tiny_text):
    from pipelines.pretraining.embeddings import train_embeddings

    settings = dict(dim=4, epochs=1, min_count=1, batch_size=64)
    first = train_embeddings([str(tiny_text)], tmp_path / "v.txt", **settings)
    again = train_embeddings([str(tiny_text)], tmp_path / "v.txt", **settings)
    assert not first.reused and again.reused and again.vocabulary == first.vocabulary
    other = train_embeddings([str(tiny_text)], tmp_path / "v.txt", **{**settings, "dim": 5})
    assert not other.reused


def test_a_two_head_crf_model_decodes_each_head_with_its_own_transitions(tiny_conllu, tmp_path):
    from corpora import read_conllu

    sentences = read_conllu(tiny_conllu, "upos,xpos")
    corpus = Corpus("tiny", "upos,xpos", train=sentences, dev=sentences)
    result = train(corpus, TaggerConfig(**{**TINY, "crf": True}), output=tmp_path / "model")
    assert len(result.tagger.model.crfs) == 2
    runtime = Tagger.load(tmp_path / "model")
    assert [len(crf.start) for crf in runtime.crfs] == [len(v) for v in runtime.vocabs.heads]
    words = [list(s.words) for s in sentences]
    for tagset in ("upos", "xpos"):
        assert runtime.tag_sents(words, tagset=tagset) == result.tagger.tag_sents(words, tagset=tagset)


def test_the_command_line_pretrains_a_char_lm_and_trains_with_a_preset(tiny_text, tiny_conllu, tmp_path):
    from typer.testing import CliRunner

    from cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["charlm", "train", str(tiny_text), "--output", str(tmp_path / "lm"), "--units", "4",
                               "--char-dim", "3", "--sequence-length", "20", "--batch-size", "4",
                               "--min-char-count", "1", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["reused"] is False
    again = runner.invoke(app, ["charlm", "train", str(tiny_text), "--output", str(tmp_path / "lm"), "--units", "4",
                                "--char-dim", "3", "--sequence-length", "20", "--batch-size", "4",
                                "--min-char-count", "1"])
    assert again.exit_code == 0 and "reused" in again.stdout
    trained = runner.invoke(app, ["train", "--train", str(tiny_conllu), "--preset", "accurate", "--epochs", "1",
                                  "--set", "hidden_dim=8", "--set", f"char_lm={tmp_path / 'lm'}",
                                  "--output", str(tmp_path / "model"), "--json"])
    assert trained.exit_code == 0, trained.output
    config = json.loads((tmp_path / "model" / "config.json").read_text())["tagger"]
    assert config["char_lm_dim"] == 4 and config["hidden_dim"] == 8 and config["max_seconds"] == 2400.0
    assert "language is not known" in trained.stderr
    bad = runner.invoke(app, ["train", "--train", str(tiny_conllu), "--preset", "quick", "--output",
                              str(tmp_path / "m2")])
    assert bad.exit_code == 2 and "unknown preset" in bad.stderr
