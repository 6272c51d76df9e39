"""The trained tokenizer: labels from gold spans, decoding, multiword tokens, the exported graph, the
directory, odd text, and a tiny corpus overfitted to perfect F1."""

import json
import shutil

import numpy as np
import pytest
from conftest import FIXTURES

from corpora import read_ud_text, token_ranges
from pipelines.training.tokenizer import TokenizerData, character_labels_of, score_tokenizer, token_words
from tagger import ModelError, Tagger, TaggerConfig, TokenizerConfig, Vocabularies
from tagger.config import ConfigError
from tagger.segmentation import (
    INSIDE,
    LABEL_NAMES,
    LINE_BREAK,
    OUTSIDE,
    SENTENCE_END,
    SPACE,
    TOKEN_END,
    UNK_ID,
    CharEncoder,
    MultiwordSplitter,
    character_labels,
    decode,
    merge_windows,
    window_size,
    windows,
)
from tagger.tokenizer import Tokenizer, TokenizerTables, attach_tokenizer, reading_logits

TINY = dict(char_dim=8, class_dim=4, hidden_dim=16, stride=4, train_window=64, window=64, context=8, batch_size=2,
            min_char_count=1, dropout=0.0, learning_rate=0.02, multiword_min_count=1)


@pytest.fixture(scope="module")
def gold():
    return read_ud_text(FIXTURES / "ud_text.conllu")


def one_hot(labels: np.ndarray) -> np.ndarray:
    logits = np.zeros((len(labels), len(LABEL_NAMES)), np.float32)
    logits[np.arange(len(labels)), labels] = 10.0
    return logits


def token_spans(document) -> list[list[tuple[int, int]]]:
    return [[s.spans[first] for first, _ in token_ranges(s)] for s in document.sentences]


# ---- labels and decoding --------------------------------------------------------------------------------

def test_labels_from_gold_spans(gold):
    labels = character_labels_of(gold)
    text = gold.text
    assert text.startswith("Google's new tool isn't out. It ships soon.")
    assert labels[:9].tolist() == [INSIDE] * 7 + [TOKEN_END, OUTSIDE]  # one token "Google's", then a space
    assert labels[text.index("out.") + 2] == TOKEN_END and labels[text.index("out.") + 3] == SENTENCE_END
    assert all(labels[i] == OUTSIDE for i, c in enumerate(text) if c.isspace())
    assert (labels == SENTENCE_END).sum() == len(gold.sentences)


def test_decoding_gold_labels_gives_the_gold_tokens_and_sentences(gold):
    ids, classes = CharEncoder.build([gold.text]).encode(gold.text)
    assert decode(one_hot(character_labels_of(gold)), classes) == token_spans(gold)


def test_decoding_whitespace_blank_lines_and_the_end():
    text = "a b\n\nc d"
    classes = CharEncoder.build([text]).encode(text)[1]
    labels = np.array([TOKEN_END, INSIDE, TOKEN_END, INSIDE, INSIDE, TOKEN_END, OUTSIDE, INSIDE])
    # Whitespace is outside whatever the network says; a blank line and the text's end end sentences; a
    # character left "inside" at the end still closes its token.
    assert decode(one_hot(labels), classes) == [[(0, 1), (2, 3)], [(5, 6), (7, 8)]]
    assert decode(np.zeros((0, len(LABEL_NAMES))), np.zeros(0, np.int32)) == []
    assert decode(one_hot(np.array([INSIDE] * 3)), CharEncoder.build([" \n "]).encode(" \n ")[1]) == []


def test_whitespace_stays_inside_a_token_only_when_the_token_goes_on():
    text = "1 000 x"
    classes = CharEncoder.build([text]).encode(text)[1]
    labels = [INSIDE, INSIDE, INSIDE, INSIDE, TOKEN_END, INSIDE, TOKEN_END]
    assert decode(one_hot(np.array(labels)), classes) == [[(0, 5), (6, 7)]]
    labels = [TOKEN_END, INSIDE, INSIDE, INSIDE, TOKEN_END, INSIDE, TOKEN_END]  # "1" ended: the space is outside
    assert decode(one_hot(np.array(labels)), classes) == [[(0, 1), (2, 5), (6, 7)]]


