"""API round trip through gradio_client: /predict next to a no-op behind the same sketchpad.

The no-op returns a fixed answer of the same shape (ten confidences and a 224x224 preview), so
both pay the same transport (upload, decoding, queue, encoding the outputs); the ratio shows
what the app's own work (preprocessing + model) adds. Calls alternate, so noise hits both alike.

    python -m benchmarks.bench_api [--calls 200]
"""

import argparse
import tempfile
import time
from pathlib import Path

import gradio as gr
import numpy as np
from gradio_client import Client

import demo as app
from benchmarks.bench_startup import seven_as_files
from benchmarks.browser import free_port
from benchmarks.drawing import STROKES, draw_strokes, sketchpad


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="timed calls per endpoint (default: 200)")
    args = parser.parse_args()

    fixed = app.reader.read(sketchpad(draw_strokes(STROKES["7"])))
    fixed_outputs = (fixed.confidences(), fixed.preview())
    with app.demo:
        noop_trigger = gr.Button(visible=False)
        noop_trigger.click(lambda drawing: fixed_outputs, inputs=app.sketchpad,
                           outputs=[app.label, app.preview], api_name="noop")
    port = free_port()
    app.demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        with tempfile.TemporaryDirectory() as folder:
            value = seven_as_files(Path(folder))
            timings = {"/predict": [], "/noop": []}
            for call in range(args.calls + 10):
                for endpoint in timings:
                    started = time.perf_counter()
                    label, _ = client.predict(value, api_name=endpoint)
                    if call >= 10:  # The first calls warm up connections and caches.
                        timings[endpoint].append((time.perf_counter() - started) * 1000)
                    assert label["label"] == "7"
    finally:
        app.demo.close()

    for endpoint, values in timings.items():
        p50, p99 = np.percentile(values, [50, 99])
        print(f"{endpoint:9} round trip: p50 {p50:.1f} ms, p99 {p99:.1f} ms ({args.calls} calls)")
    ratio = np.median(timings["/predict"]) / np.median(timings["/noop"])
    print(f"ours / no-op (p50): {ratio:.3f}")


if __name__ == "__main__":
    main()
