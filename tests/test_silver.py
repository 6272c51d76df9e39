"""Silver data (pipelines.training.silver): raw text tagged by an ensemble, kept where every member agrees."""

import numpy as np
import pytest

from corpora import Corpus, read_conllu
from pipelines.data import silver_columns
from pipelines.errors import PipelineError
from pipelines.training.silver import ensemble_tags, make_silver_corpus
from pipelines.training.tagger import train
from tagger import Tagger, TaggerConfig

TINY = dict(word_dim=8, char_dim=4, char_filters=4, hidden_dim=8, depth=1, batch_size=4, min_count=1, epochs=2,
            patience=0)


class FixedTeacher:
    """A stand-in teacher whose probabilities are given."""

    tagsets = ("upos",)

    def __init__(self, tables):
        self.tables = [np.asarray(t, np.float32) for t in tables]

    def tags_of(self, tagset):
        return ["NOUN", "VERB"]

    def tag_probabilities(self, sentences, tagset=None):
        return self.tables[: len(sentences)]


def test_the_ensemble_averages_probabilities_and_flags_any_member_that_disagrees():
    confident = FixedTeacher([[[0.9, 0.1], [0.2, 0.8]], [[0.6, 0.4]]])
    hesitant = FixedTeacher([[[0.7, 0.3], [0.45, 0.55]], [[0.3, 0.7]]])
    tags, agreed = ensemble_tags([confident, hesitant], [("a", "b"), ("c",)], "upos")
    # sentence 2: mean (0.45, 0.55) picks VERB, which the confident member did not choose
    assert tags == [["NOUN", "VERB"], ["VERB"]]
    assert agreed == [True, False]


def test_silver_columns_follow_the_tagsets():
    assert silver_columns(["upos", "xpos"]) == ("upos", "xpos")
    assert silver_columns(["universal"]) == ("upos",)
    with pytest.raises(PipelineError):
        silver_columns(["universal", "native"])


@pytest.fixture(scope="module")
def teachers(tmp_path_factory, tiny_sentences):
    """Two seeds that fit the tiny corpus (scored on it, no dropout), so they agree on much of its text."""
    folder = tmp_path_factory.mktemp("teachers")
    corpus = Corpus("tiny", "upos", train=tiny_sentences[:8], dev=tiny_sentences[:8])
    fitting = dict(epochs=40, batch_size=2, learning_rate=0.02, dropout=0.0, word_dropout=0.0, ema=0.0)
    for seed in (1, 2):
        train(corpus, TaggerConfig(**{**TINY, **fitting, "seed": seed}), output=folder / f"seed{seed}")
    return [folder / "seed1", folder / "seed2"]


def test_silver_sentences_are_those_every_teacher_tags_alike(teachers, tmp_path):
    text = tmp_path / "raw.txt"
    text.write_text("The cat sat on the mat.\nA dog barked at the cat.\nShe reads books.\nHi.\n"
                    "The cat sat on the mat.\nBirds sing in the morning and dogs run home.\n", encoding="utf-8")
    result = make_silver_corpus(teachers, [str(text)], tmp_path / "silver.conllu", max_tokens=10_000)
    # "Hi ." is too short, and the repeated sentence is taken once
    assert result.candidates == 4 and result.tagged == 4
    kept = read_conllu(tmp_path / "silver.conllu")
    assert 1 <= len(kept) == result.kept and sum(len(s.words) for s in kept) == result.tokens
    members = [Tagger.load(path) for path in teachers]
    words = [list(s.words) for s in kept]
    for member in members:  # softmax teachers: each member's best tags are the silver tags
        assert member.tag_sents(words) == [list(s.tags) for s in kept]
    left_out = {" ".join(s) for s in [("The", "cat", "sat", "on", "the", "mat", "."),
                                       ("A", "dog", "barked", "at", "the", "cat", "."), ("She", "reads", "books", "."),
                                       ("Birds", "sing", "in", "the", "morning", "and", "dogs", "run", "home", ".")]}
    left_out -= {" ".join(w) for w in words}
    for sentence in left_out:  # every sentence left out has a word the two teachers tag differently
        first, second = (member.tag(sentence.split()) for member in members)
        assert first != second


