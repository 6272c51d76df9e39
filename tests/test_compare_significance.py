"""McNemar's test and Holm's correction against values worked out by hand; the baselines on the tiny fixture."""

import math

import pytest

from pipelines.compare.baselines import MostFrequentTagTagger, PerceptronBaseline, load_baseline, save_baseline
from pipelines.evaluation.significance import (
    chi_square_1_dof_p,
    discordant_counts,
    exact_binomial_p,
    holm,
    mcnemar,
    mcnemar_from_counts,
)

# ---- McNemar ---------------------------------------------------------------------------------------------


def test_exact_test_by_hand():
    # 10 discordant tokens, all one way: p = 2 * (1/2)^10
    assert exact_binomial_p(10, 0) == pytest.approx(2 / 1024)
    # 3 against 5: 2 * (C(8,0) + C(8,1) + C(8,2) + C(8,3)) / 2^8 = 2 * 93 / 256
    assert exact_binomial_p(3, 5) == pytest.approx(186 / 256)
    # equal counts: twice a tail above one half, capped at 1
    assert exact_binomial_p(4, 4) == 1.0
    assert exact_binomial_p(0, 0) == 1.0


def test_chi_square_with_continuity_correction_by_hand():
    result = mcnemar_from_counts(40, 20)
    assert result.method == "chi-square, continuity-corrected"
    assert result.statistic == pytest.approx((20 - 1) ** 2 / 60)  # 6.0167
    # P(chi2_1 >= 6.0167) = 2 * (1 - Phi(2.4529)) = 2 * (1 - 0.99291) from a normal table
    assert result.p_value == pytest.approx(0.01417, abs=2e-5)


def test_chi_square_tail_matches_known_critical_values():
    assert chi_square_1_dof_p(3.841459) == pytest.approx(0.05, abs=1e-6)
    assert chi_square_1_dof_p(6.634897) == pytest.approx(0.01, abs=1e-6)
    assert chi_square_1_dof_p(0.0) == 1.0


def test_exact_up_to_25_discordant_then_chi_square():
    assert mcnemar_from_counts(20, 5).method == "exact binomial"
    assert mcnemar_from_counts(20, 6).method.startswith("chi-square")


def test_equal_counts_give_p_one_with_either_method():
    assert mcnemar_from_counts(30, 30).p_value == 1.0
    assert mcnemar_from_counts(31, 30).p_value == 1.0  # |b - c| - 1 = 0


def test_chi_square_is_close_to_exact_for_many_discordant_tokens():
    exact = exact_binomial_p(60, 40)
    approximate = mcnemar_from_counts(60, 40).p_value
    assert approximate == pytest.approx(exact, abs=0.003)


def test_mcnemar_on_token_correctness_counts_only_disagreements():
    first = [True, True, True, False, False, True]
    second = [True, False, False, True, False, True]
    assert discordant_counts(first, second) == (2, 1)
    result = mcnemar(first, second)
    assert (result.first_only, result.second_only, result.discordant) == (2, 1, 3)
    assert result.p_value == pytest.approx(1.0)  # 2 * (1 + 3) / 8 = 1
    assert mcnemar(second, first).p_value == result.p_value  # two-sided: symmetric


def test_mcnemar_needs_the_same_tokens():
    with pytest.raises(ValueError, match="different tokens"):
        mcnemar([True, False], [True])


def test_large_differences_underflow_to_zero_not_to_an_error():
    p = mcnemar_from_counts(5000, 0).p_value
    assert p == 0.0 or p < 1e-300
    assert not math.isnan(p)


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04 -> 3 * 0.01, max(0.03, 2 * 0.03), max(0.06, 1 * 0.04)
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []


# ---- baselines -------------------------------------------------------------------------------------------


def test_most_frequent_tag_and_the_overall_default(tiny_sentences):
    tagger = MostFrequentTagTagger.train(tiny_sentences)
    assert tagger.default_tag == "NOUN"  # the most frequent tag in the fixture (15 of 73 tokens)
    assert tagger.tag_sents([["The", "cat", "zyzzyva"]]) == [["DET", "NOUN", "NOUN"]]


def test_most_frequent_tag_breaks_ties_alphabetically():
    from corpora import Sentence

    sentences = [Sentence(("run",), ("VERB",)), Sentence(("run",), ("NOUN",))]
    assert MostFrequentTagTagger.train(sentences).word_tags["run"] == "NOUN"


def test_perceptron_learns_the_training_data_and_repeats_with_a_seed(tiny_sentences):
    words = [list(s.words) for s in tiny_sentences]
    first = PerceptronBaseline.train(tiny_sentences, seed=3)
    predicted = first.tag_sents(words)
    right = sum(p == g for pred, s in zip(predicted, tiny_sentences) for p, g in zip(pred, s.tags))
    assert right / sum(len(s) for s in tiny_sentences) > 0.95
    again = PerceptronBaseline.train(tiny_sentences, seed=3)
    assert again.to_json() == first.to_json()
    assert first.tag_sents([[]]) == [[]]


def test_baselines_round_trip_through_json_directories(tiny_sentences, tmp_path):
    words = [list(s.words) for s in tiny_sentences] + [["unseen", "Words", "2024"]]
    for model in (MostFrequentTagTagger.train(tiny_sentences), PerceptronBaseline.train(tiny_sentences, seed=1)):
        directory = save_baseline(model, tmp_path / model.kind)
        loaded = load_baseline(directory)
        assert type(loaded) is type(model)
        assert loaded.tag_sents(words) == model.tag_sents(words)
        assert loaded.parameters == model.parameters > 0
    with pytest.raises(ValueError, match="not a saved baseline"):
        load_baseline(tmp_path / "missing")
