"""One suite for the tagger contract (tagger.api.TaggerAPI), run against both taggers: the ONNX Runtime one
(tagger.Tagger, no TensorFlow) and the Keras one (tagger.training.KerasTagger), with softmax heads and with CRF
heads, one tagset and two. Both must give the same answers to the same calls, and refuse the same bad input."""

import numpy as np
import pytest

from tagger import ModelError, Tagger, TaggerAPI, TaggerConfig, Vocabularies
from tagger.training import KerasTagger

WORDS = [["the", "dog", "saw", "a", "cat", "."], ["a", "dog", "."], ["cats", "run"]]
UPOS = [["DET", "NOUN", "VERB", "DET", "NOUN", "PUNCT"], ["DET", "NOUN", "PUNCT"], ["NOUN", "VERB"]]
XPOS = [["DT", "NN", "VBD", "DT", "NN", "."], ["DT", "NN", "."], ["NNS", "VBP"]]
PROBES = [["the", "cat", "saw", "Unseen", "dogs", "."], ["run"], [], ["a", "a", "a", "a"]]
SMALL = dict(word_dim=8, char_dim=4, char_filters=4, hidden_dim=8, affix_buckets=0, min_count=1, dropout=0.0)
VARIANTS = {"softmax": ({"architecture": "rnn"}, False), "crf, upos+xpos": ({"architecture": "window", "crf": True},
                                                                          True)}


class SpaceTokenizer:
    """A stand-in trained tokenizer for tag_text: sentences at '|', words at spaces, spans into the text."""

    def tokenize(self, text):
        from tagger import TokenizedSentence

        sentences, start = [], 0
        for part in text.split("|"):
            words, spans, position = [], [], start
            for word in part.split():
                begin = text.index(word, position)
                words.append(word)
                spans.append((begin, begin + len(word)))
                position = begin + len(word)
            if words:
                sentences.append(TokenizedSentence(tuple(words), tuple(spans)))
            start += len(part) + 1
        return sentences


@pytest.fixture(scope="module", params=list(VARIANTS))
def model_dir(request, tmp_path_factory):
    settings, joint = VARIANTS[request.param]
    more = [XPOS] if joint else []
    vocabs = Vocabularies.build(WORDS, UPOS, min_count=1, more_tags=more) if joint else Vocabularies.build(
        WORDS, UPOS, min_count=1)
    keras_side = KerasTagger(TaggerConfig(seed=5, **SMALL, **settings), vocabs,
                             metadata={"tagset": "upos,xpos" if joint else "upos"})
    directory = tmp_path_factory.mktemp("contract") / request.param.replace(" ", "_").replace(",", "")
    keras_side.save(directory)
    return directory


@pytest.fixture(scope="module", params=["runtime", "keras"])
def tagger(request, model_dir):
    loaded = Tagger.load(model_dir, threads=2) if request.param == "runtime" else KerasTagger.load(model_dir)
    loaded.tokenizer = SpaceTokenizer()
    return loaded


def test_it_keeps_the_contract(tagger):
    assert isinstance(tagger, TaggerAPI)
    assert tagger.tagsets[0] == "upos" and tagger.head(None) == 0 and tagger.tagset == tagger.tags_of("upos")
    assert set(tagger.tags_of(None)) == {tag for tags in UPOS for tag in tags}


def test_both_taggers_give_the_same_tags_and_probabilities(model_dir):
    runtime, keras_side = Tagger.load(model_dir), KerasTagger.load(model_dir)
    for tagset in runtime.tagsets:
        assert runtime.tag_sents(PROBES, tagset) == keras_side.tag_sents(PROBES, tagset)
        pairs = zip(runtime.tag_probabilities(PROBES, tagset), keras_side.tag_probabilities(PROBES, tagset))
        for mine, theirs in pairs:
            np.testing.assert_allclose(mine, theirs, atol=1e-4)


def test_any_iterable_of_sentences_gives_the_same_tags(tagger):
    expected = tagger.tag_sents(PROBES)
    assert [len(tags) for tags in expected] == [len(words) for words in PROBES]
    assert tagger.tag_sents(iter(PROBES)) == expected
    assert tagger.tag_sents(tuple(tuple(words) for words in PROBES)) == expected
    assert tagger.tag_sents(iter(words) for words in PROBES) == expected  # a generator of iterators
    assert tagger.tag(iter(PROBES[0])) == tagger.tag(PROBES[0]) == expected[0]
    scored = tagger.tag_sents_scored(iter(PROBES), top_k=2)
    assert [len(s) for s in scored] == [len(words) for words in PROBES]
    assert scored == tagger.tag_sents_scored(PROBES, top_k=2)


