"""Numbers benchmark: MNIST test digits retraced as strokes and written side by side as numbers.

Each number has 2-5 digits drawn from the MNIST test set (never trained on). Each digit's centre
line is retraced with one round brush for the whole number (as benchmarks/drawing.py's draw_mnist
does), the digits are made about equally tall (a writer's digits vary by +-10 %), and the gaps
between one digit's ink and the next are drawn from one of four ranges, in digit heights:
touching (-0.05 to 0, the boxes meet or overlap), close (0 to 0.15), normal (0.15 to 0.5, what
people leave) and wide (0.5 to 1). The numbers go through the app's own reader (split, normalize,
one model call) as sketchpad values.

    python -m benchmarks.bench_numbers [--count 2000] [--seed 0] [--repeats 500]

Prints exact-number accuracy, per-digit accuracy (digits of numbers read with the right length)
and the wrong-length rate, per gap range, and the in-process time to read a 5-digit number drawn
on the app's canvas (and of one digit, for the ratio: timings move with the machine's load).
"""

import argparse
import time

import numpy as np

from benchmarks.drawing import centred_on_canvas, draw_mnist, side_by_side, sketchpad
from benchmarks.timing import measure, summary
from lenet.config import CANVAS_SIZE, DEFAULT_MODEL_DIR
from lenet.inference import Classifier
from lenet.reader import DigitReader
from lenet.train.data import load_mnist

GAP_RANGES = {"touching": (-0.05, 0.0), "close": (0.0, 0.15), "normal": (0.15, 0.5), "wide": (0.5, 1.0)}
DIGIT_COUNTS = (2, 3, 4, 5)
HEIGHT_RANGE = (100, 220)  # px, the number's digit height.
BRUSH_RANGE = (6, 20)  # px, one brush for the whole number.
HEIGHT_JITTER = 0.1  # Each digit's height varies by this fraction around the number's.


def draw_number(images, height, brush, gaps, rng):
    """MNIST uint8 (n, 28, 28), digit height px, brush px, n - 1 gaps in heights -> alpha (H, W)."""
    tiles = []
    for image in images:
        digit_height = height * rng.uniform(1 - HEIGHT_JITTER, 1 + HEIGHT_JITTER)
        # Retraced on a canvas twice the digit's height, so the brush is in real pixels.
        tiles.append(draw_mnist(image, canvas=round(2 * digit_height), brush=brush, height=0.5))
    return side_by_side(tiles, [gap * height for gap in gaps])


def timing_drawing(reader_images):
    """Digits written in a row across the app's canvas like a person's, as a sketchpad value."""
    alpha = side_by_side([draw_mnist(image, canvas=180, brush=8, height=0.5) for image in reader_images],
                         [20] * (len(reader_images) - 1), margin=0)
    canvas = centred_on_canvas(alpha, CANVAS_SIZE)
    if canvas is None:
        width, height = CANVAS_SIZE
        raise ValueError(f"the 5-digit number ({alpha.shape}) does not fit the {width}x{height} canvas")
    return sketchpad(canvas)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="numbers to draw, spread over the gap ranges (default: 2000)")
    parser.add_argument("--seed", type=int, default=0, help="picks the digits and the drawing (default: 0)")
    parser.add_argument("--repeats", type=int, default=500, help="timed reads of the 5-digit number (default: 500)")
    parser.add_argument("--model-dir", default=str(DEFAULT_MODEL_DIR), help="SavedModel (default: saved_model)")
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    _, (x_test, y_test) = load_mnist()
    reader = DigitReader(Classifier(args.model_dir))

    results = {name: [] for name in GAP_RANGES}  # (truth, read) per number
    started = time.perf_counter()
    for number in range(args.count):
        name = list(GAP_RANGES)[number % len(GAP_RANGES)]
        chosen = rng.choice(len(x_test), size=rng.choice(DIGIT_COUNTS), replace=False)
        gaps = rng.uniform(*GAP_RANGES[name], size=len(chosen) - 1)
        alpha = draw_number(x_test[chosen], rng.uniform(*HEIGHT_RANGE), rng.uniform(*BRUSH_RANGE), gaps, rng)
        truth = "".join(str(digit) for digit in y_test[chosen])
        results[name].append((truth, reader.read(sketchpad(alpha)).label))
    elapsed = time.perf_counter() - started

    print(f"{args.count} numbers of {DIGIT_COUNTS[0]}-{DIGIT_COUNTS[-1]} MNIST test digits retraced with one brush "
          f"(seed {args.seed}), {elapsed:.0f} s")
    print(f"  {'gaps (digit heights)':<26} {'numbers':>7} {'exact':>7} {'per digit':>10} {'wrong length':>13}")
    for name, pairs in [*results.items(), ("all", [pair for pairs in results.values() for pair in pairs])]:
        exact = np.mean([truth == read for truth, read in pairs])
        right_length = [(truth, read) for truth, read in pairs if len(truth) == len(read)]
        per_digit = np.mean([a == b for truth, read in right_length for a, b in zip(truth, read)])
        wrong_length = 1 - len(right_length) / len(pairs)
        span = f"{name} {GAP_RANGES[name][0]:g} to {GAP_RANGES[name][1]:g}" if name in GAP_RANGES else name
        print(f"  {span:<26} {len(pairs):>7} {exact:>7.2%} {per_digit:>10.2%} {wrong_length:>13.2%}")

    chosen = rng.choice(len(x_test), size=5, replace=False)
    five, one = timing_drawing(x_test[chosen]), timing_drawing(x_test[chosen[:1]])
    print(f"On the {CANVAS_SIZE[0]}x{CANVAS_SIZE[1]} canvas, read in process (split, normalize, one model call), "
          f"{args.repeats} calls each:")
    print(f"  5-digit number {''.join(map(str, y_test[chosen]))}, read {reader.read(five).label}: "
          f"{summary(measure(lambda: reader.read(five), args.repeats))}")
    print(f"  its first digit alone, for comparison   : {summary(measure(lambda: reader.read(one), args.repeats))}")


if __name__ == "__main__":
    main()
