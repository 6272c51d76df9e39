"""SentenceEncoder's inputs (shared spellings, padding) and length_batches' grouping."""

import numpy as np
import pytest

from tagger import SentenceEncoder, Vocabularies, length_batches
from tagger.vocab import PAD_ID, UNK_ID


def encoder():
    vocabs = Vocabularies.build([["the", "dog", "saw", "the", "cat"]], [["X"] * 5], min_count=1)
    return SentenceEncoder(vocabs, max_word_length=20, affix_buckets=100)


def test_each_distinct_spelling_gets_one_row_and_padding_points_at_row_zero():
    enc = encoder()
    sentences = [["the", "dog", "saw", "The", "the"], ["the", "zebra"], []]
    inputs = enc.inputs(sentences)
    spellings, index = inputs["spellings"], inputs["spelling_index"]
    assert len(spellings) == 1 + 5  # padding + the, dog, saw, The, zebra
    assert not spellings[0].any()
    for i, sentence in enumerate(sentences):
        for j, word in enumerate(sentence):
            row = spellings[index[i, j]]
            assert list(row[row != PAD_ID]) == enc.char_ids(word)
    assert index[0, 0] == index[0, 4] == index[1, 0]  # "the" shares its row
    assert index[0, 3] != index[0, 0]  # "The" is spelled differently
    assert (index[1, 2:] == PAD_ID).all() and (index[2] == PAD_ID).all()
    assert inputs["words"][1, 1] == UNK_ID and inputs["words"][0, 3] == inputs["words"][0, 0]  # lowercased
    assert inputs["words"].shape == index.shape == inputs["affixes"].shape[:2] == (3, 5)


def test_spelling_width_fits_the_longest_spelling_and_long_words_keep_both_ends():
    enc = encoder()
    long_word = "antidisestablishmentarianism"
    inputs = enc.inputs([["a", long_word]])
    # 20 characters + begin and end marks + one padding column, so the CNN's last window sees padding
    assert inputs["spellings"].shape == (3, 23) and not inputs["spellings"][:, -1].any()
    assert len(enc.char_ids(long_word)) == 22
    assert enc.char_ids(long_word)[1:11] == enc.vocabs.chars.ids(long_word[:10])
    assert enc.char_ids(long_word)[11:21] == enc.vocabs.chars.ids(long_word[-10:])


def test_an_empty_batch_still_has_valid_shapes():
    inputs = encoder().inputs([[]])
    assert inputs["words"].shape == (1, 1) and inputs["spellings"].shape == (1, 1)
    assert inputs["spelling_index"][0, 0] == PAD_ID


LENGTHS = [5, 1, 9, 0, 3, 30, 2, 7, 7, 8, 12, 1, 4, 40, 6]


def covers_every_sentence_once(batches, count=len(LENGTHS)):
    return sorted(int(i) for batch in batches for i in batch) == list(range(count))


def test_without_caps_batches_are_runs_of_batch_size_in_length_order():
    batches = length_batches(LENGTHS, 4)
    assert covers_every_sentence_once(batches)
    assert [len(b) for b in batches] == [4, 4, 4, 3]
    flat = [LENGTHS[i] for batch in batches for i in batch]
    assert flat == sorted(LENGTHS)


def test_max_tokens_caps_sentences_times_longest():
    batches = length_batches(LENGTHS, 100, max_tokens=30)
    assert covers_every_sentence_once(batches)
    for batch in batches:
        longest = max(LENGTHS[i] for i in batch)
        assert len(batch) == 1 or len(batch) * longest <= 30
    assert [len(b) for b in batches if max(LENGTHS[i] for i in b) == 40] == [1]  # too long: alone


@pytest.mark.parametrize("max_padding", [0.0, 0.1, 0.25])
def test_max_padding_caps_the_share_of_padded_positions(max_padding):
    batches = length_batches(LENGTHS, 100, max_padding=max_padding)
    assert covers_every_sentence_once(batches)
    for batch in batches:
        lengths = [LENGTHS[i] for i in batch]
        positions = max(max(lengths), 1) * len(lengths)
        assert len(batch) == 1 or 1 - sum(lengths) / positions <= max_padding + 1e-9
    if max_padding == 0.0:  # only sentences of equal length share a batch
        assert all(len({LENGTHS[i] for i in batch}) == 1 for batch in batches)


def test_a_random_generator_shuffles_batches_but_keeps_lengths_together():
    rng = np.random.default_rng(0)
    lengths = list(range(1, 41)) * 2
    first = length_batches(lengths, 8, rng=rng)
    second = length_batches(lengths, 8, rng=rng)
    assert covers_every_sentence_once(first, 80) and covers_every_sentence_once(second, 80)
    assert [list(b) for b in first] != [list(b) for b in second]
    for batch in first:
        spread = [lengths[i] for i in batch]
        assert max(spread) - min(spread) <= 4  # 8 consecutive of the sorted lengths 1,1,2,2,...


def test_affix_ids_hash_each_prefix_suffix_and_the_shape_into_the_buckets():
    from tagger.encoding import AFFIX_KINDS, affix_ids, word_shape

    ids = affix_ids("Happiness", 1000)
    assert len(ids) == len(AFFIX_KINDS) == 10
    assert all(1 <= i <= 1000 for i in ids)
    assert ids == affix_ids("Happiness", 1000)  # CRC-32: the same in every process, unlike hash()
    other = affix_ids("loneliness", 1000)  # shares the suffixes up to "iness", and nothing else
    shared = {kind for kind, a, b in zip(AFFIX_KINDS, ids, other) if a == b}
    assert {"suffix1", "suffix2", "suffix3", "suffix4", "suffix5"} <= shared
    assert not shared & {"prefix1", "prefix2", "prefix3", "prefix4", "shape"}
    assert word_shape("Hello") == "Xxx" and word_shape("1990") == "dd" and word_shape("U.S.") == "X.X."


def test_a_words_runtime_rows_are_the_same_in_any_batch():
    """With the padding column, a spelling's characters (and so its features) do not depend on its batch."""
    enc = encoder()
    alone, new_alone, _ = enc.spelling_inputs([["dog"]])
    mixed, new_mixed, _ = enc.spelling_inputs([["a", "dog", "antidisestablishmentarianism"]])
    row_alone, row_mixed = new_alone.index("dog") + 1, new_mixed.index("dog") + 1
    width = alone["spellings"].shape[1]
    assert list(alone["spellings"][row_alone]) == list(mixed["spellings"][row_mixed][:width])
    assert not mixed["spellings"][row_mixed][width:].any()


def test_known_spellings_point_past_the_new_rows():
    enc = encoder()
    inputs, new, known_rows = enc.spelling_inputs([["the", "dog", "the"], ["cat"]], known={"dog": 7})
    assert new == ["the", "cat"] and known_rows == [7]
    assert inputs["spelling_index"].tolist() == [[1, 3, 1], [2, 0, 0]]  # dog: after the 2 new rows and padding
    assert inputs["spelling_words"].shape == (3,) and inputs["spellings"].shape[0] == 3