def test_scored_tags_are_probabilities_best_first(tagger):
    tags = tagger.tags_of(None)
    for sentence, probabilities in zip(PROBES, tagger.tag_probabilities(PROBES)):
        assert probabilities.shape == (len(sentence), len(tags))
        np.testing.assert_allclose(probabilities.sum(-1), 1.0, atol=1e-4)
    for sentence in tagger.tag_sents_scored(PROBES, top_k=3):
        for token in sentence:
            assert len(token) == 3 and all(tag in tags for tag, _ in token)
            assert [p for _, p in token] == sorted((p for _, p in token), reverse=True)
    if not tagger.crfs:  # a softmax head's best tag is its most probable one (a CRF's is Viterbi's)
        best = [[token[0][0] for token in sentence] for sentence in tagger.tag_sents_scored(PROBES)]
        assert best == tagger.tag_sents(PROBES)


def test_every_head_answers_by_its_tagset_name(tagger):
    for tagset in tagger.tagsets:
        assert all(tag in tagger.tags_of(tagset) for tags in tagger.tag_sents(PROBES, tagset) for tag in tags)
    with pytest.raises(ModelError, match="not 'ptb'"):
        tagger.tag_sents(PROBES, tagset="ptb")


def test_tag_text_gives_words_tags_and_spans(tagger):
    text = "the dog  saw | a cat ."
    tagged = tagger.tag_text(text)
    assert [[word.word for word in sentence] for sentence in tagged] == [["the", "dog", "saw"], ["a", "cat", "."]]
    assert all(text[w.start : w.end] == w.word for sentence in tagged for w in sentence)
    assert [[w.tag for w in s] for s in tagged] == tagger.tag_sents([["the", "dog", "saw"], ["a", "cat", "."]])
    with pytest.raises(TypeError, match="takes a string"):
        tagger.tag_text(["the", "dog"])


def test_accuracy_as_nltk_counts_it(tagger):
    gold = list(zip(WORDS, UPOS))
    predicted = tagger.tag_sents(WORDS)
    right = sum(p == g for pred, tags in zip(predicted, UPOS) for p, g in zip(pred, tags))
    assert tagger.accuracy(iter(gold)) == pytest.approx(right / sum(map(len, UPOS)))


@pytest.mark.parametrize("call, error, message", [
    (lambda t: t.tag("the dog"), TypeError, "not a string"),
    (lambda t: t.tag_sents("the dog"), TypeError, "not a string"),
    (lambda t: t.tag_sents(["the dog", ["a"]]), TypeError, "sentence 0 is a string"),
    (lambda t: t.tag_sents([b"the dog"]), TypeError, "sentence 0 is a string"),
    (lambda t: t.tag([1, 2]), TypeError, "word 0: int 1 is not a string"),
    (lambda t: t.tag_sents([["a"], ["b", None]]), TypeError, "sentence 1, word 1: NoneType"),
    (lambda t: t.tag_sents_scored([["a", 3.5]]), TypeError, "word 1: float 3.5"),
    (lambda t: t.tag_probabilities([[b"a"]]), TypeError, "bytes"),
    (lambda t: t.tag(["a", ""]), ValueError, "word 1: '' is an empty"),
    (lambda t: t.tag_sents([["a", " \t"]]), ValueError, "all-whitespace"),
    (lambda t: t.tag_sents(42), TypeError, "iterable of sentences"),
    (lambda t: t.tag_sents([5]), TypeError, "sentence 0 is a int"),
    (lambda t: t.tag_sents_scored([["a"]], top_k=0), ValueError, "top_k"),
])
def test_bad_input_is_refused_with_what_and_where(tagger, call, error, message):
    with pytest.raises(error, match=message):
        call(tagger)


def test_words_may_hold_any_characters(tagger):
    odd = [["\ud800", "\u200d", "a\tb", "x" * 500, "\U0001F600"]]  # a lone surrogate, a joiner, a tab inside
    assert len(tagger.tag_sents(odd)[0]) == 5
