"""Run a pure function over many items on every core the process may use, results in order.

The trainer draws tens of thousands of pen digits and reads MNIST test through the app's
preprocessing; NumPy and PIL hold the GIL for most of that work, so threads do not help, processes
do. Workers are forked: they start at once and share the parent's memory, and the functions run
here never touch TensorFlow, whose threads a fork does not copy. Where fork is not available
(Windows, and macOS, where it is unsafe) the work runs in this process, with the same results.
"""

import math
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context

# Below this many items a pool's start-up (about 0.1 s) costs more than it saves.
MIN_PARALLEL_ITEMS = 200
# Chunks per worker: enough to even out chunks that take longer, few enough to keep the overhead small.
CHUNKS_PER_WORKER = 8


def usable_cores():
    """How many cores this process may run on (its CPU affinity where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def map_in_processes(function, items, workers=None):
    """[function(item) for item in items], computed in `workers` processes (default: every usable core).

    `function` must be a module-level function (workers find it by name) without side effects.
    If the pool cannot start or a worker dies (out of memory, killed), the work is done here instead.
    """
    items = list(items)
    workers = min(workers or usable_cores(), max(1, len(items) // (MIN_PARALLEL_ITEMS // 2)))
    if workers < 2 or len(items) < MIN_PARALLEL_ITEMS or not sys.platform.startswith("linux"):
        return [function(item) for item in items]
    chunk = math.ceil(len(items) / (workers * CHUNKS_PER_WORKER))
    try:
        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            return list(pool.map(function, items, chunksize=chunk))
    except (OSError, BrokenProcessPool):
        return [function(item) for item in items]
