"""PTB tags to sets of UD UPOS tags: the conditions on the word, and coverage of EWT's own UPOS (slow)."""

from pathlib import Path

import pytest

from corpora.tagsets import UPOS_TAGS, upos_candidates


def test_closed_class_words_narrow_or_widen_a_tag():
    assert upos_candidates("is", "VBZ") == {"AUX", "VERB"}
    assert upos_candidates("runs", "VBZ") == {"VERB"}
    assert upos_candidates("’s", "VBZ") == {"AUX", "VERB"}
    assert upos_candidates("will", "MD") == {"AUX"}
    assert upos_candidates("to", "TO") == {"PART", "ADP"}  # PTB tags the preposition to TO too
    assert upos_candidates("of", "IN") == {"ADP", "SCONJ"}
    assert upos_candidates("If", "IN") == {"SCONJ"}
    assert upos_candidates("those", "DT") == {"DET", "PRON"}
    assert upos_candidates("the", "DT") == {"DET"}
    assert upos_candidates("n't", "RB") == {"PART"} and upos_candidates("quickly", "RB") == {"ADV"}
    assert upos_candidates("something", "NN") == {"PRON"} and upos_candidates("%", "NN") == {"SYM", "NOUN"}
    assert upos_candidates("American", "NNP") == {"PROPN", "ADJ"} and upos_candidates("Boston", "NNP") == {"PROPN"}
    assert upos_candidates("which", "WDT") == {"PRON", "DET"} and upos_candidates("that", "WDT") == {"PRON"}
    assert upos_candidates("etc.", "FW") == {"NOUN"} and upos_candidates("et", "FW") == {"X"}
    assert upos_candidates(":)", "NFP") == {"PUNCT", "SYM"}
    assert upos_candidates("(", "-LRB-") == upos_candidates("(", "(") == {"PUNCT"}


def test_every_tag_of_the_ewt_inventory_gives_a_small_set_and_unknown_tags_give_all():
    inventory = ("CC CD DT EX FW IN JJ JJR JJS LS MD NN NNS NNP NNPS PDT POS PRP PRP$ RB RBR RBS RP SYM TO UH VB VBD "
                 "VBG VBN VBP VBZ WDT WP WP$ WRB ADD AFX GW HYPH NFP XX . , : `` '' -LRB- -RRB- $").split()
    for tag in inventory:
        candidates = upos_candidates("word", tag)
        assert candidates and candidates <= UPOS_TAGS and len(candidates) <= 5, tag
    assert upos_candidates("word", "NOT-A-TAG") == UPOS_TAGS


@pytest.mark.slow
def test_ewt_train_gold_upos_is_in_the_set_for_995_per_thousand(requires_ewt):
    path = Path(requires_ewt) / "ud_english_ewt" / "en_ewt-ud-train.conllu"
    words = covered = 0
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            columns = line.rstrip("\n").split("\t")
            if len(columns) == 10 and columns[0].isdigit():
                words += 1
                covered += columns[3] in upos_candidates(columns[1], columns[4])
    assert words == 204_577
    assert covered / words >= 0.995
