"""Load: C concurrent gradio_client clients x R requests against a freshly started `python demo.py`.

Each client sends the same few drawings over and over and checks it always gets the same answer.
Prints errors, latency p50/p99 and throughput. With --url it loads an app that is already running
instead, e.g. HAProxy in front of replicas (benchmarks/bench_replicas.py does that for 1-3 replicas).

    python -m benchmarks.bench_load [--clients 16] [--requests 25] [--url http://127.0.0.1:8080/]
"""

import argparse
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from gradio_client import Client

from benchmarks.drawing import drawings_as_files
from deploy.replicas import Replica, free_port


@dataclass
class Load:
    """What the clients of one load run saw: (digit, label, top confidence, seconds) per answer."""
    clients: int
    requests: int
    answers: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    elapsed: float = 0.0


def run_client(url, values, load):
    client = Client(url, verbose=False)
    digits = sorted(values)
    for number in range(load.requests):
        digit = digits[number % len(digits)]
        started = time.perf_counter()
        try:
            label, _ = client.predict(values[digit], api_name="/predict")
        except Exception as error:  # Counted and shown, never fatal: this is a load test.
            load.errors.append(repr(error))
            continue
        load.answers.append((digit, label["label"], label["confidences"][0]["confidence"],
                             time.perf_counter() - started))


def run_load(url, values, clients, requests):
    """`clients` threads, each its own Client sending `requests` drawings in turn -> Load."""
    load = Load(clients, requests)
    threads = [threading.Thread(target=run_client, args=(url, values, load)) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.elapsed = time.perf_counter() - started
    return load


def summarize(load):
    """The load's figures as printable lines."""
    lines = [f"{load.clients} clients x {load.requests} requests: {len(load.answers)} answers, "
             f"{len(load.errors)} errors"]
    latencies = np.array([answer[3] for answer in load.answers]) * 1000
    if len(latencies):
        p50, p99 = np.percentile(latencies, [50, 99])
        lines.append(f"latency p50 {p50:.0f} ms, p99 {p99:.0f} ms; "
                     f"throughput {len(load.answers) / load.elapsed:.1f} requests/s")
    answers = {}
    for digit, label, confidence, _ in load.answers:
        answers.setdefault(digit, set()).add((label, round(confidence, 6)))
    inconsistent = {d: a for d, a in answers.items() if len(a) > 1}
    wrong = {d: a for d, a in answers.items() if any(label != d for label, _ in a)}
    lines.append(f"same answer for the same drawing every time: {'yes' if not inconsistent else inconsistent}")
    lines.append(f"every answer right: {'yes' if not wrong else wrong}")
    lines += [f"  error: {error}" for error in load.errors[:5]]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default: 16)")
    parser.add_argument("--requests", type=int, default=25, help="requests per client (default: 25)")
    parser.add_argument("--url", help="load this running app instead of starting one (default: start one)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        values = drawings_as_files(folder)
        if args.url:
            load, alive = run_load(args.url, values, args.clients, args.requests), True
        else:
            app = Replica("app", free_port(), Path(folder) / "demo.log")
            try:
                app.start()
                load = run_load(app.url, values, args.clients, args.requests)
                alive = app.is_running()
            finally:
                app.stop()
    print("\n".join(summarize(load)))
    print(f"server {'still up' if alive else 'DOWN'}")


if __name__ == "__main__":
    main()
