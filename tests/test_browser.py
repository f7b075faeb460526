"""The page in a real Chromium: digits drawn with a mouse and with a finger come back as those digits.

Chromium renders the sketchpad's WebGL in software here, so each drawing takes seconds: a few
digits, each checked through what the page shows, never through fixed sleeps.
"""

import re
from contextlib import contextmanager

import numpy as np
import pytest
from playwright.sync_api import expect

from benchmarks.browser import (
    BRUSH,
    CANVAS,
    CLEAR,
    PREVIEW_IMAGE,
    TOP_LABEL,
    ZOOM,
    draw_with_finger,
    draw_with_mouse,
    drawing_area,
    log_tail,
    open_app,
    running_app,
)
from lenet.config import IMAGE_SIZE
from lenet.reader import PREVIEW_GAP, PREVIEW_SCALE, PROMPT
from tests.paper_photos import jpeg_file, paper_photo

pytestmark = pytest.mark.browser

# ms: exporting the canvas in software-rendered WebGL alone takes about a second.
ANSWER_TIMEOUT = 20_000
SELECTED = re.compile(r"\bhighlight\b")
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
READOUT_DIGITS = "#digit-readout .digit"
READOUT_PROBABILITIES = "#digit-readout .probability"
TOOLS = "#sketchpad .toolbar-wrap"  # The brush and eraser.
PHOTO_FILE = "#photo input[type=file]"
INSIDE_PICTURES = "#look-inside img"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """(URL, log path) of `python demo.py` running for this module; fails with its log if it will not start."""
    log = tmp_path_factory.mktemp("app") / "demo.log"
    with running_app(log) as url:
        yield url, log


@contextmanager
def failures_explained(page, folder, log):
    """On any failure, screenshot the page and name every screenshot and the app's log in the message."""
    try:
        yield
    except Exception as error:
        page.screenshot(path=folder / "failure.png")
        shots = "\n".join(f"  {path}" for path in sorted(folder.glob("*.png")))
        raise AssertionError(f"{error}\nscreenshots:\n{shots}\nend of {log}:\n{log_tail(log)}") from error
    finally:
        page.context.close()


def test_mouse_drawings_are_read_and_cleared(chromium, app, tmp_path):
    url, log = app
    page = open_app(chromium, url, viewport={"width": 1280, "height": 800})
    top_label, preview = page.locator(TOP_LABEL), page.locator(PREVIEW_IMAGE)
    with failures_explained(page, tmp_path, log):
        # No tool button is touched in this test: the page itself keeps the brush selected.
        expect(page.locator(BRUSH)).to_have_class(SELECTED)
        for digit in ("1", "0", "7"):
            draw_with_mouse(page, digit)
            expect(top_label).to_have_text(digit, timeout=ANSWER_TIMEOUT)
            expect(preview).to_have_js_property("naturalWidth", IMAGE_SIZE * PREVIEW_SCALE, timeout=ANSWER_TIMEOUT)
            page.screenshot(path=tmp_path / f"mouse-{digit}-read.png")

            page.locator(CLEAR).click()
            expect(top_label).to_have_text(PROMPT, timeout=ANSWER_TIMEOUT)
            expect(preview).to_have_count(0)
            # Gradio's "Clear canvas" deselects the brush; the next digit is drawn without reselecting it.
            expect(page.locator(BRUSH)).to_have_class(SELECTED)
            page.screenshot(path=tmp_path / f"mouse-{digit}-cleared.png")


def test_clear_right_after_a_stroke_leaves_the_prompt_not_an_old_answer(chromium, app, tmp_path):
    url, log = app
    page = open_app(chromium, url, viewport={"width": 1280, "height": 800})
    top_label, readout = page.locator(TOP_LABEL), page.locator(READOUT_DIGITS)
    with failures_explained(page, tmp_path, log):
        draw_with_mouse(page, "7")
        expect(top_label).to_have_text("7", timeout=ANSWER_TIMEOUT)
        page.locator(CLEAR).click()
        expect(top_label).to_have_text(PROMPT, timeout=ANSWER_TIMEOUT)
        for attempt in range(3):
            # Cleared before the stroke's canvas export can have reached the server.
            draw_with_mouse(page, "1")
            page.locator(CLEAR).click()
            expect(top_label).to_have_text(PROMPT, timeout=ANSWER_TIMEOUT)
            # Long enough for a late export and its answer to land: the prompt stays.
            page.wait_for_timeout(3000)
            expect(top_label).to_have_text(PROMPT)
            expect(readout).to_have_count(0)
            expect(page.locator(PREVIEW_IMAGE)).to_have_count(0)
            page.screenshot(path=tmp_path / f"cleared-{attempt}.png")


