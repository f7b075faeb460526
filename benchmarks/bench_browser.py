"""Pen up -> answer on the page: draw digits with the mouse in Chromium and time each reading.

    python -m benchmarks.bench_browser [--drawings 20] [--pause 1000]

Timed inside the page with performance.now(): a pointerup listener stamps the release of the
mouse, a MutationObserver stamps the moment the top label stops showing the prompt, and the
browser's resource timing shows what happened in between. The time is split where the sketchpad
hands its freshly exported layers (PNGs) to the server (/gradio_api/component_server/): before
that, the browser renders and encodes the canvas; after it, Gradio's front end gathers the value
(exporting and uploading the PNGs again), queues the event, the model answers, the page updates.

Between drawings the script looks at each answer for --pause ms before clearing, as a person
would. With no pause, the work the app chains after each answer (and after each Clear) overlaps
the next drawing and delays its answer too, as when a digit is drawn in several quick strokes.
"""

import argparse
import itertools
import tempfile
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

from benchmarks.browser import (
    BRUSH,
    CLEAR,
    TOP_LABEL,
    draw_with_mouse,
    launch_chromium,
    open_app,
    running_app,
)
from lenet.reader import PROMPT

ANSWER_TIMEOUT = 30_000  # ms
POLL = 100  # ms between looks at the page's stamps; they are taken in the page, so this adds nothing.
DIGITS = ("1", "0", "7")  # In turn; the ones tests/test_browser.py draws with the mouse.

# Kept in window.penUp: released (pointerup), answered (top label no longer the prompt) and what
# the label then read. Resource timings restart at each release, so they hold just one drawing's.
STOPWATCH = """([label, prompt]) => {
    const stamps = window.penUp = {released: null, answered: null, reading: null};
    addEventListener("pointerup", () => {
        performance.clearResourceTimings();
        Object.assign(stamps, {released: performance.now(), answered: null, reading: null});
    }, true);
    new MutationObserver(() => {
        const reading = document.querySelector(label)?.textContent.trim();
        if (stamps.released !== null && stamps.answered === null && reading && reading !== prompt) {
            Object.assign(stamps, {answered: performance.now(), reading});
        }
    }).observe(document.getElementById("probabilities"), {subtree: true, childList: true, characterData: true});
}"""

# The stamps, and [url, start] of each request the page made between the release and the answer.
STAMPS = """() => ({
    ...window.penUp,
    requests: performance.getEntriesByType("resource")
        .filter(entry => entry.startTime >= window.penUp.released && entry.startTime < window.penUp.answered)
        .map(entry => [entry.name, entry.startTime]),
})"""

WEBGL_RENDERER = """() => {
    const gl = document.createElement("canvas").getContext("webgl");
    const info = gl && gl.getExtension("WEBGL_debug_renderer_info");
    return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : "unknown";
}"""


def read_one(page, digit, pause):
    """Draw `digit`, wait for the answer, look at it for `pause` ms, clear; returns the page's STAMPS."""
    # Poll on a timer, not every animation frame (Playwright's default): the stamps are taken in
    # the page, and the page's own frames stay the only ones it renders.
    waiting = {"timeout": ANSWER_TIMEOUT, "polling": POLL}
    draw_with_mouse(page, digit)
    page.wait_for_function("() => window.penUp.answered !== null", **waiting)
    stamps = page.evaluate(STAMPS)
    page.wait_for_timeout(pause)
    page.locator(CLEAR).click()
    page.wait_for_function(
        "([label, prompt]) => document.querySelector(label)?.textContent.trim() === prompt",
        arg=[TOP_LABEL, PROMPT], **waiting,
    )
    return stamps


def spread(milliseconds):
    p50, p90 = np.percentile(milliseconds, [50, 90])
    return f"p50 {p50:6.0f} ms, p90 {p90:6.0f} ms, max {np.max(milliseconds):6.0f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=20, help="timed drawings, after one warm-up (default: 20)")
    parser.add_argument("--pause", type=int, default=1000, help="ms spent looking at each answer (default: 1000)")
    args = parser.parse_args()

    digits = itertools.cycle(DIGITS)
    with tempfile.TemporaryDirectory() as folder, running_app(Path(folder) / "demo.log") as url, \
            sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = open_app(browser, url, viewport={"width": 1280, "height": 800})
        page.locator(f"{BRUSH}.highlight").wait_for()
        page.evaluate(STOPWATCH, [TOP_LABEL, PROMPT])
        renderer = f"Chromium {browser.version}, WebGL renderer: {page.evaluate(WEBGL_RENDERER)}"
        read_one(page, next(digits), args.pause)  # Warm-up: first-use costs in the browser and the server.
        runs = [(digit, read_one(page, digit, args.pause)) for digit in itertools.islice(digits, args.drawings)]
        browser.close()

    total, exported, uploads, misread = [], [], [], []
    for digit, stamps in runs:
        handed_over = [start for address, start in stamps["requests"] if "/gradio_api/component_server" in address]
        total.append(stamps["answered"] - stamps["released"])
        exported.append(min(handed_over, default=stamps["answered"]) - stamps["released"])
        uploads.append(sum("/gradio_api/upload" in address for address, _ in stamps["requests"]))
        if stamps["reading"] != digit:
            misread.append((digit, stamps["reading"]))
    total, exported = np.array(total), np.array(exported)
    print(renderer)
    print(f"{len(runs)} digits drawn with the mouse at 1280x800, {args.pause} ms look at each answer, "
          f"{len(runs) - len(misread)} read right"
          + (f" (drawn, read: {misread})" if misread else ""))
    print(f"pen up -> answer shown  : {spread(total)}")
    print(f"  pen up -> layers sent : {spread(exported)}  (the browser exports the canvas as PNGs)")
    print(f"  layers sent -> answer : {spread(total - exported)}  (value gathered and uploaded, queue, "
          "prediction, page update)")
    print(f"PNG uploads before each answer: median {np.median(uploads):.0f}, max {max(uploads)}")


if __name__ == "__main__":
    main()
