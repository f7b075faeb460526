"""Process start -> first answer: launch `python demo.py`, call /predict until it answers.

    python -m benchmarks.bench_startup [--runs 3]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gradio_client import Client, handle_file
from PIL import Image

from benchmarks.browser import free_port
from benchmarks.drawing import STROKES, draw_strokes, sketchpad
from lenet.config import PROJECT_ROOT


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


def one_run(value, timeout=120):
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "demo.py"], cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1"},
    )
    try:
        while time.perf_counter() - started < timeout:
            try:
                label, _ = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(value, api_name="/predict")
                assert label["label"] == "7", label
                return time.perf_counter() - started
            except (ConnectionError, OSError, ValueError) as error:
                if process.poll() is not None:
                    raise RuntimeError(f"demo.py exited with {process.returncode}") from error
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
    parser.add_argument("--runs", type=int, default=3, help="launches to time (default: 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        value = seven_as_files(Path(folder))
        seconds = [one_run(value) for _ in range(args.runs)]
    print(f"process start -> first answer: {', '.join(f'{s:.2f}' for s in seconds)} s "
          f"(best {min(seconds):.2f} s, median {sorted(seconds)[len(seconds) // 2]:.2f} s)")


if __name__ == "__main__":
    main()
