"""Soak: drive /predict for minutes at the queue's concurrency with good and bad payloads.

Starts the app in its own process (demo.py's Blocks plus a hidden no-op endpoint of the same
shape, as in bench_api.py) with Gradio's cache in a fresh folder, then keeps `--clients` clients
busy: every good payload is a freshly drawn digit (so every upload is a new file in the cache),
the bad ones are the kinds a public Space receives. Prints, per time window, requests, unexpected
outcomes, latency p50/p99, the server's RSS and the files in Gradio's cache; then RSS at start and
end, and the server's CPU time per /predict next to per no-op request (same payloads, alternating
blocks, so the difference is the app's own work).

    python -m benchmarks.bench_soak [--minutes 10] [--clients 4] [--window 60]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from gradio_client import Client, handle_file
from PIL import Image

from benchmarks.drawing import STROKES, draw_strokes
from deploy.replicas import cpu_seconds, free_port, resident_mb, wait_until_answering
from lenet.config import PROJECT_ROOT

PROMPT = "Draw a digit"  # lenet.reader.PROMPT, without importing the app here.
ANSWER_WITHIN_SECONDS = 60


# --- The server ----------------------------------------------------------------------------------


def serve(port):
    """Run demo.py's app with a no-op /noop endpoint on `port` until killed (the server process)."""
    import gradio as gr

    import demo as app
    from benchmarks.drawing import sketchpad

    fixed = app.reader.read(sketchpad(draw_strokes(STROKES["7"], canvas=400, brush=9)))
    fixed_outputs = (fixed.confidences(), fixed.preview())
    with app.demo:
        trigger = gr.Button(visible=False)
        trigger.click(lambda drawing: fixed_outputs, inputs=app.sketchpad, outputs=[app.label, app.preview],
                      api_name="noop")
    app.demo.launch(server_name="127.0.0.1", server_port=port, css_paths=[app.WEB / "app.css"])


class Server:
    """The app in a child process, with its own Gradio cache folder; RSS and CPU read from /proc."""

    def __init__(self, cache_dir):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.cache_dir = cache_dir
        self.log_path = cache_dir.parent / "server.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.bench_soak", "--serve", str(self.port)], cwd=PROJECT_ROOT,
                stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "GRADIO_TEMP_DIR": str(cache_dir), "GRADIO_ANALYTICS_ENABLED": "False"},
            )

    def rss_mb(self):
        return resident_mb(self.process.pid)

    def cpu_seconds(self):
        return cpu_seconds(self.process.pid)

    def cache_files(self):
        """(number of files in Gradio's cache, age in seconds of the oldest)."""
        files = [path for path in self.cache_dir.rglob("*") if path.is_file()]
        if not files:
            return 0, 0.0
        return len(files), time.time() - min(path.stat().st_ctime for path in files)  # As Gradio ages them.

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- Payloads ------------------------------------------------------------------------------------


def layer_value(path):
    return {"background": None, "layers": [handle_file(str(path))], "composite": None}