def test_silver_stops_once_enough_words_are_kept(teachers, tmp_path):
    text = tmp_path / "raw.txt"
    text.write_text("".join(f"The cat number {i} sat on the mat.\n" for i in range(300)), encoding="utf-8")
    result = make_silver_corpus(teachers[:1], [str(text)], tmp_path / "silver.conllu", max_tokens=50)
    # one teacher always agrees with itself; sentences of 9 words until 50 are reached
    assert result.kept == 6 and result.tokens == 54 and result.agreement == 1.0


def test_tag_probabilities_are_distributions_in_the_tag_order(teachers):
    tagger = Tagger.load(teachers[0])
    sentences = [["The", "cat", "sat", "."], ["Dogs", "run"]]
    tables = tagger.tag_probabilities(sentences)
    assert [t.shape for t in tables] == [(4, len(tagger.tagset)), (2, len(tagger.tagset))]
    np.testing.assert_allclose([t.sum(axis=1) for t in tables][0], 1.0, rtol=1e-5)
    assert [[tagger.tagset[i] for i in t.argmax(axis=1)] for t in tables] == tagger.tag_sents(sentences)


def test_silver_refuses_teachers_with_other_tags(teachers, tmp_path, tiny_conllu):
    xpos = read_conllu(tiny_conllu, tagset="xpos")
    train(Corpus("tiny", "xpos", train=xpos[:8], dev=xpos[8:10]), TaggerConfig(**TINY), output=tmp_path / "xpos")
    text = tmp_path / "raw.txt"
    text.write_text("The cat sat on the mat.\n", encoding="utf-8")
    with pytest.raises(PipelineError, match="share"):
        make_silver_corpus([teachers[0], tmp_path / "xpos"], [str(text)], tmp_path / "silver.conllu")
    assert not (tmp_path / "silver.conllu").exists()


def test_a_student_trains_on_gold_and_silver_and_is_scored_on_gold(teachers, tiny_sentences, tmp_path):
    from typer.testing import CliRunner

    from cli import app
    from pipelines.compare.plan import vocabulary_group

    text = tmp_path / "raw.txt"
    text.write_text("The quokka sat on the mat.\nA dog barked at the quokka.\nShe reads books.\n", encoding="utf-8")
    # one teacher: it agrees with itself, so every sentence is kept
    made = CliRunner().invoke(app, ["silver", str(teachers[0]), "--source", str(text), "--output",
                                    str(tmp_path / "silver.conllu")])
    assert made.exit_code == 0, made.output
    assert "silver=" in made.stdout and "teachers agreed" in made.stdout
    kept = read_conllu(tmp_path / "silver.conllu")
    corpus = Corpus("tiny", "upos", train=tiny_sentences[:8], dev=tiny_sentences[8:10], test=tiny_sentences[10:])
    config = TaggerConfig(**{**TINY, "silver": str(tmp_path / "silver.conllu")})
    result = train(corpus, config, output=tmp_path / "student")
    silver_words = {w.lower() for s in kept for w in s.words} - {w.lower() for s in corpus.train for w in s.words}
    assert silver_words and all(result.tagger.vocabs.words.id(w) > 1 for w in silver_words)
    assert result.tagger.metadata["silver"]["sentences"] == len(kept)
    assert result.metrics["train_sentences"] == 8 + len(kept)
    assert result.test.tokens == sum(len(s.words) for s in corpus.test)  # scored on gold test only
    assert "silver sentences" in (tmp_path / "student" / "README.md").read_text()
    assert vocabulary_group(config) != vocabulary_group(TaggerConfig(**TINY))