def test_labels_of_a_token_with_a_space_and_of_repeated_multiword_spans():
    labels = character_labels(9, [[(0, 5), (0, 5), (6, 8)]])
    assert labels.tolist() == [INSIDE] * 4 + [TOKEN_END, OUTSIDE, INSIDE, SENTENCE_END, OUTSIDE]


@pytest.mark.parametrize("length", [0, 1, 5, 47, 48, 49, 100, 1000])
@pytest.mark.parametrize("window, context", [(64, 8), (16, 0), (17, 8)])
def test_windows_put_back_give_the_text(length, window, context):
    values = np.arange(1, length + 1, dtype=np.int32)
    cut = windows(values, window, context)
    assert cut.shape[1] == window
    assert merge_windows(cut[..., None], length, context)[:, 0].tolist() == values.tolist()
    assert window_size(length, window, context) <= window


# ---- characters -------------------------------------------------------------------------------------------

def test_character_ids_and_classes():
    encoder = CharEncoder.build(["ab a\n"])
    ids, classes = encoder.encode("aZ\t😀\r\n\r.\ud800")
    assert ids[0] == encoder.index["a"] and ids[1] == UNK_ID
    assert ids[2] == encoder.index[" "]  # unseen whitespace reads as a space
    assert ids[3] == UNK_ID and classes[3] == 8  # an emoji beyond the tables: a symbol
    assert ids[4] == encoder.index[" "] and classes[4] == SPACE  # the \r of \r\n is no extra line end
    assert ids[6] == encoder.index["\n"] and classes[6] == LINE_BREAK  # a lone \r is one
    assert classes[1] == 3 and classes[7] == 7 and len(ids) == 9


def test_a_character_vocabulary_must_be_well_formed():
    with pytest.raises(ValueError):
        CharEncoder(["a", "b"])
    with pytest.raises(ValueError):
        CharEncoder(["<pad>", "<unk>", "ab"])


# ---- multiword tokens ---------------------------------------------------------------------------------------

TRAINING_TOKENS = [("don't", ("do", "n't"))] * 3 + [("It's", ("It", "'s")), ("Google's", ("Google", "'s")),
                   ("John's", ("John", "'s")), ("its", ("it", "s")), ("its", ("its",)), ("its", ("its",)),
                   ("zum", ("zu", "dem")), ("zum", ("zu", "dem")), ("is", ("is",)), ("'s", ("'s",)),
                   ("Charles's", ("Charles's",)), ("Charles's", ("Charles's",))]


def test_multiword_dictionary_and_suffix_rules():
    splitter = MultiwordSplitter.learn(TRAINING_TOKENS, min_share=0.5, min_count=2)
    assert splitter.split("don't") == ("do", "n't")
    assert splitter.split("DON'T") == ("DO", "N'T")  # by the lower-cased form, cut where the words are
    assert splitter.split("Zum") == ("Zu", "dem") and splitter.split("ZUM") == ("ZU", "DEM")
    assert splitter.split("its") == ("its",)  # split once in three: left whole
    assert splitter.split("Apple's") == ("Apple", "'s")  # never seen: the learned 's rule
    assert splitter.split("Charles's") == ("Charles's",)  # seen unsplit: no rule applies
    assert splitter.split("'s") == ("'s",) and splitter.split("dog") == ("dog",)
    assert "'s" in splitter.suffixes and "n't" in splitter.suffixes and "s" not in splitter.suffixes


