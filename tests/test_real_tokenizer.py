"""The trained tokenizer on UD English EWT: a short training tokenizes well; the rule tokenizer's figures.

Skipped without the data (POSTAG_DATA_DIR with ud_english_ewt/)."""

import pytest

pytestmark = pytest.mark.slow


def test_the_rule_tokenizer_scores_as_the_issue_measured(requires_ewt):
    from pipelines.evaluation.raw_text import evaluate_raw, read_gold
    from pipelines.tagging.tokenizers import RuleTokenizer

    description, gold = read_gold("ud:en_ewt", "test")
    scores = evaluate_raw(gold, RuleTokenizer(), data=description).evaluation
    assert round(100 * scores.tokens.f1, 2) == 94.83 and round(100 * scores.sentences.f1, 2) == 83.88


def test_a_short_training_on_ewt_tokenizes_well(requires_ewt, tmp_path):
    from pipelines.training.tokenizer import load_tokenizer_data, score_tokenizer, train_tokenizer
    from tagger import Tokenizer, TokenizerConfig

    data = load_tokenizer_data("ud:en_ewt")
    data.test = None
    # Eight epochs, not a time limit: the same result on a busy machine (dev F1 tokens 98.1, sentences 83.3,
    # words 97.9 here; about a minute on 2 quiet cores).
    config = TokenizerConfig(stride=4, hidden_dim=32, train_window=512, epochs=8)
    result = train_tokenizer(data, config, output=tmp_path / "tokenizer")
    assert result.dev.tokens.f1 > 0.97 and result.dev.sentences.f1 > 0.70 and result.dev.words.f1 > 0.96
    # The directory tokenizes as the trained network did, without TensorFlow.
    again = score_tokenizer(Tokenizer.load(tmp_path / "tokenizer"), data.dev)
    assert (again.tokens.f1, again.sentences.f1, again.words.f1) == (
        result.dev.tokens.f1, result.dev.sentences.f1, result.dev.words.f1)


def test_the_shipped_tokenizers_memory_and_sentence_classifier_lift_ewt_test(requires_ewt):
    import tagger
    from pipelines.evaluation.raw_text import read_gold
    from pipelines.training.tokenizer import score_tokenizer
    from tagger.tokenizer import TokenizerTables

    _, gold = read_gold("ud:en_ewt", "test")
    tokenizer = tagger.load("en_ewt").tokenizer
    # learned from EWT train by `postag tokenizer relearn`
    tables = tokenizer.tables
    assert tables.memory and tables.sentences
    both = score_tokenizer(tokenizer, gold)
    tokenizer.tables = TokenizerTables(tables.multiword, tables.memory)
    memory_only = score_tokenizer(tokenizer, gold)
    tokenizer.tables = TokenizerTables(tables.multiword)
    network = score_tokenizer(tokenizer, gold)
    # tokens F1 99.04 -> 99.24, words 98.85 -> 99.04 by the memory; sentences 87.33 -> 88.12 by the classifier
    assert round(100 * network.tokens.f1, 2) == 99.04 and round(100 * memory_only.tokens.f1, 2) == 99.24
    assert memory_only.words.f1 - network.words.f1 > 0.001 and memory_only.sentences.f1 == network.sentences.f1
    assert round(100 * both.sentences.f1, 2) == 88.12 and both.tokens.f1 == memory_only.tokens.f1
