"""MASC and NPS Chat by name, normalised to UD English EWT's tokens and tags: each rule on small sentences, the
readers on a small NLTK_DATA tree written by the tests, and the real corpora's sizes (slow)."""

from collections import Counter
from pathlib import Path

import pytest

from corpora import load_named_corpus, masc, nltk_corpora

SHARED_NLTK = Path(__file__).resolve().parent.parent.parent / "shared" / "nltk_data"


def normalise(text: str, spoken: bool = False):
    """`word_TAG ...` as NLTK's masc_tagged reader reads a line (a piece without _ is untagged)."""
    tagged = []
    for token in text.split():
        word, sep, tag = token.rpartition("_")
        tagged.append((word, tag) if sep else (token, None))
    counts = Counter()
    return masc.normalise_masc(tagged, spoken, counts), counts


def pairs(normalised):
    return list(zip(normalised.words, normalised.tags))


def test_brackets_ellipsis_and_symbols_tagged_as_words():
    result, counts = normalise("(_( Hi_UH )_) ..._... [_NN x_NN ]_NN *_NN %_NN &_CC /_NN +_NN ;_; |_NN")
    assert result.tags == ("-LRB-", "UH", "-RRB-", ":", "-LRB-", "NN", "-RRB-", "NFP", "NN", "CC", ",", "SYM",
                           ":", "NFP")
    assert result.rules[0] == "bracket" and result.rules[3] == "ellipsis" and result.rules[4] == "symbol"
    assert result.rules[8] == "" and result.rules[9] == ""  # % and & keep EWT's tags
    assert counts["symbol NN->-LRB-"] == 1


def test_curly_quotes_and_straight_quote_direction():
    result, _ = normalise('“_NN Go_VB ._. ”_NN He_PRP said_VBD "_\'\' hi_UH "_\'\' ._.')
    assert result.tags[0] == "``" and result.tags[3] == "''"
    assert result.tags[6] == "``" and result.tags[8] == "''"
    assert result.rules[6] == "quote_direction" and result.rules[8] == ""
    # an odd first quote with only punctuation after it closes a quotation begun before
    assert masc.quote_directions(["he", "left", '"', "."], '"') == {2: "''"}
    assert masc.quote_directions(['"', "Hi", '"', "she", "said", '"'], '"') == {0: "``", 2: "''", 5: "``"}


def test_curly_apostrophe_splits_are_joined_as_ewt_writes_them():
    result, counts = normalise("I_PRP don_VB ’_NN t_NN know_VB ._. Don_VB ’_NN t_NN go_VB")
    assert pairs(result)[:4] == [("I", "PRP"), ("do", "VBP"), ("n’t", "RB"), ("know", "VB")]
    assert pairs(result)[5:7] == [("Do", "VBP"), ("n’t", "RB")]  # not the sentence's first word: VBP
    assert result.rules[1] == "do_before_nt" and result.rules[2] == "clitic_apostrophe"
    first, _ = normalise("Don_VB ’_NN t_NN go_VB ._.")
    assert pairs(first)[:2] == [("Do", "VB"), ("n’t", "RB")]
    other, _ = normalise("The_DT world_NN ’_NN s_VBZ best_JJS ;_: it_PRP ’_NN s_VBZ ,_, I_PRP ’_NN ll_NN go_VB ,_, "
                         "let_VB ’_NN s_VBZ ,_, we_PRP won_VBD ’_NN t_NN")
    assert [(w, t) for w, t in pairs(other) if "’" in w] == [("’s", "POS"), ("’s", "VBZ"), ("’ll", "MD"),
                                                              ("’s", "PRP"), ("n’t", "RB")]
    assert ("wo", "MD") in pairs(other)
    assert counts["clitic n't"] == 2


def test_fused_forms_are_split_as_ewt_splits_them():
    result, _ = normalise("I_PRP 'm_VBP gonna_VBG go_VB ,_, you_PRP wanna_VB ?_. I_PRP cannot_NN Gotta_NNP")
    words = list(result.words)
    assert words[2:4] == ["gon", "na"] and result.tags[2:4] == ("VBG", "TO")
    assert words[7:9] == ["wan", "na"] and result.tags[7:9] == ("VB", "TO")  # MASC's VB kept for want
    assert result.tags[words.index("can")] == "MD" and result.tags[words.index("not")] == "RB"
    assert words[-2:] == ["Got", "ta"] and result.tags[-2:] == ("VBN", "TO")


def test_spaced_tokens_letters_and_typos():
    result, counts = normalise("Which_WDT . . ._... in_IN D. C._NN we_PP O_K_JJ E_NNP __NN D_NNP __NN U_NNP")
    assert pairs(result) == [("Which", "WDT"), ("...", ":"), ("in", "IN"), ("D.", "NNP"), ("C.", "NNP"),
                             ("we", "PRP"), ("OK", "JJ"), ("EDU", "NNP")]
    assert counts["respaced_dots"] == 1 and counts["tag_typo PP"] == 1 and counts["spelled_letters"] == 2
    assert normalise("visit http://a.b/c d_NN")[0] is None  # an untagged piece that is not dots or initials
    assert normalise("odd_ONE-TIME word_NN")[0] is None  # a tag that is not PTB nor a known typo


