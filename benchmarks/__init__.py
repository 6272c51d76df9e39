"""Scripts that measure postag (accuracy, speed, memory): `python -m benchmarks.NAME` from the repository root."""
