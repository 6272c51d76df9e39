"""What a tagger can start from, each made by its own step before training.

    vocab        word vocabularies from corpora and files (`postag vocab`)
    embeddings   skip-gram word vectors (`postag embeddings`)
    charlm       a character language model (`postag charlm`)
    inputs       what a tagger takes from these at training time (vectors, a character LM), and the
                 English ones the package names ("en")
"""
