"""Process start -> first answer, and memory once up: the app against a plain sketchpad page.

    python -m benchmarks.bench_startup [--runs 3]

Launches `python demo.py` and `python -m benchmarks.floor_page` (the same sketchpad, a constant
answer) in turn, calls /predict with a drawn 7 until it answers, then reads the process's resident
memory. The two alternate, so both see the same load on the machine; the ratios are what the app
adds to Gradio's own cost. LENET_RUNTIME in the environment chooses the app's runtime as usual.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gradio_client import Client, handle_file
from PIL import Image

from benchmarks.drawing import STROKES, draw_strokes, sketchpad
from deploy.replicas import free_port, resident_mb
from lenet.config import PROJECT_ROOT

PAGES = {"app": [sys.executable, "demo.py"], "plain sketchpad": [sys.executable, "-m", "benchmarks.floor_page"]}


def seven_as_files(folder):
    value = sketchpad(draw_strokes(STROKES["7"]))
    paths = {}
    for name in ("background", "composite"):
        paths[name] = folder / f"{name}.png"
        Image.fromarray(value[name]).save(paths[name])
    layer = folder / "layer.png"
    Image.fromarray(value["layers"][0]).save(layer)
    return {"background": handle_file(str(paths["background"])), "layers": [handle_file(str(layer))],
            "composite": handle_file(str(paths["composite"]))}


def one_run(command, value, timeout=120):
    """(seconds from start to the first answer, resident MB then) of one launch of `command`."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1"},
    )
    try:
        while time.perf_counter() - started < timeout:
            try:
                label, _ = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(value, api_name="/predict")
                assert label["label"] == "7", label
                return time.perf_counter() - started, resident_mb(process.pid)
            except (ConnectionError, OSError, ValueError) as error:
                if process.poll() is not None:
                    raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}") from error
                time.sleep(0.05)
            except Exception as error:  # httpx raises its own types while the port is still closed.
                if "connect" not in str(error).lower() and "Could not fetch config" not in str(error):
                    raise
                time.sleep(0.05)
        raise TimeoutError(f"no answer within {timeout} s")
    finally:
        process.terminate()
        process.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="launches of each page, alternating (default: 3)")
    args = parser.parse_args()
    results = {name: [] for name in PAGES}
    with tempfile.TemporaryDirectory() as folder:
        value = seven_as_files(Path(folder))
        for _ in range(args.runs):
            for name, command in PAGES.items():
                results[name].append(one_run(command, value))
    runtime = os.environ.get("LENET_RUNTIME") or "default"
    print(f"process start -> first /predict answer, and resident memory then; {args.runs} launches each, "
          f"alternating (app runtime: {runtime}):")
    medians = {}
    for name, runs in results.items():
        seconds, memory = zip(*runs)
        medians[name] = statistics.median(seconds), statistics.median(memory)
        print(f"  {name:<16}: {', '.join(f'{s:.2f}' for s in seconds)} s (median {medians[name][0]:.2f} s); "
              f"{', '.join(f'{m:.0f}' for m in memory)} MB (median {medians[name][1]:.0f} MB)")
    (app_s, app_mb), (floor_s, floor_mb) = medians["app"], medians["plain sketchpad"]
    print(f"  app / plain sketchpad: start -> first answer {app_s / floor_s:.2f}x, memory {app_mb / floor_mb:.2f}x")


if __name__ == "__main__":
    main()
