"""Import TensorFlow for the app: once, quietly, with oneDNN's custom operations off.

TensorFlow 2.21 prints a oneDNN notice twice at import (two of its libraries each print it, before
its log settings apply, so TF_CPP_MIN_LOG_LEVEL cannot hide it). TF_ENABLE_ONEDNN_OPTS=0 removes
it and also suits serving: one 28x28 image at a time is about twice as fast without the custom
operations (p50 0.23-0.27 ms vs 0.46-0.49 ms, benchmarks/bench_predict.py), while batches of
10,000 run at half the speed. So it is set for this import only, unless already set: a trainer
started from the same process keeps oneDNN.
"""

import os
import sys

ONEDNN_ENV = "TF_ENABLE_ONEDNN_OPTS"
LOG_LEVEL_ENV = "TF_CPP_MIN_LOG_LEVEL"


def import_tensorflow():
    """The tensorflow module, imported now if nobody has yet, with the environment above."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault(LOG_LEVEL_ENV, "2")  # Warnings and errors only; read again later by TF.
    before = os.environ.get(ONEDNN_ENV)
    chosen = bool((before or "").strip())  # Set to nothing counts as unset (TF would warn about it).
    if not chosen:
        os.environ[ONEDNN_ENV] = "0"
    try:
        import tensorflow
    finally:
        if before is None:
            del os.environ[ONEDNN_ENV]
        elif not chosen:
            os.environ[ONEDNN_ENV] = before
    return tensorflow