def test_a_number_drawn_with_the_mouse_is_read_digit_by_digit(chromium, app, tmp_path):
    url, log = app
    page = open_app(chromium, url, viewport={"width": 1280, "height": 800})
    top_label, preview = page.locator(TOP_LABEL), page.locator(PREVIEW_IMAGE)
    with failures_explained(page, tmp_path, log):
        zoom_at_load = page.locator(ZOOM).inner_text()
        for attempt in ("first", "after-clear"):
            draw_with_mouse(page, "170")
            expect(top_label).to_have_text("170", timeout=ANSWER_TIMEOUT)
            # Each digit with its probability, and one 28x28 input per digit side by side.
            expect(page.locator(READOUT_DIGITS)).to_have_text(["1", "7", "0"], timeout=ANSWER_TIMEOUT)
            expect(page.locator(READOUT_PROBABILITIES)).to_have_text([re.compile(r"^\d{1,3}%$")] * 3)
            tile = IMAGE_SIZE * PREVIEW_SCALE
            expect(preview).to_have_js_property("naturalWidth", 3 * tile + 2 * PREVIEW_GAP, timeout=ANSWER_TIMEOUT)
            page.screenshot(path=tmp_path / f"mouse-number-read-{attempt}.png")
            page.locator(CLEAR).click()
            expect(top_label).to_have_text(PROMPT, timeout=ANSWER_TIMEOUT)
            expect(page.locator(READOUT_DIGITS)).to_have_count(0)
            # Gradio's Clear resets the zoom to 100 %, shrinking the drawing area inside its frame on a
            # laptop; the page fits it again, so the next number has the room the first one had.
            expect(page.locator(ZOOM)).to_have_text(zoom_at_load)


def test_finger_drawings_are_read_on_a_phone(chromium, app, tmp_path):
    url, log = app
    page = open_app(chromium, url, **PHONE)
    top_label = page.locator(TOP_LABEL)
    with failures_explained(page, tmp_path, log):
        expect(page.locator(BRUSH)).to_have_class(SELECTED)
        canvas = page.locator(CANVAS).bounding_box()
        width, height = PHONE["viewport"]["width"], PHONE["viewport"]["height"]
        assert canvas["width"] >= 0.9 * width, f"the canvas is {canvas['width']} px wide on a {width} px screen"
        assert canvas["y"] + canvas["height"] <= height, f"the canvas ({canvas}) runs off a {height} px screen"

        for digit in ("7", "0"):
            # The drawing area fills its frame's width, and no tool lies over it (also after Clear).
            expect(page.locator(ZOOM)).not_to_have_text("100%")
            page.wait_for_timeout(500)  # The page's own zoom steps take a few frames.
            area, tools = drawing_area(page), page.locator(TOOLS).bounding_box()
            assert area["width"] >= 0.95 * canvas["width"], f"a {area['width']:.0f} px area in a {canvas['width']} px frame"
            assert not _overlap(area, tools), f"the tools {tools} lie over the drawing area {area}"
            scrolled = page.evaluate("window.scrollY")
            draw_with_finger(page, digit)
            expect(top_label).to_have_text(digit, timeout=ANSWER_TIMEOUT)
            # The answer shows right below the canvas, and the finger drew instead of scrolling.
            expect(top_label).to_be_in_viewport()
            assert page.evaluate("window.scrollY") == scrolled, "drawing with a finger scrolled the page"
            page.screenshot(path=tmp_path / f"phone-{digit}-read.png")
            page.locator(CLEAR).tap()
            expect(top_label).to_have_text(PROMPT, timeout=ANSWER_TIMEOUT)


@pytest.mark.parametrize("device", ["laptop", "phone"])
def test_a_photo_of_paper_is_read_like_a_drawing(chromium, app, tmp_path, device):
    url, log = app
    options = PHONE if device == "phone" else {"viewport": {"width": 1280, "height": 800}}
    page = open_app(chromium, url, **options)
    top_label, readout = page.locator(TOP_LABEL), page.locator(READOUT_DIGITS)
    # Photographed with the phone turned, unevenly lit; then a number scanned on white.
    turned = jpeg_file(paper_photo("7", (4000, 3000), gradient=0.5), tmp_path / "seven.jpg", orientation=6)
    number = tmp_path / "number.jpg"
    jpeg_file(np.concatenate([paper_photo(digit, (300, 450)) for digit in "40"], axis=1), number)
    with failures_explained(page, tmp_path, log):
        page.get_by_role("tab", name="Photo of paper").click()
        page.locator(PHOTO_FILE).set_input_files(str(turned))
        expect(top_label).to_have_text("7", timeout=ANSWER_TIMEOUT)
        expect(readout).to_have_text(["7"])
        expect(page.locator(PREVIEW_IMAGE)).to_have_js_property("naturalWidth", IMAGE_SIZE * PREVIEW_SCALE)
        page.screenshot(path=tmp_path / f"{device}-photo-read.png", full_page=True)
        page.locator(PHOTO_FILE).set_input_files(str(number))
        expect(top_label).to_have_text("40", timeout=ANSWER_TIMEOUT)
        expect(readout).to_have_text(["4", "0"])
        if device == "laptop":
            # "Look inside" explains the photo's reading: its six pictures arrive.
            page.locator("#look-inside").get_by_text("Look inside").click()
            expect(page.locator(INSIDE_PICTURES)).to_have_count(6, timeout=ANSWER_TIMEOUT)
        page.screenshot(path=tmp_path / f"{device}-photo-number-read.png", full_page=True)


def _overlap(a, b):
    """Whether two {x, y, width, height} boxes overlap."""
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])
