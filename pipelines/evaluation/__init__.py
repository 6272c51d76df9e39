"""Scoring taggers and tokenizers against gold data.

    gold_tokens    tagging the gold words: accuracy, unseen-word accuracy, per-tag P/R/F1, confusions
    raw_text       tokenizing and tagging the gold raw text, scored as the CoNLL 2018 shared task does
    conll18        the CoNLL 2018 metrics themselves (tokens, sentences, words, UPOS, XPOS F1)
    significance   McNemar's test and Holm's correction, for two taggers on the same tokens
"""
