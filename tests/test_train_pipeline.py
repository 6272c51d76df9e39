"""The training pipeline: progress events, early stopping, checkpoints, interruption, repeatability."""

import json

import numpy as np
import pytest

from corpora import Corpus, Sentence
from pipelines.errors import PipelineError
from pipelines.training.loop import uses_weight_average
from pipelines.training.tagger import train
from tagger import Tagger, TaggerConfig
from tagger.training import KerasTagger

TINY = dict(word_dim=8, char_dim=4, char_filters=4, hidden_dim=8, depth=1, batch_size=4, min_count=1)


@pytest.fixture
def corpus(tiny_sentences):
    return Corpus("tiny", "upos", train=tiny_sentences[:8], dev=tiny_sentences[8:10], test=tiny_sentences[10:])


def test_progress_reports_start_batches_and_epochs(corpus):
    events = []
    train(corpus, TaggerConfig(architecture="fcn", epochs=2, patience=0, **TINY), progress=events.append)
    kinds = [e.kind for e in events]
    assert kinds[0] == "start" and kinds.count("epoch") == 2
    assert events[0].batches == 2 and kinds.count("batch") == 4  # 8 sentences in batches of 4
    epoch_events = [e for e in events if e.kind == "epoch"]
    assert all(e.record.dev_accuracy is not None and e.record.train_loss > 0 for e in epoch_events)


