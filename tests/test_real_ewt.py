"""On the real UD English EWT v2.16 files: skipped with a reason when they are absent."""

import pytest

from corpora import count_tokens, load_named_corpus

pytestmark = pytest.mark.slow


def test_ewt_splits_have_the_published_sizes(requires_ewt):
    corpus = load_named_corpus("ud:en_ewt", "upos")
    assert (len(corpus.train), count_tokens(corpus.train)) == (12_544, 204_577)
    assert (len(corpus.dev), count_tokens(corpus.dev)) == (2_001, 25_147)
    assert (len(corpus.test), count_tokens(corpus.test)) == (2_077, 25_094)
    assert len({t for s in corpus.train for t in s.tags}) == 17


def test_xpos_column_gives_penn_tags(requires_ewt):
    corpus = load_named_corpus("ud:en_ewt", "xpos")
    tags = {t for s in corpus.dev for t in s.tags}
    assert {"NN", "VBZ", "DT", "JJ"} <= tags and "NOUN" not in tags


@pytest.mark.parametrize("arch", ["fcn", "window", "rnn"])
def test_a_slice_trains_well_above_baseline_and_the_runtime_tags_as_keras_does(requires_ewt, arch, tmp_path):
    """3,000 training sentences, 3 epochs: far from the full run, well above 86.2% (most-frequent-tag, full train).

    Then the exported graph, run by ONNX Runtime without TensorFlow, must give the Keras model's tags on all of
    EWT test: differences may come only from float rounding between near-equal logits.
    """
    from pipelines.training.tagger import train
    from tagger import Tagger, TaggerConfig

    corpus = load_named_corpus("ud:en_ewt", "upos")
    corpus.train, corpus.dev = corpus.train[:3000], corpus.dev[:500]
    result = train(corpus, TaggerConfig(architecture=arch, epochs=3, learning_rate=0.004), output=tmp_path / arch)
    assert result.test.accuracy > (0.85 if arch == "fcn" else 0.88), result.test.accuracy
    assert result.test.oov_accuracy > 0.5
    words = [s.words for s in corpus.test]
    keras_tags = [t for tags in result.tagger.tag_sents(words) for t in tags]
    runtime_tags = [t for tags in Tagger.load(tmp_path / arch).tag_sents(words) for t in tags]
    same = sum(a == b for a, b in zip(keras_tags, runtime_tags)) / len(keras_tags)
    assert len(keras_tags) == count_tokens(corpus.test) and same >= 0.9999, same