def test_the_network_reads_a_run_of_spaces_as_one_and_its_spaces_share_that_ones_logits():
    text = "a  b\t \tc\n\n d "
    encoder = CharEncoder.build([text])
    ids, classes = encoder.encode(text)
    seen = []

    def network(read_ids, read_classes):  # a stand-in whose logits name the position it read
        seen.append(read_classes.tolist())
        return np.arange(len(read_ids), dtype=np.float32)[:, None].repeat(len(LABEL_NAMES), axis=1)

    logits = reading_logits(ids, classes, network)
    kept = [0, 1, 3, 4, 7, 8, 9, 10, 11, 12]  # "a", " ", "b", "\t", "c", "\n", "\n", " ", "d", " "
    assert seen == [[classes[i] for i in kept]] and SPACE in seen[0] and LINE_BREAK in seen[0]
    assert logits[:, 0].tolist() == [0, 1, 1, 2, 3, 3, 3, 4, 5, 6, 7, 8, 9]  # run "  " and "\t \t" share rows
    single = reading_logits(ids[:2], classes[:2], network)
    assert single[:, 0].tolist() == [0, 1] and len(seen) == 2  # nothing to merge: read as it is


@pytest.mark.parametrize("remembered", [200_000, 3], ids=["remembered", "memory-full"])
def test_the_multiword_tokens_of_a_text_are_those_split_one_by_one(remembered, monkeypatch):
    import tagger.segmentation as segmentation

    monkeypatch.setattr(segmentation, "MAX_REMEMBERED_FORMS", remembered)
    forms = ["I", "don't", "know", "Apple's", "dog", "don't", "Zum", "its", "Charles's", "DON'T"]
    splitter = MultiwordSplitter.learn(TRAINING_TOKENS, min_share=0.5, min_count=2)
    expected = [(i, MultiwordSplitter.learn(TRAINING_TOKENS, min_count=2).split(form))
                for i, form in enumerate(forms) if form in ("don't", "Apple's", "Zum", "DON'T")]
    assert splitter.multiword_tokens(forms) == expected
    assert splitter.multiword_tokens(forms[::-1]) == [(len(forms) - 1 - i, words) for i, words in expected[::-1]]
    assert splitter.multiword_tokens([]) == []


def test_a_suffix_rule_needs_enough_tokens_behind_it():
    assert "'s" not in MultiwordSplitter.learn(TRAINING_TOKENS, min_share=0.5, min_count=5).suffixes


def test_multiword_table_round_trips_through_json():
    splitter = MultiwordSplitter.learn(TRAINING_TOKENS, min_count=2)
    again = MultiwordSplitter.from_json(json.loads(json.dumps(splitter.to_json())))
    assert again == splitter


@pytest.mark.parametrize("data", [[], {"words": {"a": ["a"]}}, {"words": {"a": "b c"}}, {"suffixes": [1]},
                                  {"unsplit": "x"}])
def test_a_damaged_multiword_table_is_a_value_error(data):
    with pytest.raises(ValueError):
        MultiwordSplitter.from_json(data)


def test_the_splitter_learns_from_gold_text(gold):
    splitter = MultiwordSplitter.learn(token_words(gold), min_count=1)
    assert splitter.split("Google's") == ("Google", "'s") and splitter.split("We'll") == ("We", "'ll")


# ---- configuration ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("change", [{"hidden_dim": 0}, {"cell": "rnn"}, {"window": 64, "context": 32},
                                    {"dropout": 1.0}, {"learning_rate": float("nan")}, {"colour": 1},
                                    {"depth": "2"}])
def test_bad_tokenizer_settings_are_refused(change):
    with pytest.raises(ConfigError):
        TokenizerConfig().replace(**change)


# ---- the network, its graph and its directory ---------------------------------------------------------------

def keras_tokenizer(gold, **changes):
    from tagger.training.tokenizer_model import KerasTokenizer

    config = TokenizerConfig(**{**TINY, **changes})
    splitter = MultiwordSplitter.learn(token_words(gold), min_count=1)
    return KerasTokenizer(config, CharEncoder.build([gold.text]), TokenizerTables(splitter))


@pytest.mark.parametrize("changes", [{}, {"stride": 1}, {"stride": 4, "cell": "lstm"},
                                     {"conv_filters": 6, "conv_kernel": 4}, {"conv_filters": 5, "stride": 1},
                                     {"depth": 2}],
                         ids=["gru", "stride1", "stride4-lstm", "conv", "conv-stride1", "depth2"])
