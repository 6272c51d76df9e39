"""`postag compare`: which tagger is best for a corpus, with evidence a reviewer would accept.

    run        the comparison: plan, output folder, runs (each in its own process), the report built
    worker     one run, in its own process (`python -m pipelines.compare.worker JOB`)
    records    what passes between the processes, and report.json
    report     the report's cells, Markdown and chart
    baselines  most-frequent tag and NLTK's averaged perceptron, scored beside the neural taggers
"""
