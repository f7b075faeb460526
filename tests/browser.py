"""Drive the app in a real Chromium: start `python demo.py`, open its page, draw digits like a person.

Shared by tests/test_browser.py and benchmarks/bench_browser.py. The digits are the unit-square
polylines of tests/drawing.py, scaled onto the sketchpad's canvas on the page.
"""

import math
import shutil
from contextlib import contextmanager
from pathlib import Path

# free_port and log_tail are imported from here by the tests and benchmarks too.
from deploy.replicas import Replica, free_port, log_tail  # noqa: F401
from drawing import STROKES

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


@contextmanager
def running_app(log_path, timeout=60, environment=None):
    """Run `python demo.py` on a free localhost port; yield its URL once the page answers.

    Its stdout and stderr go to `log_path`; `environment` adds variables. Raises RuntimeError (with the log's end) when the app
    exits or does not answer within `timeout` seconds.
    """
    app = Replica("demo", free_port(), log_path)
    app.env.update(environment or {})
    try:
        app.start(timeout)
        yield app.url
    finally:
        app.stop()


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
