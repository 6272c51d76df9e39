"""The token memory: boundaries the training tokens settle, laid over a tokenizer network's."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tagger.segmentation import TokenMemory


def spans_of(pieces: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Text and token spans from pieces: a token, or whitespace between tokens."""
    text, spans, position = "", [], 0
    for piece in pieces:
        if not piece.isspace():
            spans.append((position, position + len(piece)))
        text += piece
        position += len(piece)
    return text, spans


# Gold training tokens: "Inc." and "anti-war" kept whole, "a" "lot" written touching (from "alot"), "?" '"'
# cut, "Co." as often whole as cut (left to the network), "Ltd." seen once (too rare).
TRAINING = ["Inc.", " ", "Inc.", " ", "Inc", ".", " ", "anti-war", " ", "anti-gay", " ", "re-do", " ", "re",
            "-", "do", " ", "a", "lot", " ", "a", "lot", " ", "?", '"', " ", "?", '"', " ", "Co.", " ", "Co", ".",
            " ", "Ltd."]


@pytest.fixture(scope="module")
def memory():
    text, spans = spans_of(TRAINING)
    return TokenMemory.learn(text, spans, min_count=2)


def test_what_the_training_tokens_settle(memory):
    assert memory.joins == {"Inc."}
    assert memory.cuts == {"alot": (1,), '?"': (1,)}
    assert memory.prefixes == {"anti"}  # "re-" was as often cut as kept: left to the network


def test_a_higher_minimum_count_remembers_less():
    text, spans = spans_of(TRAINING)
    assert not TokenMemory.learn(text, spans, min_count=3)


def apply(memory, pieces, sentence_ends):
    text, spans = spans_of(pieces)
    starts, ends = (np.array(values, dtype=np.int64) for values in zip(*spans))
    new_starts, new_ends, stops = memory.apply(text, starts, ends, np.array(sentence_ends, dtype=np.int64))
    tokens = [text[a:b] for a, b in zip(new_starts.tolist(), new_ends.tolist())]
    return [tokens[a:b] for a, b in zip([0, *stops[:-1].tolist()], stops.tolist())]


def test_joins_cuts_and_prefixes_over_the_network_tokens(memory):
    network = ["Acme", " ", "Inc", ".", " ", "is", " ", "anti", "-", "Shiite", " ", "alot", '?"', " ", "Co", ".",
               " ", "re", "-", "do", " ", "Ltd", "."]
    # The network ended sentences after "Inc" "." and after '?"', and at the end (16 tokens).
    assert apply(memory, network, [3, 9, 16]) == [
        ["Acme", "Inc."], ["is", "anti-Shiite", "a", "lot", "?", '"'], ["Co", ".", "re", "-", "do", "Ltd", "."]]


def test_a_sentence_end_inside_a_joined_group_moves_to_its_end(memory):
    assert apply(memory, ["Inc", ".", " ", "Next"], [1, 3]) == [["Inc."], ["Next"]]


def test_tokens_with_whitespace_between_are_never_joined(memory):
    assert apply(memory, ["Inc", " ", ".", " ", "anti", " ", "-", "war"], [5]) == [["Inc", ".", "anti", "-", "war"]]


def test_an_empty_memory_changes_nothing():
    starts, ends, stops = np.array([0, 3]), np.array([3, 4]), np.array([2])
    assert TokenMemory().apply("Inc.", starts, ends, stops) == (starts, ends, stops)
    assert not TokenMemory()


def test_the_memory_round_trips_through_json(memory):
    assert TokenMemory.from_json(json.loads(json.dumps(memory.to_json()))) == memory
    assert TokenMemory.from_json({}) == TokenMemory()


@pytest.mark.parametrize("data", [
    [], {"joins": "Inc."}, {"joins": [""]}, {"prefixes": [3]}, {"cuts": {"alot": [0]}}, {"cuts": {"alot": [4]}},
    {"cuts": {"abc": [2, 1]}}, {"cuts": {"alot": []}}, {"cuts": {"alot": ["1"]}}, {"cuts": {"alot": [True]}},
])
def test_a_damaged_memory_is_a_value_error(data):
    with pytest.raises(ValueError, match="malformed token memory"):
        TokenMemory.from_json(data)


PIECES = st.lists(st.sampled_from(["Inc", ".", "Inc.", " ", "anti", "-", "war", "alot", "?", '"', '?"', "x", "\n"]),
                  max_size=40)


