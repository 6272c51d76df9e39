"""Raw-text tokenizer: sentences, words, and offsets that point back into the text."""

from hypothesis import given, settings
from hypothesis import strategies as st

from corpora import tokenize


def check_offsets(text, sentences):
    previous_end = 0
    for sentence in sentences:
        for word, (start, end) in zip(sentence.words, sentence.spans, strict=True):
            assert text[start:end] == word
            assert start >= previous_end and end > start
            previous_end = end


def test_words_and_offsets():
    text = "The cat sat. It didn't move!"
    sentences = tokenize(text)
    assert [s.words for s in sentences] == [("The", "cat", "sat", "."), ("It", "did", "n't", "move", "!")]
    assert sentences[0].spans == ((0, 3), (4, 7), (8, 11), (11, 12))
    assert sentences[1].spans[0] == (13, 15)
    assert sentences[0].tags == ()
    check_offsets(text, sentences)


def test_quotes_keep_their_original_characters_and_offsets():
    text = 'He said "yes" and left.'
    sentences = tokenize(text)
    assert sentences[0].words == ("He", "said", '"', "yes", '"', "and", "left", ".")
    check_offsets(text, sentences)


def test_common_abbreviations_do_not_end_sentences():
    sentences = tokenize("Dr. Smith met Mr. Jones at 5 p.m. on Jan. 3. They talked.")
    assert len(sentences) == 2
    assert sentences[0].words[:2] == ("Dr.", "Smith")


def test_blank_lines_end_sentences_with_any_line_ends():
    for line_end in ("\n", "\r\n", "\r"):
        text = f"A title without a period{line_end}{line_end}The body starts here."
        sentences = tokenize(text)
        assert [s.words[0] for s in sentences] == ["A", "The"], repr(line_end)
        check_offsets(text, sentences)


def test_single_line_break_does_not_end_a_sentence():
    assert len(tokenize("This sentence\r\ncontinues here.")) == 1


def test_trailing_punctuation_stays_with_its_sentence():
    sentences = tokenize("Really ok!? Yes.")
    assert [s.words for s in sentences] == [("Really", "ok", "!", "?"), ("Yes", ".")]


def test_empty_and_blank_text():
    assert tokenize("") == []
    assert tokenize(" \n\t\n ") == []


def test_unicode_offsets_are_in_characters():
    text = "Café über 東京. Ça va."
    sentences = tokenize(text)
    assert sentences[0].words[:3] == ("Café", "über", "東京")
    check_offsets(text, sentences)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab ,.!?'\"()-\n\r\tÉ1")), max_size=60))
def test_offsets_always_point_at_the_words(text):
    sentences = tokenize(text)
    check_offsets(text, sentences)
    for sentence in sentences:
        assert all(word.strip() == word and word for word in sentence.words)