def test_same_seed_same_model(corpus):
    config = TaggerConfig(architecture="window", epochs=2, patience=0, **TINY)
    first, second = train(corpus, config), train(corpus, config)
    assert [r.train_loss for r in first.history] == [r.train_loss for r in second.history]
    for a, b in zip(first.tagger.model.get_weights(), second.tagger.model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_weight_average_only_where_an_epoch_is_long_enough():
    assert not uses_weight_average(TaggerConfig(ema=0.99), 99)
    assert uses_weight_average(TaggerConfig(ema=0.99), 100)
    assert not uses_weight_average(TaggerConfig(ema=0.0), 10_000)


def test_weight_average_is_kept_but_training_goes_on_from_the_updaters_weights(tiny_sentences):
    corpus = Corpus("tiny", "upos", train=tiny_sentences[:8])  # no dev set: the last epoch is kept
    settings = dict(architecture="fcn", epochs=3, patience=0, **{**TINY, "batch_size": 1})
    averaged = train(corpus, TaggerConfig(ema=0.5, **settings))  # 8 batches an epoch: enough for 0.5
    plain = train(corpus, TaggerConfig(ema=0.0, **settings))
    assert averaged.tagger.metadata["weight_average"] is True
    assert plain.tagger.metadata["weight_average"] is False
    # The same steps in both runs: the average is kept beside the weights, never trained from...
    assert [r.train_loss for r in averaged.history] == [r.train_loss for r in plain.history]
    # ...and the model kept is that average, not the updater's last weights.
    differences = [np.abs(a - b).max() for a, b in zip(averaged.tagger.model.get_weights(),
                                                       plain.tagger.model.get_weights())]
    assert max(differences) > 1e-4


def test_the_model_directory_holds_the_weights_without_the_updaters_state(corpus, tmp_path):
    import h5py

    result = train(corpus, TaggerConfig(architecture="fcn", epochs=1, **TINY), output=tmp_path / "model")
    assert result.tagger.model.optimizer is not None  # compiled for training...
    with h5py.File(tmp_path / "model" / "model.weights.h5", "r") as weights:
        assert "optimizer" not in weights and "layers" in weights  # ...yet only the model's weights are saved
    loaded = KerasTagger.load(tmp_path / "model")
    for a, b in zip(loaded.model.get_weights(), result.tagger.model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.fixture
def scripted_dev(monkeypatch):
    """Make the dev accuracies that training sees after each epoch these numbers, in order."""
    import pipelines.training.tagger

    def script(accuracies):
        real, remaining = pipelines.training.tagger.evaluate, list(accuracies)

        def evaluate(tagger, sentences, **options):
            evaluation = real(tagger, sentences, **options)
            if remaining:
                evaluation.accuracy = remaining.pop(0)
            return evaluation

        monkeypatch.setattr(pipelines.training.tagger, "evaluate", evaluate)

    return script


def test_early_stopping_keeps_the_best_epoch(corpus, scripted_dev):
    scripted_dev([0.5, 0.7, 0.6, 0.65])
    config = TaggerConfig(architecture="fcn", epochs=8, patience=2, lr_decay=1.0, **TINY)
    result = train(corpus, config)
    assert [r.dev_accuracy for r in result.history] == [0.5, 0.7, 0.6, 0.65]  # stopped after 2 worse epochs
    assert result.best_epoch == 2 and result.stopped_because == "no better dev accuracy for 2 epochs"
    # The weights kept are those of epoch 2: the same as a run that ends there.
    two_epochs = train(corpus, config.replace(epochs=2))
    for kept, expected in zip(result.tagger.model.get_weights(), two_epochs.tagger.model.get_weights()):
        np.testing.assert_array_equal(kept, expected)


def test_patience_zero_never_stops_early_but_keeps_the_best_epoch(corpus, scripted_dev):
    scripted_dev([0.5, 0.7, 0.6, 0.6, 0.65])
    result = train(corpus, TaggerConfig(architecture="fcn", epochs=5, patience=0, lr_decay=1.0, **TINY))
    assert len(result.history) == 5 and result.best_epoch == 2 and result.stopped_because == "all epochs done"


def test_learning_rate_is_lowered_after_each_epoch_without_a_better_dev_accuracy(corpus, scripted_dev):
    scripted_dev([0.5, 0.4, 0.6, 0.6])
    config = TaggerConfig(architecture="fcn", epochs=4, patience=0, lr_decay=0.5, learning_rate=0.01, **TINY)
    result = train(corpus, config)
    # epoch 2 worse, epoch 3 better, epoch 4 only as good: halved twice
    assert float(result.tagger.model.optimizer.learning_rate.numpy()) == pytest.approx(0.01 / 4)


def test_the_loop_runs_its_parts_in_order():
    from pipelines.training.loop import learning_callbacks

    def names(learning):
        return [type(callback).__name__ for callback in learning.callbacks]

    config = TaggerConfig(architecture="fcn", max_seconds=60, **TINY)
    full = learning_callbacks(config, 10, print, [], weight_average=True, score_dev=lambda: 0.5, save=print)
    assert names(full) == ["ReportBatches", "StopOnNonFiniteLoss", "SwapInWeightAverage", "ScoreAfterEpoch",
                           "EpochStamp", "LambdaCallback", "EarlyStopping", "SaveImproved", "ReduceLROnPlateau",
                           "TimeLimit"]
    assert full.keep_best.monitor == "dev_accuracy" and full.keep_best.restore_best_weights
    # Without dev data the latest epoch is the best; without an output nothing saves; lr_decay 1 never decays.
    bare = learning_callbacks(config.replace(lr_decay=1.0, max_seconds=0.0), 10, print, [], weight_average=False)
    assert names(bare) == ["ReportBatches", "StopOnNonFiniteLoss", "EpochStamp", "LambdaCallback", "EarlyStopping"]
    assert bare.keep_best.monitor == "epoch"


def _loss_turning_nan_after(batches: int):
    import tensorflow as tf

    from tagger.training import sequence_loss

    seen = tf.Variable(0)

    def loss(y_true, logits):
        seen.assign_add(1)
        return tf.where(seen > batches, tf.constant(float("nan")), sequence_loss(y_true, logits))

    return loss


def test_a_loss_that_is_not_finite_fails_with_one_line_and_saves_nothing(corpus, tmp_path, monkeypatch):
    from pipelines.errors import TrainingDiverged

    monkeypatch.setattr("tagger.training.architectures.mean_over_tokens", lambda summed: _loss_turning_nan_after(0))
    with pytest.raises(TrainingDiverged) as raised:
        train(corpus, TaggerConfig(architecture="fcn", epochs=3, **TINY), output=tmp_path / "model")
    message = str(raised.value)
    assert "\n" not in message and "loss became nan in epoch 1, batch 1" in message
    assert "learning_rate" in message and "nothing was saved" in message
    assert not (tmp_path / "model").exists()


def test_a_run_that_diverges_later_keeps_its_best_epoch_and_no_nan(corpus, tmp_path, monkeypatch, scripted_dev):
    from pipelines.errors import TrainingDiverged
    from tagger.modeldir import read_json

    scripted_dev([0.5, 0.6])
    monkeypatch.setattr("tagger.training.architectures.mean_over_tokens",
                        lambda summed: _loss_turning_nan_after(5))  # 2 batches an epoch
    output = tmp_path / "model"
    with pytest.raises(TrainingDiverged, match="in epoch 3, batch 2.*epoch before it \\(2\\) stays in"):
        train(corpus, TaggerConfig(architecture="fcn", epochs=5, patience=0, lr_decay=1.0, **TINY), output=output)
    metrics = read_json(output / "metrics.json")  # refuses NaN and infinities
    read_json(output / "config.json")
    assert metrics["complete"] is False and metrics["best_epoch"] == 2 and len(metrics["history"]) == 2


def test_interrupt_keeps_best_model_so_far_as_valid_directory(corpus, tmp_path):
    output = tmp_path / "model"

    def interrupt_in_third_epoch(event):
        if event.kind == "batch" and event.epoch == 3:
            raise KeyboardInterrupt

    config = TaggerConfig(architecture="fcn", epochs=10, patience=0, **TINY)
    result = train(corpus, config, output=output, progress=interrupt_in_third_epoch)
    assert result.interrupted and len(result.history) == 2
    loaded = Tagger.load(output)
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["complete"] is False and metrics["best_epoch"] == result.best_epoch
    words = [s.words for s in corpus.test]
    assert loaded.tag_sents(words) == result.tagger.tag_sents(words)


def test_existing_model_survives_a_failed_save(corpus, tmp_path, monkeypatch):
    output = tmp_path / "model"
    train(corpus, TaggerConfig(architecture="fcn", epochs=1, **TINY), output=output)
    before = (output / "model.weights.h5").read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("tagger.training.keras_tagger.KerasTagger.write_files", crash)
    with pytest.raises(OSError):
        train(corpus, TaggerConfig(architecture="fcn", epochs=1, seed=7, **TINY), output=output)
    assert (output / "model.weights.h5").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no staging folder left behind


def test_without_dev_the_last_epoch_is_kept(tiny_sentences):
    corpus = Corpus("tiny", "upos", train=tiny_sentences)
    result = train(corpus, TaggerConfig(architecture="fcn", epochs=2, **TINY))
    assert result.best_epoch == 2 and result.dev is None and result.test is None


def test_untagged_or_empty_training_data_is_rejected(tiny_sentences):
    from corpora import Sentence

    with pytest.raises(PipelineError, match="no training sentences"):
        train(Corpus("empty", "upos"), TaggerConfig(**TINY))
    with pytest.raises(PipelineError, match="must be tagged"):
        train(Corpus("raw", "upos", train=[Sentence(("a", "b"))]), TaggerConfig(**TINY))


def test_upos_and_xpos_heads_train_together_and_tag_apart(tiny_conllu, tmp_path):
    from corpora import read_conllu
    from pipelines.evaluation.gold_tokens import evaluate

    sentences = read_conllu(tiny_conllu, "upos,xpos")
    assert sentences[0].tags[:2] == ("DET", "NOUN") and sentences[0].more_tags[0][:2] == ("DT", "NN")
    corpus = Corpus("tiny", "upos,xpos", train=sentences, dev=sentences)
    config = TaggerConfig(architecture="rnn", epochs=40, patience=0, lr_decay=1.0, learning_rate=0.01, **TINY)
    result = train(corpus, config, output=tmp_path / "model")
    runtime = Tagger.load(tmp_path / "model")
    assert runtime.tagsets == ("upos", "xpos")
    words = [s.words for s in sentences]
    upos, xpos = runtime.tag_sents(words), runtime.tag_sents(words, tagset="xpos")
    assert upos == result.tagger.tag_sents(words) and xpos == result.tagger.tag_sents(words, tagset="xpos")
    assert set(runtime.tagset) == {t for s in sentences for t in s.tags}
    assert {t for tags in xpos for t in tags} <= {t for s in sentences for t in s.more_tags[0]}
    xpos_gold = [Sentence(s.words, s.more_tags[0]) for s in sentences]
    assert evaluate(runtime, xpos_gold, tagset="xpos").accuracy > 0.9  # learned, not just the UPOS head
    assert result.metrics["more_tagsets"]["xpos"]["dev"]["accuracy"] > 0.9
