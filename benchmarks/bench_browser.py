"""The page in Chromium against a plain sketchpad page: drawing a digit, and pen up -> answer shown.

    python -m benchmarks.bench_browser [--rounds 6] [--pause 1000]

Serves `python demo.py` and `python -m benchmarks.floor_page` (the same sketchpad and settings, a
constant answer) side by side, and draws the same digits with the mouse on each in turn, so both
see the same machine in the same minutes; the ratios are what the app adds to Gradio's own page.

Timed inside each page with performance.now(): a pointerup listener stamps the release of the
mouse, and a MutationObserver stamps the moment the page's last answer element changes (the app's
per-digit readout; the plain page's preview). Drawing time is the wall time of the mouse moves,
each of which Chromium renders (in software WebGL here) before the next. After each answer the
script looks at it for --pause ms and clears the canvas, as a person would.
"""

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

from benchmarks.browser import BRUSH, CLEAR, TOP_LABEL, draw_with_mouse, launch_chromium, open_app, running_app
from benchmarks.drawing import WRITER
from lenet.reader import PROMPT

ANSWER_TIMEOUT = 30_000  # ms
POLL = 100  # ms between looks at the page's stamps; they are taken in the page, so this adds nothing.
DIGITS = "238569"  # One writer's digits (benchmarks/drawing.py), the same on both pages.
# Each page's command and the element that changes last when an answer is shown.
PAGES = {
    "app": ([sys.executable, "demo.py"], "#digit-readout"),
    "plain sketchpad": ([sys.executable, "-m", "benchmarks.floor_page"], "#model-input"),
}

# Kept in window.penUp: released (pointerup) and answered (the watched element changed since).
STOPWATCH = """(watched) => {
    const stamps = window.penUp = {released: null, answered: null, before: null};
    const element = () => document.querySelector(watched);
    addEventListener("pointerup", () => {
        Object.assign(stamps, {released: performance.now(), answered: null, before: element()?.innerHTML});
    }, true);
    new MutationObserver(() => {
        if (stamps.released !== null && stamps.answered === null && element()?.innerHTML !== stamps.before) {
            stamps.answered = performance.now();
        }
    }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def read_one(page, digit, pause):
    """Draw `digit`, wait for the answer, look at it for `pause` ms, clear: (seconds drawing, ms pen up -> answer)."""
    waiting = {"timeout": ANSWER_TIMEOUT, "polling": POLL}
    started = time.perf_counter()
    draw_with_mouse(page, digit, WRITER)
    drawing = time.perf_counter() - started
    page.wait_for_function("() => window.penUp.answered !== null", **waiting)
    stamps = page.evaluate("() => window.penUp")
    page.wait_for_timeout(pause)
    page.locator(CLEAR).click()
    page.wait_for_function(
        "([label, prompt]) => document.querySelector(label)?.textContent.trim() === prompt",
        arg=[TOP_LABEL, PROMPT], **waiting,
    )
    # Gradio's Clear deselects the brush: on the plain page a person picks it again (the app does it itself).
    brush = page.locator(BRUSH)
    if "highlight" not in (brush.get_attribute("class") or ""):
        brush.click()
    return drawing, stamps["answered"] - stamps["released"]


def spread(values, unit, digits):
    p50, p90 = np.percentile(values, [50, 90])
    return f"p50 {p50:.{digits}f} {unit}, p90 {p90:.{digits}f} {unit}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6, help="digits drawn on each page, after a warm-up (default: 6)")
    parser.add_argument("--pause", type=int, default=1000, help="ms spent looking at each answer (default: 1000)")
    args = parser.parse_args()

    results = {name: [] for name in PAGES}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        folder = Path(folder)
        browser = launch_chromium(playwright)
        version = browser.version
        with running_app(folder / "app.log", command=PAGES["app"][0]) as app_url, \
                running_app(folder / "floor.log", command=PAGES["plain sketchpad"][0]) as floor_url:
            pages = {}
            for name, url in (("app", app_url), ("plain sketchpad", floor_url)):
                page = open_app(browser, url, viewport={"width": 1280, "height": 800})
                if name == "app":
                    page.locator(f"{BRUSH}.highlight").wait_for()
                else:
                    page.locator(BRUSH).click()  # A plain sketchpad starts with no tool selected.
                page.evaluate(STOPWATCH, PAGES[name][1])
                read_one(page, DIGITS[0], args.pause)  # Warm-up: first-use costs in the browser and the server.
                pages[name] = page
            for digit in itertools.islice(itertools.cycle(DIGITS), args.rounds):
                for name, page in pages.items():
                    results[name].append(read_one(page, digit, args.pause))
        browser.close()

    print(f"Chromium {version}, 1280x800, {args.rounds} digits on each page in turn, "
          f"{args.pause} ms look at each answer:")
    medians = {}
    for name, runs in results.items():
        drawing, answer = (np.array(values) for values in zip(*runs))
        medians[name] = statistics.median(drawing), statistics.median(answer)
        print(f"  {name:<16}: drawing a digit {spread(drawing, 's', 2)}; "
              f"pen up -> answer shown {spread(answer, 'ms', 0)}")
    (app_draw, app_answer), (floor_draw, floor_answer) = medians["app"], medians["plain sketchpad"]
    print(f"  app / plain sketchpad, p50: drawing a digit {app_draw / floor_draw:.3f}x, "
          f"pen up -> answer {app_answer / floor_answer:.3f}x")


if __name__ == "__main__":
    main()
