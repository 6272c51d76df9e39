"""The CoNLL 2018 raw-text scorer on small hand-made cases whose counts are worked out by hand."""

from pathlib import Path

import pytest
from conftest import shared_data_dir

from corpora import Sentence, TokenizedText
from pipelines.errors import PipelineError
from pipelines.evaluation.conll18 import MetricScore, score_conllu_files, score_raw


def document(text: str, sentences: list[list[str]], upos: list[list[str]] | None = None,
             xpos: list[list[str]] | None = None) -> TokenizedText:
    """Sentences of tokens found in `text` left to right; "don't:do n't" is a multiword token of two words."""
    cursor = 0
    built = []
    for index, tokens in enumerate(sentences):
        words, spans = [], []
        for token in tokens:
            surface, _, expansion = token.partition(":")
            start = text.index(surface, cursor)
            cursor = start + len(surface)
            for word in expansion.split() if expansion else [surface]:
                words.append(word)
                spans.append((start, cursor))
        built.append(Sentence(tuple(words), tuple(upos[index]) if upos else (), tuple(spans)))
    return TokenizedText(text, tuple(built), tuple(tuple(tags) for tags in xpos) if xpos else ())


def counts(score: MetricScore) -> tuple:
    return score.correct, score.gold, score.system


def test_identical_sides_score_one_everywhere():
    gold = document("I don't know. Bye!", [["I", "don't:do n't", "know", "."], ["Bye", "!"]],
                    upos=[["PRON", "AUX", "PART", "VERB", "PUNCT"], ["INTJ", "PUNCT"]])
    result = score_raw(gold, gold)
    for score in (result.tokens, result.sentences, result.words, result.upos):
        assert (score.precision, score.recall, score.f1) == (1.0, 1.0, 1.0)
    assert result.upos.aligned_accuracy == 1.0
    assert result.xpos is None  # no XPOS on either side


def test_an_extra_token():
    gold = document("Hello world.", [["Hello", "world", "."]])
    system = document("Hello world.", [["Hello", "wor", "ld", "."]])
    result = score_raw(gold, system)
    assert counts(result.tokens) == (2, 3, 4)  # Hello and . match
    assert result.tokens.precision == 2 / 4 and result.tokens.recall == 2 / 3 and result.tokens.f1 == 4 / 7
    assert counts(result.words) == (2, 3, 4)
    assert counts(result.sentences) == (1, 1, 1)


def test_a_missing_token():
    result = score_raw(document("Hello world.", [["Hello", "world", "."]]),
                       document("Hello world.", [["Hello", "world."]]))
    assert counts(result.tokens) == (1, 3, 2)
    assert result.tokens.f1 == 2 / 5


def test_merged_and_split_sentences():
    gold = document("Hi. Go now.", [["Hi", "."], ["Go", "now", "."]])
    merged = score_raw(gold, document("Hi. Go now.", [["Hi", ".", "Go", "now", "."]]))
    assert counts(merged.sentences) == (0, 2, 1)
    assert counts(merged.tokens) == (5, 5, 5)
    split = score_raw(gold, document("Hi. Go now.", [["Hi", "."], ["Go"], ["now", "."]]))
    assert counts(split.sentences) == (1, 2, 3)
    assert split.sentences.f1 == 2 / 5


def test_a_multiword_token_expanded_differently():
    text = "I don't know."
    gold = document(text, [["I", "don't:do n't", "know", "."]], upos=[["PRON", "AUX", "PART", "VERB", "PUNCT"]])
    system = document(text, [["I", "don't:DO not", "know", "."]], upos=[["PRON", "AUX", "ADV", "NOUN", "PUNCT"]])
    result = score_raw(gold, system)
    assert counts(result.tokens) == (4, 4, 4)
    # "DO" meets "do" (forms compared lower-cased), "not" does not meet "n't": 4 of 5 words aligned.
    assert counts(result.words) == (4, 5, 5)
    assert (result.upos.correct, result.upos.aligned) == (3, 4)  # I, do, . right; know wrong
    assert result.upos.aligned_accuracy == 3 / 4 and result.upos.f1 == 6 / 10