@settings(max_examples=200, deadline=None)
@given(pieces=PIECES, data=st.data())
def test_the_memory_keeps_every_character_and_the_order(memory, pieces, data):
    tokens = [p for p in pieces if p not in (" ", "\n")]
    if not tokens:
        return
    text = "".join(pieces)
    spans, position = [], 0
    for piece in pieces:
        if piece not in (" ", "\n"):
            spans.append((position, position + len(piece)))
        position += len(piece)
    ends_at = sorted(set(data.draw(st.lists(st.integers(1, len(spans)), max_size=5))) | {len(spans)})
    starts, ends = (np.array(values, dtype=np.int64) for values in zip(*spans))
    new_starts, new_ends, stops = memory.apply(text, starts, ends, np.array(ends_at, dtype=np.int64))
    assert (new_starts < new_ends).all() and (new_ends[:-1] <= new_starts[1:]).all()
    covered = "".join(text[a:b] for a, b in zip(new_starts.tolist(), new_ends.tolist()))
    assert covered == "".join(tokens)  # the same characters, in order, none lost or doubled
    assert stops[-1] == len(new_starts) and (np.diff(stops) > 0).all()
    assert len(stops) <= len(ends_at)


def test_a_prefix_cut_either_side_of_its_hyphen_and_a_capitalised_cut(memory):
    assert apply(memory, ["anti-", "gay", " ", "anti", "-Muslim", " ", "Alot", " ", "ALOT", " ", "re-", "do"], [8]) == [
        ["anti-gay", "anti-Muslim", "A", "lot", "A", "LOT", "re-", "do"]]


# ---- the sentence classifier ------------------------------------------------------------------------------

def classes_of(text: str) -> np.ndarray:
    from tagger.segmentation import CharEncoder

    return CharEncoder.build([text]).encode(text)[1]


def classifier_text(repeats: int):
    """A text where "Thanks" after a lower-case word starts a sentence that no punctuation shows, and "and"
    never does; the network's probability (0.3 everywhere in between) cannot tell them apart."""
    pieces = ["we", " ", "met", " ", "Thanks", " ", "for", " ", "all", " ", "and", " ", "more", ".", "\n\n"] * repeats
    text, spans = spans_of(pieces)
    starts, ends = [a for a, _ in spans], [b for _, b in spans]
    forms = [text[a:b] for a, b in spans]
    probabilities = np.array([0.99 if form == "." else 0.3 if i + 1 < len(forms) else 1.0
                              for i, form in enumerate(forms)])
    gold_ends = {ends[i] for i, form in enumerate(forms) if form in ("met", ".")}
    return text, starts, ends, forms, probabilities, gold_ends


def test_the_sentence_classifier_learns_ends_the_words_show():
    from tagger.segmentation import SentenceClassifier

    text, starts, ends, forms, probabilities, gold_ends = classifier_text(30)
    classes = classes_of(text)
    classifier = SentenceClassifier.learn(text, classes, starts, ends, probabilities, gold_ends, epochs=10,
                                          min_weight=0.0)
    assert classifier and classifier.weights["a=thanks"] > 0
    network_stops = np.array([i + 1 for i, form in enumerate(forms) if form == "."])  # the network's ends
    stops = classifier.decide(text, classes, starts, ends, forms, network_stops, probabilities)
    decided_ends = {ends[k - 1] for k in stops.tolist()}
    assert decided_ends == gold_ends
    # Outside [low, high) the network decides: sure ends (0.99) stay, whatever the words
    sure = SentenceClassifier(classifier.weights, classifier.logit_weight, low=0.5, high=0.98)
    assert sure.decide(text, classes, starts, ends, forms, network_stops,
                       probabilities).tolist() == network_stops.tolist()
    assert SentenceClassifier.from_json(json.loads(json.dumps(classifier.to_json()))) == classifier


@pytest.mark.parametrize("blank", ["\n\n", "\r\n\r\n", "\r\r", "\u2029\u2029", "\n \t\n"])
def test_a_blank_line_ends_a_sentence_whatever_the_classifier_says(blank):
    from tagger.segmentation import SentenceClassifier

    text, spans = spans_of(["one", " ", "two", blank, "three"])
    starts, ends = [a for a, _ in spans], [b for _, b in spans]
    forms = [text[a:b] for a, b in spans]
    never = SentenceClassifier({"bias": -100.0}, 0.0, low=0.0, high=1.0)
    stops = never.decide(text, classes_of(text), starts, ends, forms, np.array([2, 3]), np.array([0.5, 0.5, 1.0]))
    assert stops.tolist() == [2, 3]  # "one two" | "three": only the blank line and the text's end


@pytest.mark.parametrize("data", [
    [], {"weights": []}, {"weights": {"a=x": "1"}}, {"weights": {"a=x": float("nan")}}, {"logit_weight": "1"},
    {"low": 0.5, "high": 0.2}, {"high": 1.5},
])
def test_a_damaged_sentence_classifier_is_a_value_error(data):
    from tagger.segmentation import SentenceClassifier

    with pytest.raises(ValueError, match="malformed sentence classifier"):
        SentenceClassifier.from_json(data)
