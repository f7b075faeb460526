"""Drive the app in a real Chromium: start `python demo.py`, open its page, draw digits like a person.

Shared by tests/test_browser.py and benchmarks/bench_browser.py. The digits are the unit-square
polylines of tests/drawing.py, scaled onto the sketchpad's canvas on the page.
"""

import math
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from drawing import STROKES

ROOT = Path(__file__).resolve().parent.parent
# Debian's Chromium: Playwright's own browser download is not used (it is blocked here).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]

# The page, as the user sees it. Gradio stacks two canvases; the first one is drawn on.
CANVAS = "#sketchpad canvas >> nth=0"
BRUSH = '#sketchpad button[aria-label="Brush"]'
CLEAR = '#sketchpad button[aria-label="Clear canvas"]'
TOP_LABEL = '#probabilities [data-testid="label-output-value"]'
PREVIEW_IMAGE = "#model-input img"

# A digit is drawn this tall, as a fraction of the canvas's shorter side: inside the white drawing
# area at every page size (Gradio fits that area with a 30 px margin), yet big like a real drawing.
DIGIT_HEIGHT = 0.6
DIGIT_ASPECT = 0.7  # width / height, about the default box of tests/drawing.py.
# Pointer moves come about a quarter of the digit's height apart. Every move on the canvas costs
# Chromium a software-rendered WebGL frame (0.2-0.5 s here), so a hand's hundreds would be far too slow.
STEP = 0.25


def chromium_path():
    """The Chromium to drive, or None when this machine has none."""
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


def launch_chromium(playwright):
    """A headless Chromium from `chromium_path()` (software rendering: no GPU here)."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)


def free_port():
    """A localhost port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_app(log_path, timeout=60, environment=None):
    """Run `python demo.py` on a free localhost port; yield its URL once the page answers.

    Its stdout and stderr go to `log_path`; `environment` adds variables. Raises RuntimeError (with the log's end) when the app
    exits or does not answer within `timeout` seconds.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_ANALYTICS_ENABLED": "False", **(environment or {})}
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "demo.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for_page(url, process, timeout, log_path)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_page(url, process, timeout, log_path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"demo.py exited with code {process.returncode}:\n{log_tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # Not listening yet: TensorFlow and Gradio take several seconds to import.
        time.sleep(0.2)
    raise RuntimeError(f"demo.py did not answer at {url} within {timeout} s:\n{log_tail(log_path)}")


def log_tail(log_path, lines=40):
    """The last `lines` lines of the app's log, for failure messages."""
    text = Path(log_path).read_text(errors="replace") if Path(log_path).exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def open_app(browser, url, **context_options):
    """A new page (in its own context, with Playwright's `context_options`) showing the app's canvas."""
    page = browser.new_context(**context_options).new_page()
    page.goto(url)
    page.locator(CANVAS).wait_for()
    return page


def digit_paths(page, digit):
    """STROKES[digit] -> one list of (x, y) page pixels per stroke, centred on the sketchpad canvas."""
    box = page.locator(CANVAS).bounding_box()
    height = DIGIT_HEIGHT * min(box["width"], box["height"])
    width = DIGIT_ASPECT * height
    left = box["x"] + (box["width"] - width) / 2
    top = box["y"] + (box["height"] - height) / 2
    return [_in_steps([(left + x * width, top + y * height) for x, y in stroke], STEP * height)
            for stroke in STROKES[digit]]


def _in_steps(points, step):
    """A polyline with its points about `step` px apart: closer ones dropped, longer segments split."""
    thinned = [points[0]]
    for point in points[1:-1]:
        if math.dist(thinned[-1], point) >= step:
            thinned.append(point)
    thinned.append(points[-1])
    stepped = [thinned[0]]
    for start, end in zip(thinned, thinned[1:]):
        pieces = max(1, round(math.dist(start, end) / step))
        stepped += [(start[0] + (end[0] - start[0]) * i / pieces, start[1] + (end[1] - start[1]) * i / pieces)
                    for i in range(1, pieces + 1)]
    return stepped


def draw_with_mouse(page, digit):
    """Draw STROKES[digit] with the mouse: press, move, release, one stroke after another."""
    for path in digit_paths(page, digit):
        page.mouse.move(*path[0])
        page.mouse.down()
        for point in path[1:]:
            page.mouse.move(*point)
        page.mouse.up()


def draw_with_finger(page, digit):
    """Draw STROKES[digit] with one finger: touch events through Chromium's own input pipeline.

    Chromium turns them into what a phone sends (pointerover, pointerdown with pointerType "touch",
    touchstart, ...), and scrolls the page if the touched element allows it.
    """
    session = page.context.new_cdp_session(page)
    try:
        for path in digit_paths(page, digit):
            _touch(session, "touchStart", path[0])
            for point in path[1:]:
                _touch(session, "touchMove", point)
            _touch(session, "touchEnd", None)
    finally:
        session.detach()


def _touch(session, kind, point):
    points = [] if point is None else [{"x": point[0], "y": point[1]}]
    session.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})
