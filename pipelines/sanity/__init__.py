"""`postag sanity mnist`: the five-block "hello world" network on MNIST, a health check of the install.

    mnist   data, model, loss, updater, iterative learning, on MNIST images
    idx     reading IDX files (MNIST's format) with numpy
"""