def test_a_multiword_token_left_unexpanded():
    text = "I don't know."
    gold = document(text, [["I", "don't:do n't", "know", "."]])
    result = score_raw(gold, document(text, [["I", "don't", "know", "."]]))
    assert counts(result.tokens) == (4, 4, 4)  # the token is right, its words are not
    assert counts(result.words) == (3, 5, 4)
    assert result.words.f1 == 6 / 9


def test_a_multiword_token_split_into_tokens_aligns_its_words():
    text = "I don't"
    gold = document(text, [["I", "don't:do n't"]])
    result = score_raw(gold, document(text, [["I", "do", "n't"]]))
    assert counts(result.tokens) == (1, 2, 3)
    assert counts(result.words) == (3, 3, 3)


def test_multiword_stretches_reach_over_both_sides():
    # Gold "abc"+"de" against system "a"+"bcd"+"e": one stretch over all five characters, every word aligned.
    result = score_raw(document("abcde", [["abc:a b c", "de:d e"]]), document("abcde", [["a", "bcd:b c d", "e"]]))
    assert counts(result.words) == (5, 5, 5)
    assert counts(result.tokens) == (0, 2, 3)


def test_a_system_word_half_inside_a_multiword_token():
    # Gold a | bc = b + c | d, system a | b | cd: the stretch of "bc" holds system "b" but not "cd", so
    # a and b align; c and d do not.
    result = score_raw(document("abcd", [["a", "bc:b c", "d"]]), document("abcd", [["a", "b", "cd"]]))
    assert counts(result.words) == (2, 4, 3)


def test_whitespace_is_ignored():
    gold = document("New  York\n\nis big.", [["New", "York"], ["is", "big", "."]])
    system = document("New York is big .", [["New", "York"], ["is", "big", "."]])
    result = score_raw(gold, system)
    assert counts(result.tokens) == (5, 5, 5) and counts(result.sentences) == (2, 2, 2)
    one_token = score_raw(gold, document("New York is big.", [["New York", "is", "big", "."]]))
    assert counts(one_token.tokens) == (3, 5, 4)  # "New York" spans a space: not the gold "New", "York"


def test_an_empty_system_scores_zero():
    gold = document("Hi there.", [["Hi", "there", "."]], upos=[["INTJ", "ADV", "PUNCT"]])
    result = score_raw(gold, TokenizedText(gold.text, ()))
    assert counts(result.tokens) == (0, 3, 0) and counts(result.sentences) == (0, 1, 0)
    assert (result.tokens.precision, result.tokens.recall, result.tokens.f1) == (0.0, 0.0, 0.0)
    assert result.upos.aligned_accuracy == 0.0


def test_tags_are_scored_only_when_both_sides_have_them():
    gold = document("Hi .", [["Hi", "."]], upos=[["INTJ", "PUNCT"]], xpos=[["UH", "."]])
    system = document("Hi .", [["Hi", "."]], xpos=[["UH", ","]])
    result = score_raw(gold, system)
    assert result.upos is None
    assert (result.xpos.correct, result.xpos.aligned) == (1, 2)


def test_to_json_gives_counts_and_rates():
    gold = document("Hi .", [["Hi", "."]], upos=[["INTJ", "PUNCT"]])
    data = score_raw(gold, gold).to_json()
    assert set(data) == {"tokens", "sentences", "words", "upos", "xpos"}
    assert data["upos"] == {"correct": 2, "gold": 2, "system": 2, "aligned": 2, "precision": 1.0, "recall": 1.0,
                            "f1": 1.0, "aligned_accuracy": 1.0}
    assert data["tokens"]["aligned"] is None and data["xpos"] is None


def test_texts_that_differ_name_the_first_difference():
    gold = document("one\ntwo three", [["one", "two", "three"]])
    system = document("one two thr33", [["one", "two", "thr33"]])
    with pytest.raises(PipelineError, match=r"gold text line 2, column 8 has 'ee' where system text line 1, "
                                            r"column 12 has '33'"):
        score_raw(gold, system)


def test_whitespace_only_tokens_are_refused():
    gold = document("a b", [["a", "b"]])
    system = TokenizedText("a b", (Sentence(("a", " ", "b"), spans=((0, 1), (1, 2), (2, 3))),))
    with pytest.raises(PipelineError, match="holds no character but whitespace"):
        score_raw(gold, system)


