"""The README's picture: the real app, in Chromium, reading a number drawn with the mouse.

    python -m benchmarks.screenshot [--number 2026] [--output docs/screenshot.png]

Starts `python demo.py` on a free localhost port, draws the number as benchmarks/browser.py draws
it for the browser tests, waits until the page shows the answer and the per-digit readout, and
saves the page. Needs Chromium (Debian's `chromium`) and Playwright.
"""

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from benchmarks.browser import (
    TOP_LABEL,
    draw_with_mouse,
    launch_chromium,
    open_app,
    running_app,
)
from benchmarks.drawing import WRITER
from lenet.config import PROJECT_ROOT

# A laptop's window, with room for the sketchpad and the answer side by side.
VIEWPORT = {"width": 1280, "height": 760}
ANSWER_TIMEOUT_MS = 60_000  # Software WebGL: the first answer can take seconds here.
READOUT_DIGITS = "#digit-readout .digit"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", default="2026", help="the number to draw (default: 2026)")
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "docs" / "screenshot.png",
                        help="where to save the PNG (default: docs/screenshot.png)")
    args = parser.parse_args()
    if not args.number.isdigit():
        parser.error(f"--number must be digits only, got {args.number!r}")

    with tempfile.TemporaryDirectory() as folder, running_app(Path(folder) / "app.log") as url, \
            sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = open_app(browser, url, viewport=VIEWPORT)
        draw_with_mouse(page, args.number, WRITER)  # A writer with every digit, each as people write it.
        expect(page.locator(READOUT_DIGITS)).to_have_count(len(args.number), timeout=ANSWER_TIMEOUT_MS)
        read = page.locator(TOP_LABEL).inner_text()
        args.output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=args.output)
        browser.close()
    print(f"Drew {args.number}, the app read {read}; saved {args.output}.")
    if read != args.number:
        sys.exit(f"The app read {read}, not {args.number}: the picture would show a wrong answer.")


if __name__ == "__main__":
    main()