def test_no_agreement_is_an_error_and_leaves_no_file(tmp_path, monkeypatch):
    import tagger

    text = tmp_path / "raw.txt"
    text.write_text("The cat sat on the mat.\n", encoding="utf-8")  # 7 words
    split = iter([FixedTeacher([[[0.9, 0.1]] * 7]), FixedTeacher([[[0.1, 0.9]] * 7])])
    monkeypatch.setattr(tagger.Tagger, "load", staticmethod(lambda model: next(split)))
    with pytest.raises(PipelineError, match="agreed on none"):
        make_silver_corpus(["first", "second"], [str(text)], tmp_path / "silver.conllu")
    assert not (tmp_path / "silver.conllu").exists()


def test_missing_silver_data_says_how_to_make_it(tiny_sentences, tmp_path):
    corpus = Corpus("tiny", "upos", train=tiny_sentences[:8], dev=tiny_sentences[8:10])
    with pytest.raises(PipelineError, match="postag silver"):
        train(corpus, TaggerConfig(**{**TINY, "silver": str(tmp_path / "absent.conllu")}))


def test_silver_words_join_the_vocabulary_a_vectors_file_starts_from(tiny_sentences, tmp_path):
    from pipelines.pretraining.embeddings import prepare_word_inputs

    silver = tmp_path / "silver.conllu"
    silver.write_text("# sent_id = silver-1\n1\tQuokkas\t_\tNOUN\t_\t_\t_\t_\t_\t_\n2\thop\t_\tVERB\t_\t_\t_\t_\t_\t_\n"
                      "3\t.\t_\tPUNCT\t_\t_\t_\t_\t_\t_\n\n", encoding="utf-8")
    vectors = tmp_path / "vectors.txt"
    vectors.write_text("2 3\nthe 0.1 0.2 0.3\ncat 0.3 0.2 0.1\n", encoding="utf-8")
    corpus = Corpus("tiny", "upos", train=tiny_sentences[:8], dev=tiny_sentences[8:10])
    inputs = prepare_word_inputs(corpus, TaggerConfig(**{**TINY, "silver": str(silver)}), vectors_path=vectors)
    assert "quokkas" in inputs.vocabs.words and "hop" in inputs.vocabs.words


def test_keep_all_writes_every_sentence_and_still_counts_agreement(teachers, tmp_path):
    text = tmp_path / "raw.txt"
    text.write_text("The cat sat on the mat.\nA dog barked at the cat.\nShe reads books.\n"
                    "Birds sing in the morning and dogs run home.\n", encoding="utf-8")
    agreed = make_silver_corpus(teachers, [str(text)], tmp_path / "agreed.conllu")
    every = make_silver_corpus(teachers, [str(text)], tmp_path / "all.conllu", keep_all=True)
    assert every.kept == every.tagged == 4 and len(read_conllu(tmp_path / "all.conllu")) == 4
    assert every.agreed == agreed.kept and every.agreement == agreed.agreement


def test_teacher_probabilities_are_the_mean_in_the_students_tag_order(teachers, tiny_sentences):
    from pipelines.training.silver import teacher_probabilities

    words = [list(s.words) for s in tiny_sentences[:3]]
    members = [Tagger.load(path) for path in teachers]
    own = members[0].tags_of("upos")
    student_tags = ["<pad>", *reversed(own)]
    tables = teacher_probabilities(teachers, words, "upos", student_tags)
    expected = [(a + b) / 2 for a, b in zip(*(m.tag_probabilities(words) for m in members))]
    for table, mean, sentence in zip(tables, expected, words):
        assert table.shape == (len(sentence), len(student_tags)) and table.dtype == np.float32
        assert np.allclose(table[:, 0], 0.0) and np.allclose(table.sum(axis=1), 1.0, atol=1e-5)
        np.testing.assert_allclose(table[:, 1:], mean[:, ::-1], atol=1e-6)
    with pytest.raises(PipelineError, match="lacks"):
        teacher_probabilities(teachers, words, "upos", ["<pad>", own[0]])
    with pytest.raises(PipelineError, match="not xpos"):
        teacher_probabilities(teachers, words, "xpos", student_tags)