def test_hyphen_tag_between_words_in_writing_only():
    written, _ = normalise("micro_JJ -_- level_NN ,_, so_RB -_- so_RB -_-")
    assert written.tags == ("JJ", "HYPH", "NN", ",", "RB", ":", "RB", ":")  # a repeat or an end is a dash
    spoken, _ = normalise("micro_JJ -_- level_NN", spoken=True)
    assert spoken.tags == ("JJ", ":", "NN")


def test_compounds_split_as_ewt_except_prefixes_and_numbers():
    sentence = masc.Normalised(("a", "long-term", "e-mail", "2008-11-10", "health-care", "follow-ups"),
                               ("DT", "JJ", "NN", "CD", "NN", "NNS"), ("",) * 6)
    lexicon = {"long": "JJ", "term": "NN", "health": "NN", "care": "NN", "follow": "VB", "ups": "NNS"}
    split = masc.split_compounds(sentence, lexicon)
    assert split.words == ("a", "long", "-", "term", "e-mail", "2008-11-10", "health", "-", "care", "follow", "-",
                           "ups")
    assert split.tags == ("DT", "JJ", "HYPH", "NN", "NN", "CD", "NN", "HYPH", "NN", "VB", "HYPH", "NNS")
    assert split.rules[1:4] == ("compound_part", "compound_hyphen", "compound_part")
    assert masc.keeps_hyphen("non-stop") and masc.keeps_hyphen("713-853-3989") and not masc.keeps_hyphen("so-called")
    assert masc.majority_tags([masc.Normalised(("a", "a", "a"), ("DT", "DT", "NN"), ("", "", ""))]) == {"a": "DT"}


def test_nps_marks():
    counts = Counter()
    post = masc.normalise_nps([("he", "PRP"), ("'s", "BES"), ("kewl", "^JJ"), (":-)", "UH"), ("S.M.R.", "X"),
                               (". .", ":"), ("gonna", "VBG")], counts)
    assert pairs(post) == [("he", "PRP"), ("'s", "VBZ"), ("kewl", "JJ"), (":-)", "NFP"), ("S.M.R.", "XX"),
                           ("..", ":"), ("gon", "VBG"), ("na", "TO")]
    assert masc.normalise_nps([("im", "^PRP^VBP")]) is None
    assert masc.normalise_nps([("n e", "DT")]) is None


def build_masc_data(root: Path) -> Path:
    folder = root / "corpora" / "masc_tagged"
    (folder / "written").mkdir(parents=True)
    (folder / "spoken").mkdir()
    names = [f"written/doc{n:02d}.txt" for n in range(10)]
    for index, name in enumerate(names):
        (folder / name).write_text(f"Doc{index}_NNP is_VBZ long_JJ long-term_JJ ._.\n\n\"_'' Hi_UH \"_'' ._.\n",
                                   encoding="utf-8")
    (folder / "categories.txt").write_text("".join(f"{name} essays\n" for name in names))
    return root


def test_masc_by_name_from_nltk_data(tmp_path, monkeypatch):
    root = build_masc_data(tmp_path / "nltk_data")
    monkeypatch.setenv("NLTK_DATA", str(root))
    monkeypatch.setattr(nltk_corpora, "search_paths", lambda: [str(root)])
    corpus = load_named_corpus("nltk:masc_tagged", "native")
    assert corpus.tagset == "ptb" and [len(corpus.train), len(corpus.dev), len(corpus.test)] == [16, 2, 2]
    assert corpus.dev[0].words == ("Doc8", "is", "long", "long", "-", "term", ".")
    # the parts' tags: long as MASC train tags it, term (never in train) by its shape
    assert corpus.dev[0].tags == ("NNP", "VBZ", "JJ", "JJ", "HYPH", "NN", ".")
    assert corpus.train[1].tags == ("``", "UH", "''", ".")
    normalised = nltk_corpora.normalised_splits("nltk:masc_tagged")
    assert normalised["dev"][0].rules == ("", "", "", "compound_part", "compound_hyphen", "compound_part", "")
    assert normalised["dev"][0].document == "written/doc08.txt"
    assert [s.sentence() for s in normalised["dev"]] == corpus.dev


def real_nltk(monkeypatch):
    if not (SHARED_NLTK / "corpora" / "masc_tagged.zip").is_file():
        pytest.skip(f"NLTK's masc_tagged and nps_chat not found in {SHARED_NLTK}")
    monkeypatch.setenv("NLTK_DATA", str(SHARED_NLTK))


@pytest.mark.slow
def test_real_masc_and_nps_chat_sizes_and_tags(monkeypatch):
    real_nltk(monkeypatch)
    corpus = load_named_corpus("nltk:masc_tagged")
    sizes = [(len(corpus.split(s)), sum(map(len, corpus.split(s)))) for s in ("train", "dev", "test")]
    assert sizes == [(30_308, 514_224), (2_785, 53_721), (1_427, 28_573)]
    entry = nltk_corpora.nltk_corpus("nltk:masc_tagged")
    assert (entry.sentences, entry.words) == (34_520, 596_518)
    tags = {tag for split in ("train", "dev", "test") for s in corpus.split(split) for tag in s.tags}
    assert tags <= masc.EWT_XPOS and {"HYPH", "NFP", "-LRB-"} <= tags
    chat = load_named_corpus("nltk:nps_chat", "universal")
    assert (len(chat.train), len(chat.dev), len(chat.test)) == (0, 0, 10_545)
    assert sum(map(len, chat.test)) == 44_957
