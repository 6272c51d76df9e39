import json

import pytest

from tagger.vocab import PAD, PAD_ID, UNK, UNK_ID, Vocab, Vocabularies


def test_pad_and_unknown_ids_are_fixed():
    vocab = Vocab.build([["b", "a", "b"], ["c"]])
    assert vocab.items[:2] == [PAD, UNK]
    assert PAD_ID == 0 and UNK_ID == 1
    assert vocab.id("b") == 2  # most frequent first
    assert vocab.id("never seen") == UNK_ID


def test_min_count_keeps_counts_of_rare_items():
    vocab = Vocab.build([["a", "a", "b"]], min_count=2)
    assert "a" in vocab and "b" not in vocab
    assert vocab.counts == {"a": 2, "b": 1}


def test_ties_are_ordered_so_builds_repeat():
    first = Vocab.build([["z", "y", "x"]])
    second = Vocab.build([["x", "y", "z"]])
    assert first.items == second.items == [PAD, UNK, "x", "y", "z"]


def test_max_size_keeps_most_frequent():
    vocab = Vocab.build([["a"] * 3 + ["b"] * 2 + ["c"]], max_size=2)
    assert vocab.items == [PAD, UNK, "a", "b"]


def test_tag_vocab_without_unknown_rejects_unseen_tags():
    tags = Vocab.build([["NOUN", "VERB"]], has_unk=False)
    assert tags.items[0] == PAD and UNK not in tags
    with pytest.raises(KeyError):
        tags.id("ADJ")


def test_json_round_trip():
    vocabs = Vocabularies.build([["The", "cat"], ["the", "dog"]], [["DET", "NOUN"], ["DET", "NOUN"]], min_count=1)
    restored = Vocabularies.from_json(json.loads(json.dumps(vocabs.to_json())))
    assert restored.words.items == vocabs.words.items
    assert restored.chars.items == vocabs.chars.items
    assert restored.tags.items == vocabs.tags.items
    assert restored.words.id("the") == vocabs.words.id("the")
    assert restored.lowercase


def test_lowercased_words_but_original_characters():
    vocabs = Vocabularies.build([["The", "the"]], [["DET", "DET"]], min_count=2)
    assert "the" in vocabs.words and "The" not in vocabs.words
    assert "T" in vocabs.chars and "t" in vocabs.chars
    assert vocabs.seen_in_training("THE") and not vocabs.seen_in_training("cat")


def test_malformed_json_is_a_value_error():
    with pytest.raises(ValueError, match="malformed"):
        Vocab.from_json({"counts": {}})
    with pytest.raises(ValueError, match="must start"):
        Vocab(items=["a", "b"])
