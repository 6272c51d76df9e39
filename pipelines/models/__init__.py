"""The models that ship inside the package (tagger/pretrained/), and keeping model directories current.

    shipped    each shipped model's recipe, and `postag models build NAME`, which runs it
    upgrade    `postag models upgrade DIR`: a directory saved by an earlier postag, exported again from its weights
"""
