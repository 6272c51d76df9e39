"""The models that ship inside the package (tagger/pretrained/), and keeping model directories current.

    shipped    each shipped model's recipe, and `postag models build NAME`, which runs it
"""
