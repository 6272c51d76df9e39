"""The parts of the `postag` command line that cli.py assembles: the terminal (consoles, one-line errors), shared
options, the one progress display, rendering of results as tables, and the command groups.

Nothing here decides anything about data or models: each command parses its options, calls one pipeline and
renders what comes back. Heavy modules (TensorFlow, numpy, the pipelines) are imported inside the commands.
"""