def test_the_distilled_loss_mixes_the_gold_loss_and_the_teachers_cross_entropy():
    from keras import ops

    from tagger.training.loss import summed_distilled_loss, summed_sequence_loss

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 3, 4)).astype(np.float32)
    gold = np.array([[1, 2, 3], [2, 0, 0]])  # sentence 2 has one word, then padding
    soft = rng.dirichlet(np.ones(3), size=(2, 3)).astype(np.float32)
    targets = np.zeros((2, 3, 5), np.float32)
    targets[..., 0] = gold
    targets[..., 2:] = soft  # teachers never give the padding tag (column 1 of the targets) any probability
    targets[1, 1:, 1:] = 0.0
    base_total, tokens = (float(x) for x in summed_sequence_loss(gold, logits))
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    mask = gold != 0
    soft_total = float(-(targets[..., 1:] * log_p).sum(-1)[mask].sum())
    for weight in (0.0, 0.3, 1.0):
        total, count = summed_distilled_loss(summed_sequence_loss, weight)(targets, ops.convert_to_tensor(logits))
        assert float(count) == tokens == 4
        assert float(total) == pytest.approx((1 - weight) * base_total + weight * soft_total, rel=1e-5)


def test_a_student_learns_from_its_teachers_probabilities(teachers, tiny_sentences, tmp_path):
    corpus = Corpus("tiny", "upos", train=tiny_sentences[:8], dev=tiny_sentences[:8])
    distill = ",".join(str(t) for t in teachers)
    result = train(corpus, TaggerConfig(**{**TINY, "crf": True, "distill": distill, "distill_weight": 0.7}),
                   output=tmp_path / "student")
    metadata = Tagger.load(tmp_path / "student").metadata
    assert metadata["distill"] == {"teachers": [str(t) for t in teachers], "weight": 0.7}
    assert result.history[-1].train_loss < result.history[0].train_loss
    with pytest.raises(PipelineError, match="distill teacher"):
        train(corpus, TaggerConfig(**{**TINY, "distill": str(tmp_path / "absent")}))


def test_a_joint_student_learns_xpos_from_gold_only_when_its_silver_has_upos_alone(teachers, tiny_conllu, tmp_path):
    from pipelines.data import with_silver

    text = tmp_path / "raw.txt"
    text.write_text("The quokka sat on the mat.\nA dog barked at the quokka.\n", encoding="utf-8")
    make_silver_corpus([teachers[0]], [str(text)], tmp_path / "silver.conllu")  # UPOS teachers: XPOS is "_"
    gold = read_conllu(tiny_conllu, "upos,xpos")
    corpus = Corpus("tiny", "upos,xpos", train=gold[:8], dev=gold[8:10], test=gold[10:])
    config = TaggerConfig(**{**TINY, "crf": True, "silver": str(tmp_path / "silver.conllu"),
                             "distill": str(teachers[0])})
    silver = with_silver(corpus, config).train[8:]
    assert silver and all(s.tags and s.more_tags == ((),) for s in silver)
    result = train(corpus, config, output=tmp_path / "student")
    xpos = result.tagger.vocabs.more_tags[0]
    assert set(xpos.items[1:]) == {tag for s in corpus.train for tag in s.more_tags[0]}  # no tag from silver
    encoded = result.tagger.encoder.encode_tags([s.more_tags[0] for s in silver], head=1)
    assert not encoded.any()  # every silver word is padding to the XPOS head: its loss never sees them
    assert np.isfinite([epoch.train_loss for epoch in result.history]).all()
    assert result.metrics["more_tagsets"]["xpos"]["test"]["tokens"] == sum(len(s) for s in corpus.test)
