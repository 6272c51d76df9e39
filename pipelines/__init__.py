"""Jobs that join corpora and taggers, one sub-package per feature a user asks for:

    tagging/      raw text to tagged files: streaming with local workers, a corpus on Apache Beam, tokenizing
    evaluation/   scoring against gold: gold tokens (accuracy), raw text (CoNLL 2018 F1), significance tests
    training/     training taggers and tokenizers: the pipelines, silver data, presets, cluster workers
    pretraining/  what training can start from: word vocabularies, word vectors, a character LM
    compare/      `postag compare`: architectures side by side, with baselines and significance
    models/       the shipped models: their recipes, building them, upgrading old model directories
    sanity/       the MNIST check of the deep-learning block

and, shared by them: `data` (which corpus a job runs on), `outputs` (the check of an --output file),
`corpus_stats` (`postag corpora`), `errors`.

Pipelines return data and print nothing; they report progress through a callback.
"""