def bad_payloads(folder):
    """{name: (sketchpad value of files, what must come back)}: a label, or an error message part."""
    seven = folder / "seven.png"
    Image.fromarray(_layer(draw_strokes(STROKES["7"], canvas=400, brush=9))).save(seven)
    (folder / "text.png").write_bytes(b"this is text, not a PNG")
    (folder / "truncated.png").write_bytes(seven.read_bytes()[: seven.stat().st_size // 2])
    (folder / "empty.png").write_bytes(b"")
    Image.new("L", (8000, 8000), 255).save(folder / "huge.png")
    Image.new("RGBA", (400, 400)).save(folder / "blank.png")
    Image.new("RGBA", (3, 4096)).save(folder / "sliver.png")
    line = np.zeros((3, 4000, 4), np.uint8)
    line[1, 100:3900, 3] = 255
    Image.fromarray(line).save(folder / "line.png")
    dot = Image.new("RGBA", (400, 400))
    dot.paste((0, 0, 0, 255), (195, 195, 205, 205))
    dot.save(folder / "dot.png")
    expected = {
        "text named .png": ("text.png", "not an image that can be read"),
        "truncated PNG": ("truncated.png", "damaged"),
        "empty file": ("empty.png", "not an image that can be read"),
        "8000x8000": ("huge.png", "the limit is 4096"),
        "blank canvas": ("blank.png", PROMPT),
        "4096x3 blank": ("sliver.png", PROMPT),
        "3x4000 line": ("line.png", None),  # Any answer, as long as it is one.
        "a dot": ("dot.png", PROMPT),
    }
    return {name: (layer_value(folder / file), outcome) for name, (file, outcome) in expected.items()}


def _layer(alpha):
    """Brush alpha (H, W) -> the RGBA layer the sketchpad sends: black ink in the alpha."""
    layer = np.zeros((*alpha.shape, 4), np.uint8)
    layer[:, :, 3] = alpha
    return layer


def fresh_digit(folder, rng):
    """(sketchpad value of a newly drawn digit's file, the digit): a new upload every time."""
    digit = str(rng.choice(sorted(STROKES)))
    height = rng.uniform(0.4, 0.8)
    box = (rng.uniform(0.05, 0.95 - 0.7 * height), rng.uniform(0.05, 0.95 - height), 0.7 * height, height)
    path = folder / f"{rng.integers(1 << 62):x}.png"
    Image.fromarray(_layer(draw_strokes(STROKES[digit], canvas=400, brush=rng.uniform(6, 14), box=box))).save(path)
    return layer_value(path), digit, path


# --- Clients -------------------------------------------------------------------------------------


class Results:
    """Every request's (end time, latency s, endpoint, outcome); outcome is "ok", "wrong" or a problem."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows = []

    def add(self, *row):
        with self.lock:
            self.rows.append(row)


def judge(call, expected):
    """Run `call`; -> "ok", "wrong" (a readable digit misread) or a description of what went wrong."""
    try:
        label, _ = call()
    except Exception as error:  # Judged below: an expected message is fine, anything else is counted.
        if isinstance(expected, str) and expected != PROMPT and expected in str(error):
            return "ok"
        return f"{type(error).__name__}: {str(error)[:200]}"
    answer = label.get("label")
    if expected is None or answer == expected:
        return "ok"
    if expected in STROKES and answer in set("0123456789"):
        return "wrong"
    return f"answered {answer!r}, expected {expected!r}"


def drive(url, endpoint, stop, results, folder, seed, bad=None, bad_share=0.0, count=None):
    """One client: send payloads until `stop` is set (or `count` requests are done)."""
    client = Client(url, verbose=False)
    rng = np.random.default_rng(seed)
    names = sorted(bad or {})
    done = 0
    while not stop.is_set() and (count is None or done < count):
        path = None
        if names and rng.random() < bad_share:
            value, expected = bad[names[rng.integers(len(names))]]
        else:
            value, expected, path = fresh_digit(folder, rng)
        started = time.perf_counter()
        job = client.submit(value, api_name=endpoint)
        outcome = judge(lambda: job.result(timeout=ANSWER_WITHIN_SECONDS), expected)
        results.add(time.perf_counter(), time.perf_counter() - started, endpoint, outcome)
        if path is not None:
            path.unlink()
        done += 1


def run_clients(clients, **drive_arguments):
    """Run `clients` drive() threads; returns the stop event and the threads (already started)."""
    stop = threading.Event()
    threads = [threading.Thread(target=drive, kwargs=dict(stop=stop, seed=seed, **drive_arguments))
               for seed in range(clients)]
    for thread in threads:
        thread.start()
    return stop, threads


# --- Measurements --------------------------------------------------------------------------------


def soak(server, args, folder, bad):
    """Drive /predict for args.minutes; print a line per window; return the results."""
    results = Results()
    stop, threads = run_clients(args.clients, url=server.url, endpoint="/predict", results=results,
                                folder=folder, bad=bad, bad_share=args.bad_share)
    started = time.perf_counter()
    print(f"{'minute':>6} {'requests':>8} {'unexpected':>10} {'misread':>7} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'RSS MB':>7} {'cache files':>11} {'oldest s':>8}")
    window_start = started
    try:
        while window_start - started < args.minutes * 60 - 1e-6:
            window_end = min(window_start + args.window, started + args.minutes * 60)
            time.sleep(max(0.0, window_end - time.perf_counter()))
            rows = [row for row in list(results.rows) if window_start <= row[0] < window_end]
            print_window((window_end - started) / 60, rows, server)
            window_start = window_end
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    return results, time.perf_counter() - started


def print_window(minute, rows, server):
    latencies = np.array([row[1] for row in rows]) * 1000
    unexpected = sum(row[3] not in ("ok", "wrong") for row in rows)
    misread = sum(row[3] == "wrong" for row in rows)
    p50, p99 = np.percentile(latencies, [50, 99]) if len(latencies) else (float("nan"),) * 2
    files, oldest = server.cache_files()
    print(f"{minute:6.1f} {len(rows):8d} {unexpected:10d} {misread:7d} {p50:7.0f} {p99:7.0f} "
          f"{server.rss_mb():7.1f} {files:11d} {oldest:8.0f}", flush=True)


def cpu_per_request(server, args, folder):
    """{endpoint: server CPU ms per request}, from alternating blocks of good payloads."""
    spent = {"/predict": [], "/noop": []}
    for _ in range(args.cpu_rounds):
        for endpoint in spent:
            results = Results()
            per_client = args.cpu_requests // args.clients
            before = server.cpu_seconds()
            _, threads = run_clients(args.clients, url=server.url, endpoint=endpoint, results=results,
                                     folder=folder, count=per_client)
            for thread in threads:
                thread.join()
            spent[endpoint].append((server.cpu_seconds() - before) * 1000 / len(results.rows))
    return {endpoint: float(np.median(values)) for endpoint, values in spent.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10, help="length of the soak (default: 10)")
    parser.add_argument("--clients", type=int, default=4,
                        help="concurrent clients; the queue runs 4 at a time (default: 4)")
    parser.add_argument("--window", type=float, default=60, help="seconds per reported window (default: 60)")
    parser.add_argument("--bad-share", type=float, default=0.3,
                        help="share of bad payloads (default: 0.3)")
    parser.add_argument("--cpu-requests", type=int, default=200,
                        help="requests per block when measuring CPU per request (default: 200)")
    parser.add_argument("--cpu-rounds", type=int, default=2,
                        help="alternating /predict and no-op blocks (default: 2)")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve)

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        (scratch / "cache").mkdir()
        (scratch / "uploads").mkdir()
        server = Server(scratch / "cache")
        try:
            wait_until_answering(server.url, server.process, server.log_path)
            bad = bad_payloads(scratch / "uploads")
            warm_up = Results()
            _, threads = run_clients(args.clients, url=server.url, endpoint="/predict", results=warm_up,
                                     folder=scratch / "uploads", count=10)
            for thread in threads:
                thread.join()
            rss_start = server.rss_mb()
            results, elapsed = soak(server, args, scratch / "uploads", bad)
            rss_end = server.rss_mb()
            cpu = cpu_per_request(server, args, scratch / "uploads")
            alive = server.process.poll() is None
        finally:
            server.stop()

    rows = results.rows
    problems = [row[3] for row in rows if row[3] not in ("ok", "wrong")]
    latencies = np.array([row[1] for row in rows]) * 1000
    print(f"\n{len(rows)} requests in {elapsed / 60:.1f} min ({len(rows) / elapsed:.1f}/s, {args.clients} clients, "
          f"{args.bad_share:.0%} bad payloads): {len(problems)} unexpected outcomes, "
          f"{sum(row[3] == 'wrong' for row in rows)} good drawings misread; server {'up' if alive else 'DOWN'}")
    print(f"latency over the whole soak: p50 {np.percentile(latencies, 50):.0f} ms, "
          f"p99 {np.percentile(latencies, 99):.0f} ms")
    print(f"server RSS: {rss_start:.1f} MB at start, {rss_end:.1f} MB at end ({rss_end / rss_start - 1:+.1%})")
    print(f"server CPU per request: /predict {cpu['/predict']:.1f} ms, no-op {cpu['/noop']:.1f} ms "
          f"(ratio {cpu['/predict'] / cpu['/noop']:.2f}; median of {args.cpu_rounds} blocks of "
          f"{args.cpu_requests // args.clients * args.clients})")
    for problem in sorted(set(problems))[:10]:
        print(f"  unexpected: {problem} (x{problems.count(problem)})")


if __name__ == "__main__":
    main()
