"""Jobs that join corpora and taggers: train, evaluate, tag files, compare, sanity checks.

Pipelines return data and print nothing; they report progress through a callback.
"""
