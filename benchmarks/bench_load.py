"""Load: C concurrent gradio_client clients x R requests against a freshly started `python demo.py`.

Each client sends the same few drawings over and over and checks it always gets the same answer.
Prints errors, latency p50/p99 and throughput.

    python benchmarks/bench_load.py [--clients 16] [--requests 25]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
from gradio_client import Client, handle_file  # noqa: E402
from PIL import Image  # noqa: E402

from browser import free_port  # noqa: E402
from drawing import STROKES, draw_strokes, sketchpad  # noqa: E402


def drawings_as_files(folder):
    """{digit: sketchpad value of files} for every digit tests/drawing.py can draw."""
    values = {}
    for digit, strokes in STROKES.items():
        layer = sketchpad(draw_strokes(strokes, brush=28))["layers"][0]
        path = folder / f"{digit}.png"
        Image.fromarray(layer).save(path)
        values[digit] = {"background": None, "layers": [handle_file(str(path))], "composite": None}
    return values


def wait_until_serving(url, process, timeout=120):
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"demo.py exited with {process.returncode}")
        try:
            return Client(url, verbose=False)
        except Exception:  # Not listening yet.
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def run_client(url, values, requests, results, errors):
    client = Client(url, verbose=False)
    digits = sorted(values)
    for number in range(requests):
        digit = digits[number % len(digits)]
        started = time.perf_counter()
        try:
            label, _ = client.predict(values[digit], api_name="/predict")
        except Exception as error:  # Counted and shown, never fatal: this is a load test.
            errors.append(repr(error))
            continue
        results.append((digit, label["label"], label["confidences"][0]["confidence"],
                        time.perf_counter() - started))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default: 16)")
    parser.add_argument("--requests", type=int, default=25, help="requests per client (default: 25)")
    args = parser.parse_args()

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    process = subprocess.Popen(
        [sys.executable, "demo.py"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1"},
    )
    try:
        wait_until_serving(url, process)
        with tempfile.TemporaryDirectory() as folder:
            values = drawings_as_files(Path(folder))
            results, errors = [], []
            threads = [threading.Thread(target=run_client, args=(url, values, args.requests, results, errors))
                       for _ in range(args.clients)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        alive = process.poll() is None
    finally:
        process.terminate()
        process.wait(timeout=30)

    latencies = np.array([r[3] for r in results]) * 1000
    answers = {}
    for digit, label, confidence, _ in results:
        answers.setdefault(digit, set()).add((label, round(confidence, 6)))
    inconsistent = {d: a for d, a in answers.items() if len(a) > 1}
    wrong = {d: a for d, a in answers.items() if any(label != d for label, _ in a)}
    print(f"{args.clients} clients x {args.requests} requests: {len(results)} answers, {len(errors)} errors, "
          f"server {'still up' if alive else 'DOWN'}")
    if len(latencies):
        p50, p99 = np.percentile(latencies, [50, 99])
        print(f"latency p50 {p50:.0f} ms, p99 {p99:.0f} ms; throughput {len(results) / elapsed:.1f} requests/s")
    print(f"same answer for the same drawing every time: {'yes' if not inconsistent else inconsistent}")
    print(f"every answer right: {'yes' if not wrong else wrong}")
    for error in errors[:5]:
        print(f"  error: {error}")


if __name__ == "__main__":
    main()
