"""Training taggers and tokenizers. The loop itself (epochs, dev scores, best weights, stopping) is
tagger.training.loop, shared by both; this package joins it to corpora.

    tagger      `postag train`: a tagger from a corpus, saved as a model directory
    tokenizer   `postag tokenizer train|relearn`: a tokenizer and sentence splitter from gold raw text
    silver      raw text tagged by an ensemble of taggers, and the teachers' probabilities: distillation
    presets     named recipes (`--preset fast|accurate`)
    cluster     several workers: TF_CONFIG from a list, worker processes on this machine
"""
