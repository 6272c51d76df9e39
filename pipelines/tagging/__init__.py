"""Raw text in, tagged text out: `postag tag` and `postag tokenize`.

    stream     files or stdin read, cut, tokenized, tagged and written in bounded blocks, with local workers
    tokenize   the same reading and cutting, writing sentences and words only
    beam       the same blocks inside an Apache Beam pipeline, for corpora past one machine
"""
