"""`postag compare`: which tagger is best for a corpus, with evidence a reviewer would accept.

    plan       what is compared: variants, seeds, the data checks made before anything runs
    run        the comparison: every run, each in its own process, then the report
    worker     one run, in its own process (`python -m pipelines.compare.worker JOB`)
    folder     the output folder: its manifest, the shared vocabularies, models and logs
    report     the report from the runs: rows, the best on dev, McNemar tests, per-tag figures, curves
    render     the report's cells, Markdown and chart (the terminal shows the same cells)
    records    what passes between the processes, and report.json
    baselines  most-frequent tag and NLTK's averaged perceptron, scored beside the neural taggers
"""
