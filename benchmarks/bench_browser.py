"""Pen-up -> answer shown, measured inside a real Chromium page against `python demo.py`.

The page records the time of each pointerup on the sketchpad and of each change of the shown
label (performance.now(), so Playwright's own overhead is not counted); a drawing's latency runs
from its last pen-up to the moment the label shows the drawn digit. Chromium renders the
sketchpad's WebGL in software here, which is part of what a pen-up costs on this machine.

    python benchmarks/bench_browser.py [--drawings 20]
"""

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from browser import CLEAR, TOP_LABEL, draw_with_mouse, launch_chromium, open_app, running_app  # noqa: E402
from lenet.reader import PROMPT  # noqa: E402

RECORDER = """() => {
    window.penUps = [];
    window.labels = [];
    document.getElementById("sketchpad").addEventListener(
        "pointerup", () => window.penUps.push(performance.now()), true);
    const probabilities = document.getElementById("probabilities");
    new MutationObserver(() => {
        const shown = probabilities.querySelector('[data-testid="label-output-value"]');
        window.labels.push([performance.now(), shown ? shown.textContent.trim() : null]);
    }).observe(probabilities, {subtree: true, childList: true, characterData: true});
}"""

LATENCY = """(digit) => {
    const penUp = window.penUps[window.penUps.length - 1];
    const shown = window.labels.find(([time, text]) => time >= penUp && text === digit);
    return shown ? shown[0] - penUp : null;
}"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=20, help="drawings to time (default: 20)")
    args = parser.parse_args()

    latencies = []
    with tempfile.TemporaryDirectory() as folder, running_app(Path(folder) / "demo.log") as url, \
            sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = open_app(browser, url, viewport={"width": 1280, "height": 800})
        page.evaluate(RECORDER)
        top_label = page.locator(TOP_LABEL)
        for number in range(args.drawings):
            digit = ("1", "0", "7")[number % 3]
            draw_with_mouse(page, digit)
            expect(top_label).to_have_text(digit, timeout=30_000)
            latencies.append(page.evaluate(LATENCY, digit))
            page.locator(CLEAR).click()
            expect(top_label).to_have_text(PROMPT, timeout=30_000)
        browser.close()

    measured = np.array([latency for latency in latencies if latency is not None])
    p50, p90 = np.percentile(measured, [50, 90])
    print(f"pen-up -> answer shown, {len(measured)} drawings in headless Chromium: "
          f"p50 {p50:.0f} ms, p90 {p90:.0f} ms, max {measured.max():.0f} ms")


if __name__ == "__main__":
    main()