def test_the_exported_graph_gives_the_keras_logits(gold, tmp_path, changes):
    keras_side = keras_tokenizer(gold, **changes)
    # Random weights make every logit tiny: spread them so that differences would show.
    keras_side.network.set_weights([w * 3 for w in keras_side.network.get_weights()])
    keras_side.save(tmp_path / "tokenizer")
    runtime = Tokenizer.load(tmp_path / "tokenizer")
    ids, classes = runtime.encoder.encode(gold.text)
    chars, char_classes = windows(ids, 64, 8), windows(classes, 64, 8)
    expected = np.asarray(keras_side.network({"chars": chars, "classes": char_classes}, training=False))
    (exported,) = runtime.session.run(None, {"chars": np.ascontiguousarray(chars),
                                             "classes": np.ascontiguousarray(char_classes)})
    np.testing.assert_allclose(exported, expected, rtol=1e-4, atol=1e-4)
    assert runtime.tokenize(gold.text) == keras_side.tokenize(gold.text)


@pytest.fixture(scope="module")
def trained(gold, tmp_path_factory):
    """A tokenizer overfitted to the fixture, saved: (directory, training result)."""
    from pipelines.training.tokenizer import train_tokenizer

    config = TokenizerConfig(**TINY, epochs=50, patience=0)
    result = train_tokenizer(TokenizerData("fixture", gold, gold), config)
    directory = tmp_path_factory.mktemp("tokenizers") / "tiny"
    result.tokenizer.save(directory, result.metrics)
    return directory, result


def test_a_tiny_corpus_is_learnt_to_perfect_f1(trained, gold):
    directory, result = trained
    assert result.best_epoch > 0 and result.history[-1].train_loss < result.history[0].train_loss
    scores = score_tokenizer(Tokenizer.load(directory), gold)
    assert (scores.tokens.f1, scores.sentences.f1, scores.words.f1) == (1.0, 1.0, 1.0)


def test_save_load_gives_the_same_tokenization(trained, gold):
    from tagger.training.tokenizer_model import KerasTokenizer

    directory, result = trained
    names = {p.name for p in directory.iterdir()}
    assert {"config.json", "vocab.json", "model.weights.h5", "model.onnx", "metrics.json", "README.md",
            "SHA256SUMS"} <= names
    texts = [gold.text, "It ships soon. We'll see!", "Google's tool isn't out.\r\nWait (really)?"]
    runtime, reloaded = Tokenizer.load(directory), KerasTokenizer.load(directory)
    for text in texts:
        assert runtime.tokenize(text) == result.tokenizer.tokenize(text) == reloaded.tokenize(text)


ODD_TEXTS = {
    "empty": "",
    "spaces": " \t \n\n \r\n ",
    "one character": "x",
    "unicode": "Ça coûte 5 € — naïve café! 東京は晴れ。 😀👍🏽 e\u0301 \u00a0ok.\u2028next",
    "crlf": "First line.\r\nSecond line.\r\n\r\nNew paragraph.\rOld Mac line.",
    "surrogate": "bad \ud800 text",
    "long line": ("word, and another one's words. " * 35_000)[:1_000_000],
}


@pytest.mark.parametrize("name", list(ODD_TEXTS))
def test_any_text_gives_spans_that_index_it(trained, name):
    text = ODD_TEXTS[name]
    sentences = Tokenizer.load(trained[0]).tokenize(text)
    tokens = []
    for sentence in sentences:
        assert sentence.words and len(sentence.words) == len(sentence.spans)
        for word, span in zip(sentence.words, sentence.spans):
            start, end = span
            assert word and 0 <= start < end <= len(text) and text[start:end].strip() == text[start:end]
            if not tokens or span != tokens[-1]:  # the words of a multiword token share one span
                assert not tokens or tokens[-1][1] <= start
                tokens.append(span)
    # Every character that is not whitespace lies in exactly one token.
    assert "".join("".join(text[a:b] for a, b in tokens).split()) == "".join(text.split())


