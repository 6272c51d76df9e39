"""Helpers of test_distributed.py: a small generated corpus, and a MirroredStrategy run in a fresh process.

`python tests/multiworker.py FOLDER` trains on FOLDER's corpus twice in one process, once in one piece and
once under MirroredStrategy over two logical CPU devices (TensorFlow allows those only before it starts,
hence a process of its own), and prints one JSON line comparing them.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

# Words that are a noun after a determiner or an adjective and a verb after a subject: only the context
# tells, so a tagger has something to learn beyond the word itself.
AMBIGUOUS = ["book", "run", "watch", "play", "cook", "fish", "walk", "call", "dance", "answer"]
NOUNS = ["dog", "city", "teacher", "window", "river", "song", "child", "garden", "letter", "car"]
VERBS = ["sees", "likes", "finds", "takes", "wants", "keeps", "reads", "paints"]
ADJECTIVES = ["old", "red", "quiet", "happy", "small", "bright", "strange"]
DETERMINERS = ["the", "a", "every", "this", "that"]
PRONOUNS = ["they", "we", "you", "I"]
SUFFIXES = ["tion", "ness", "ment", "ity", "er"]


def _made_up_noun(rng: random.Random) -> str:
    """A word seen at most a few times, tagged by its ending: unseen words still get a fair guess."""
    return "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(1, 3))) + \
        rng.choice(SUFFIXES)


def _noun_phrase(rng: random.Random) -> list[tuple[str, str]]:
    phrase = [(rng.choice(DETERMINERS), "DET")]
    if rng.random() < 0.4:
        phrase.append((rng.choice(ADJECTIVES), "ADJ"))
    roll = rng.random()
    noun = rng.choice(AMBIGUOUS) if roll < 0.35 else _made_up_noun(rng) if roll < 0.5 else rng.choice(NOUNS)
    return phrase + [(noun, "NOUN")]


def sentence(rng: random.Random) -> list[tuple[str, str]]:
    subject = [(rng.choice(PRONOUNS), "PRON")] if rng.random() < 0.5 else _noun_phrase(rng)
    if subject[0][1] == "PRON" and rng.random() < 0.6:
        verb = [(rng.choice(AMBIGUOUS), "VERB")]
    else:
        verb = [(rng.choice(VERBS), "VERB")]
    words = subject + verb + _noun_phrase(rng)
    if rng.random() < 0.3:
        words += [("and", "CCONJ")] + _noun_phrase(rng)
    return words + [(".", "PUNCT")]


def write_conllu(path: Path, sentences: list[list[tuple[str, str]]]) -> None:
    lines = []
    for number, words in enumerate(sentences, start=1):
        lines.append(f"# sent_id = {number}")
        lines.append(f"# text = {' '.join(w for w, _ in words)}")
        lines += [f"{i}\t{w}\t_\t{t}\t_\t_\t_\t_\t_\t_" for i, (w, t) in enumerate(words, start=1)]
        lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_corpus(folder: Path, train: int = 400, dev: int = 150, seed: int = 7) -> tuple[Path, Path]:
    """train.conllu and dev.conllu in `folder`: generated sentences, the same for the same seed."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "train.conllu", folder / "dev.conllu"
    write_conllu(paths[0], [sentence(rng) for _ in range(train)])
    write_conllu(paths[1], [sentence(rng) for _ in range(dev)])
    return paths


# The model of these tests: small; without dropout, whose draws differ between replicas and one process; and
# with SGD, whose update is the gradient itself. Then several replicas and one process compute the same
# updates up to the order of additions, and their runs can be compared closely. (Keras' Adam squares each
# piece of a sparse gradient before adding the pieces up, so its second moments of the character embedding
# depend on how a batch is cut into replicas: runs with Adam differ more, though not in accuracy.) Three
# epochs bring dev accuracy to about 97%, two to about 87%: not so easy that a broken run would score the same.
SETTINGS = dict(architecture="window", word_dim=16, char_dim=8, char_filters=16, affix_dim=4, hidden_dim=32,
                depth=1, dropout=0.0, word_dropout=0.0, min_count=1, batch_size=16, epochs=3, patience=0, seed=3,
                optimizer="sgd", learning_rate=0.05)


def _mirrored_comparison(folder: Path) -> dict:
    import tensorflow as tf

    (cpu,) = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

    import numpy as np

    from corpora import Corpus, read_conllu
    from pipelines.training.tagger import train
    from tagger import TaggerConfig

    corpus = Corpus("generated", "upos", train=read_conllu(folder / "train.conllu"),
                    dev=read_conllu(folder / "dev.conllu"))
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])

    def largest_difference(first, second) -> float:
        return max(float(np.abs(a - b).max()) for a, b in zip(first.tagger.model.get_weights(),
                                                               second.tagger.model.get_weights()))

    # One step on one global batch of 16 sentences: the two gradients must agree to rounding. (A loss averaged
    # within each replica would weigh the two halves' tokens unequally: differences of about a thousandth
    # with this large step.)
    one_batch = Corpus("generated", "upos", train=corpus.train[:16])
    step = TaggerConfig(**{**SETTINGS, "learning_rate": 1.0, "clipnorm": 0.0, "epochs": 1})
    one_step = largest_difference(train(one_batch, step, strategy=strategy), train(one_batch, step))
    # Whole runs: the same learning.
    config = TaggerConfig(**SETTINGS)
    mirrored = train(corpus, config, strategy=strategy, output=folder / "mirrored-model")
    single = train(corpus, config)
    return {"one_step_difference": one_step, "mirrored_dev": mirrored.dev.accuracy, "single_dev": single.dev.accuracy,
            "mirrored_losses": [r.train_loss for r in mirrored.history],
            "single_losses": [r.train_loss for r in single.history],
            "distributed": mirrored.metrics["distributed"], "devices": len(tf.config.list_logical_devices("CPU"))}


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    print(json.dumps(_mirrored_comparison(Path(sys.argv[1]))))
