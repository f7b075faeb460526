"""What "Look inside" costs: the explanation of an 800x800 drawing, and its effect on /predict.

In process: preprocessing, the model's activations and SmoothGrad gradients, the six pictures,
and the six PNGs the app writes. Through gradio_client: /explain, and /predict on an idle server,
then while another user draws without pause with the section closed (/predict after /predict)
and open (/predict, /explain, as the browser sends them): what the section costs other users.
The drawing user's own answer is not delayed: the browser asks for the explanation after it.

    python -m benchmarks.bench_explain [--repeats 500] [--calls 150]
"""

import argparse
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from gradio_client import Client

import demo as app
from benchmarks.bench_startup import seven_as_files
from benchmarks.browser import free_port
from benchmarks.drawing import STROKES, draw_strokes, sketchpad
from benchmarks.timing import measure, summary
from lenet.explain import pictures
from lenet.preprocess import to_mnist
from lenet.web.components import write_png_atomically


def in_process(repeats):
    seven = sketchpad(draw_strokes(STROKES["7"], brush=36))
    blank = sketchpad(draw_strokes([], brush=36))
    model_input = to_mnist(seven)
    inside = app.explainer.explain(model_input)
    with tempfile.TemporaryDirectory() as folder:
        def as_the_app_does():
            _, *shown = app.explain(seven)
            for picture in shown:
                write_png_atomically(np.asarray(picture), Path(folder))

        print(f"800x800 sketchpad value, {repeats} calls each:")
        print(f"  model: activations + SmoothGrad    : {summary(measure(lambda: app.explainer.explain(model_input), repeats))}")
        print(f"  six pictures (NumPy + PIL)         : {summary(measure(lambda: pictures(inside), repeats))}")
        print(f"  explain: preprocess + both above   : {summary(measure(lambda: app.explain(seven), repeats))}")
        print(f"  explain + six PNGs, as the app does: {summary(measure(as_the_app_does, repeats))}")
        print(f"  explain on a blank canvas          : {summary(measure(lambda: app.explain(blank), repeats))}")


def round_trips(client, value, endpoint, calls):
    """Milliseconds of `calls` round trips to `endpoint`, after 10 to warm up."""
    timings = []
    for call in range(calls + 10):
        started = time.perf_counter()
        client.predict(value, api_name=endpoint)
        if call >= 10:
            timings.append((time.perf_counter() - started) * 1000)
    return np.array(timings)


def while_another_user_draws(url, value, endpoints, measure_predict):
    """Run measure_predict() while a second client calls `endpoints` in turn without pause."""
    stop = threading.Event()

    def draw_nonstop():
        other = Client(url, verbose=False)
        while not stop.is_set():
            for endpoint in endpoints:
                other.predict(value, api_name=endpoint)

    worker = threading.Thread(target=draw_nonstop)
    worker.start()
    try:
        time.sleep(1)  # Let the other client get going.
        return measure_predict()
    finally:
        stop.set()
        worker.join()


def through_the_api(calls):
    port = free_port()
    app.demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        with tempfile.TemporaryDirectory() as folder:
            value = seven_as_files(Path(folder))
            client = Client(url, verbose=False)
            results = {
                "/explain": round_trips(client, value, "/explain", calls),
                "/predict, nobody else drawing": round_trips(client, value, "/predict", calls),
            }
            # What a browser sends per stroke: /predict, then /explain when the section is open.
            for case, endpoints in (("closed", ["/predict"]), ("open", ["/predict", "/explain"])):
                results[f"/predict, another user drawing, section {case}"] = while_another_user_draws(
                    url, value, endpoints, lambda: round_trips(client, value, "/predict", calls))
    finally:
        app.demo.close()

    print(f"\nRound trips through gradio_client, client and server on this machine ({calls} calls each):")
    for case, timings in results.items():
        print(f"  {case:47}: {summary(timings)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=500, help="timed in-process calls per case (default: 500)")
    parser.add_argument("--calls", type=int, default=150, help="timed API calls per case (default: 150)")
    args = parser.parse_args()
    in_process(args.repeats)
    through_the_api(args.calls)


if __name__ == "__main__":
    main()
