"""Opening an exported graph with ONNX Runtime: what the tagger and the tokenizer runtimes share."""

from __future__ import annotations

from pathlib import Path

from .errors import ModelError


def open_graph(graph: bytes, source: Path):
    """An ONNX Runtime session of a model directory's graph on the CPU, one thread inside each run (callers
    run batches side by side instead); a graph it cannot load is a ModelError naming `source`."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # One thread inside each run: Tagger and Tokenizer run batches side by side instead (see Tagger._logits).
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # warnings about unused initializers are not the user's business
    try:
        # From bytes, not a path: a graph cannot reach files outside the model directory (external data).
        return onnxruntime.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own exception types for any bad graph
        raise ModelError(f"{source}: ONNX Runtime cannot load the graph ({type(error).__name__}: "
                         f"{str(error)[:200]}); the model directory is damaged") from None