def test_tagger_load_brings_its_tokenizer(trained, tmp_path):
    from tagger.training import KerasTagger

    vocabs = Vocabularies.build([["The", "dog", "barks"]], [["DET", "NOUN", "VERB"]], min_count=1)
    config = TaggerConfig(architecture="window", word_dim=8, char_dim=4, char_filters=4, hidden_dim=8,
                          affix_buckets=0, min_count=1)
    model = tmp_path / "tagger"
    KerasTagger(config, vocabs, metadata={"tagset": "upos"}).save(model)
    assert Tagger.load(model).tokenizer is None
    attach_tokenizer(trained[0], model)
    tagger = Tagger.load(model)
    assert tagger.tokenizer is not None and tagger.tokenizer.tokenize("Hi.") == Tokenizer.load(trained[0]).tokenize(
        "Hi.")
    assert "tokenizer/model.onnx" in (model / "SHA256SUMS").read_text()
    # The tagger's checksums cover its tokenizer: a changed byte there is caught on load.
    path = model / "tokenizer" / "vocab.json"
    path.write_text(path.read_text().replace("<unk>", "<unK>"))
    with pytest.raises(ModelError, match="SHA-256"):
        Tagger.load(model)
    attach_tokenizer(trained[0], model)  # attaching again replaces it
    assert Tagger.load(model).tokenizer is not None
    with pytest.raises(ModelError, match="not a tokenizer"):
        attach_tokenizer(model, model)
    with pytest.raises(ModelError, match="tokenizer directory, not a model"):
        Tagger.load(trained[0])


def test_a_damaged_tokenizer_directory_is_one_error(trained, tmp_path):
    copy = shutil.copytree(trained[0], tmp_path / "copy")
    (copy / "model.onnx").write_bytes(b"broken")
    with pytest.raises(ModelError, match="SHA-256"):
        Tokenizer.load(copy)
    with pytest.raises(ModelError, match="no tokenizer directory"):
        Tokenizer.load(tmp_path / "absent")


def test_tokenizing_imports_no_tensorflow(trained):
    import subprocess
    import sys

    code = ("import sys, tagger; t = tagger.Tokenizer.load(sys.argv[1]); print(t.tokenize('We will see. Bye!')); "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TensorFlow was imported'")
    done = subprocess.run([sys.executable, "-c", code, str(trained[0])], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "TokenizedSentence" in done.stdout


def test_a_trained_tokenizer_learns_its_memory_and_sentence_classifier_again(trained, gold, tmp_path):
    from typer.testing import CliRunner

    from cli import app
    from tagger.segmentation import TokenMemory

    copy = shutil.copytree(trained[0], tmp_path / "copy")
    vocab = json.loads((copy / "vocab.json").read_text())
    assert TokenMemory.from_json(vocab["memory"]) == Tokenizer.load(copy).tables.memory  # training wrote it
    fixture = str(FIXTURES / "ud_text.conllu")
    result = CliRunner().invoke(app, ["tokenizer", "relearn", str(copy), "--train", fixture, "--dev", fixture,
                                      "--output", str(tmp_path / "again")])
    assert result.exit_code == 0, result.output
    again = Tokenizer.load(tmp_path / "again")
    spans = [s.spans[first] for s in gold.sentences for first, _ in token_ranges(s)]
    assert again.tables.memory == TokenMemory.learn(gold.text, spans)
    metrics = json.loads((tmp_path / "again" / "metrics.json").read_text())
    assert metrics["dev"]["tokens"] == metrics["dev_with_memory"]["tokens"] == metrics["dev_network_alone"]["tokens"]
    assert metrics["memory"]["corpus"] == metrics["sentence_classifier"]["corpus"] == "ud_text.conllu"
    assert "network alone" in result.output and "sentence classifier" in result.output
    assert again.tokenize(gold.text) == Tokenizer.load(copy).tokenize(gold.text)
    # A folder that is no tokenizer: one clear error, nothing written.
    result = CliRunner().invoke(app, ["tokenizer", "relearn", str(tmp_path / "absent"), "--train", fixture])
    assert result.exit_code != 0 and "Traceback" not in result.output and not (tmp_path / "absent").exists()