GOLD_FILE = """\
# text = I don't know.
1\tI\tI\tPRON\tPRP\t_\t4\tnsubj\t_\t_
2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_
2\tdo\tdo\tAUX\tVBP\t_\t4\taux\t_\t_
3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t_\t_
4\tknow\tknow\tVERB\tVB\t_\t0\troot\t_\tSpaceAfter=No
5\t.\t.\tPUNCT\t.\t_\t4\tpunct\t_\t_

# text = Bye!
1\tBye\tbye\tINTJ\tUH\t_\t0\troot\t_\tSpaceAfter=No
2\t!\t!\tPUNCT\t.\t_\t1\tpunct\t_\t_

"""

# One sentence; "don't" as two tokens; "Bye" tagged NOUN; no XPOS.
SYSTEM_FILE = """\
1\tI\t_\tPRON\t_\t_\t_\t_\t_\t_
2\tdo\t_\tAUX\t_\t_\t_\t_\t_\tSpaceAfter=No
3\tn't\t_\tPART\t_\t_\t_\t_\t_\t_
4\tknow\t_\tVERB\t_\t_\t_\t_\t_\tSpaceAfter=No
5\t.\t_\tPUNCT\t_\t_\t_\t_\t_\t_
6\tBye\t_\tNOUN\t_\t_\t_\t_\t_\tSpaceAfter=No
7\t!\t_\tPUNCT\t_\t_\t_\t_\t_\t_

"""


def test_score_conllu_files(tmp_path):
    gold, system = tmp_path / "gold.conllu", tmp_path / "system.conllu"
    gold.write_text(GOLD_FILE, encoding="utf-8")
    system.write_text(SYSTEM_FILE, encoding="utf-8")
    result = score_conllu_files(gold, system)
    assert counts(result.tokens) == (5, 6, 7) and result.tokens.f1 == 10 / 13
    assert counts(result.sentences) == (0, 2, 1)
    assert counts(result.words) == (7, 7, 7)  # do and n't align inside the stretch of "don't"
    assert (result.upos.correct, result.upos.aligned) == (6, 7)
    assert (result.xpos.correct, result.xpos.aligned) == (0, 7)  # "_" is a tag like any other, as in the script


def test_score_conllu_files_names_the_lines_where_the_texts_part(tmp_path):
    gold, system = tmp_path / "gold.conllu", tmp_path / "system.conllu"
    gold.write_text(GOLD_FILE, encoding="utf-8")
    system.write_text(SYSTEM_FILE.replace("\t!\t", "\t?\t"), encoding="utf-8")
    with pytest.raises(PipelineError, match=r"gold.conllu:9 \(the sentence starting there\) has '!' where "
                                            r".*system.conllu:1 \(the sentence starting there\) has '\?'"):
        score_conllu_files(gold, system)


@pytest.mark.slow
def test_rule_tokenizer_on_ewt_test_raw_text():
    """Today's rule tokenizer (untrained Punkt + Treebank) on EWT test's raw text: tokens F1 94.83,
    sentences F1 83.88, words F1 96.22 (UD 2.16)."""
    root = shared_data_dir()
    path = root / "ud_english_ewt" / "en_ewt-ud-test.conllu" if root else None
    if path is None or not path.is_file():
        pytest.skip("UD English EWT v2.16 not found: set POSTAG_DATA_DIR to a folder holding ud_english_ewt/")
    from corpora import read_ud_text, tokenize

    gold = read_ud_text(path)
    result = score_raw(gold, TokenizedText(gold.text, tuple(tokenize(gold.text))))
    assert result.tokens.f1 == pytest.approx(0.948, abs=0.01)
    assert result.sentences.f1 == pytest.approx(0.839, abs=0.02)
    assert result.upos is None  # the rule tokenizer tags nothing


def test_score_conllu_files_missing_file(tmp_path):
    from corpora import CorpusError

    (tmp_path / "gold.conllu").write_text(GOLD_FILE, encoding="utf-8")
    with pytest.raises(CorpusError, match="no such file"):
        score_conllu_files(tmp_path / "gold.conllu", Path(tmp_path / "absent.conllu"))
