"""Small helpers shared by the benchmark scripts: repeat a call and summarize its latency."""

import time

import numpy as np


def measure(call, repeats, warmup=20):
    """Run `call` warmup + repeats times; return the latencies of the timed runs in milliseconds."""
    for _ in range(warmup):
        call()
    latencies = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        latencies.append((time.perf_counter() - started) * 1000)
    return np.array(latencies)


def summary(latencies_ms):
    """'p50 x ms, p99 y ms' for an array of milliseconds."""
    p50, p99 = np.percentile(latencies_ms, [50, 99])
    return f"p50 {p50:.3f} ms, p99 {p99:.3f} ms"
