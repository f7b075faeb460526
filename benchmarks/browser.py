"""Drive the app in a real Chromium: start `python demo.py`, open its page, draw digits like a person.

Shared by tests/test_browser.py and benchmarks/bench_browser.py. The digits are the unit-square
polylines of benchmarks/drawing.py, scaled onto the sketchpad's canvas on the page.
"""

import math
import shutil
from contextlib import contextmanager
from pathlib import Path

from benchmarks.drawing import STROKES

# free_port and log_tail are imported from here by the tests and benchmarks too.
from deploy.replicas import Replica, free_port, log_tail  # noqa: F401
from lenet.config import CANVAS_SIZE

# Debian's Chromium: Playwright's own browser download is not used (it is blocked here).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]

# The page, as the user sees it. Gradio stacks two canvases; the first one is drawn on.
CANVAS = "#sketchpad canvas >> nth=0"
BRUSH = '#sketchpad button[aria-label="Brush"]'
CLEAR = '#sketchpad button[aria-label="Clear canvas"]'
TOP_LABEL = '#probabilities [data-testid="label-output-value"]'
PREVIEW_IMAGE = "#model-input img"
ZOOM = "#sketchpad .zoom-number [role=button]"  # The zoom shown over the canvas, e.g. "137%".

# A digit is drawn this tall, as a fraction of the drawing area's height: big like a real drawing.
DIGIT_HEIGHT = 0.7
DIGIT_ASPECT = 0.7  # width / height, about the default box of benchmarks/drawing.py.
# A number's digits stand this far apart (in digit heights, as people write them); the row fills at
# most NUMBER_WIDTH of the drawing area's width (clear of the toolbar over its left edge on a phone),
# the digits shrinking if it must.
NUMBER_GAP = 0.3
NUMBER_WIDTH = 0.75
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
def running_app(log_path, timeout=60, environment=None, command=None):
    """Run `python demo.py` (or another page's `command`) on a free localhost port; yield its URL once
    the page answers.

    Its stdout and stderr go to `log_path`; `environment` adds variables. Raises RuntimeError (with the log's end) when the app
    exits or does not answer within `timeout` seconds.
    """
    app = Replica("demo", free_port(), log_path, command=command)
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


def number_paths(page, text, strokes=STROKES):
    """`text`'s digits from `strokes` -> one list of (x, y) page pixels per stroke, in a row
    centred on the drawing area (a single digit: centred alone)."""
    box = drawing_area(page)
    height = DIGIT_HEIGHT * box["height"]
    row = (len(text) * DIGIT_ASPECT + (len(text) - 1) * NUMBER_GAP) * height
    if row > NUMBER_WIDTH * box["width"]:
        height *= NUMBER_WIDTH * box["width"] / row
        row = NUMBER_WIDTH * box["width"]
    width = DIGIT_ASPECT * height
    top = box["y"] + (box["height"] - height) / 2
    paths = []
    for position, digit in enumerate(text):
        left = box["x"] + (box["width"] - row) / 2 + position * (width + NUMBER_GAP * height)
        paths += [_in_steps([(left + x * width, top + y * height) for x, y in stroke], STEP * height)
                  for stroke in strokes[digit]]
    return paths


def drawing_area(page):
    """The white drawing area on the page, {x, y, width, height} in page pixels: the canvas at the
    zoom the page shows, centred in its frame."""
    element = page.locator(CANVAS).bounding_box()
    scale = int(page.locator(ZOOM).inner_text().strip().rstrip("%")) / 100
    width, height = scale * CANVAS_SIZE[0], scale * CANVAS_SIZE[1]
    return {"x": element["x"] + (element["width"] - width) / 2, "y": element["y"] + (element["height"] - height) / 2,
            "width": width, "height": height}


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


def draw_with_mouse(page, text, strokes=STROKES):
    """Draw `text` (a digit or a number) with the mouse: press, move, release, one stroke after another."""
    for path in number_paths(page, text, strokes):
        page.mouse.move(*path[0])
        page.mouse.down()
        for point in path[1:]:
            page.mouse.move(*point)
        page.mouse.up()


def draw_with_finger(page, text, strokes=STROKES):
    """Draw STROKES[digit] with one finger: touch events through Chromium's own input pipeline.

    Chromium turns them into what a phone sends (pointerover, pointerdown with pointerType "touch",
    touchstart, ...), and scrolls the page if the touched element allows it.
    """
    session = page.context.new_cdp_session(page)
    try:
        for path in number_paths(page, text, strokes):
            _touch(session, "touchStart", path[0])
            for point in path[1:]:
                _touch(session, "touchMove", point)
            _touch(session, "touchEnd", None)
    finally:
        session.detach()


def _touch(session, kind, point):
    points = [] if point is None else [{"x": point[0], "y": point[1]}]
    session.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})
