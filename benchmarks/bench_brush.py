"""Brush benchmark: pen writers' digits written on the app's canvas with one brush of each width.

The app's sketchpad paints every stroke with one brush of config.BRUSH_RADIUS; how thick that is
against the digit depends on how tall people write, and on the app's 480x240 canvas a number's
digits come out 50-100 px tall. Numbers of 1-5 digits of the held-out pen writers (the trainer's
default split: writers no training set holds) are drawn as in the app: each digit as its
trajectory goes (lenet/train/pen_render.py), as tall as the writer likes but small enough for the
number to fit (50-200 px), gaps of 0.15-0.5 digit heights, every stroke with the same brush. Each
brush width draws the same numbers, read through the app's reader (split, normalize, one model
call). Prints exact-number accuracy per brush, for single digits and numbers, small (under
90 px) and large.

    python -m benchmarks.bench_brush [--brushes 8 10 12 14 18] [--count 2500] [--seed 3]
"""

import argparse
from dataclasses import replace

import numpy as np

from benchmarks.drawing import centred_on_canvas, side_by_side, sketchpad
from lenet.config import BRUSH_RADIUS, CANVAS_SIZE, DEFAULT_MODEL_DIR
from lenet.inference import Classifier
from lenet.reader import DigitReader
from lenet.train.pen_render import DEFAULT_STYLE, Drawing, paint, plan_drawing
from lenet.train.pendigits import load_pendigits, writer_split
from lenet.train.recipe import PEN_VALIDATION_WRITERS, SEED

DIGIT_COUNTS = (1, 2, 3, 4, 5)
HEIGHTS = (50, 200)  # px: the digit height, as far as the number fits the canvas.
GAPS = (0.15, 0.5)  # digit heights between one digit's ink and the next.
DIGIT_WIDTH = 0.75  # digit heights a digit takes across, to size a number that fits.
SMALL = 90  # px: digits under this are "small".
MARGIN = 10  # px kept blank around the number.


def write_number(digits, height, gaps, brush, seed):
    """Pen digits -> alpha (H, W) of the number on the app's canvas; None if it does not fit.
    The same seed places the strokes the same way whatever the brush."""
    rng = np.random.default_rng(seed)
    # Each digit on a canvas twice its height, so the brush is in real pixels; slant, rotation
    # and aspect vary as in training, position does not matter here.
    style = replace(DEFAULT_STYLE, canvas_sides=(round(2 * height),) * 2, heights=(0.5, 0.5))
    tiles = []
    for digit in digits:
        plan = plan_drawing(digit.strokes, rng, style)
        tiles.append(paint(Drawing(plan.paths, [float(brush)] * len(plan.paths), plan.size)))
    return centred_on_canvas(side_by_side(tiles, [gap * height for gap in gaps], margin=MARGIN), CANVAS_SIZE)


def numbers(held_out, count, seed):
    """`count` numbers: (digits, height px, gaps, drawing seed) each, the same for every brush."""
    rng = np.random.default_rng(seed)
    chosen = []
    for index in range(count):
        size = DIGIT_COUNTS[index % len(DIGIT_COUNTS)]
        gaps = rng.uniform(*GAPS, size=size - 1)
        fits = (CANVAS_SIZE[0] - 4 * MARGIN) / (DIGIT_WIDTH * size + gaps.sum())
        height = rng.uniform(HEIGHTS[0], min(HEIGHTS[1], fits))
        digits = [held_out[i] for i in rng.choice(len(held_out), size=size, replace=False)]
        chosen.append((digits, height, gaps, int(rng.integers(2**31))))
    return chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brushes", type=int, nargs="+", default=[8, 10, 12, 14, 18],
                        help="brush diameters in canvas px to compare (default: 8 10 12 14 18)")
    parser.add_argument("--count", type=int, default=2500, help="numbers to write (default: 2500)")
    parser.add_argument("--seed", type=int, default=3, help="picks and draws the numbers (default: 3)")
    parser.add_argument("--model-dir", default=str(DEFAULT_MODEL_DIR), help="SavedModel (default: saved_model)")
    args = parser.parse_args()

    pen = load_pendigits()
    _, validation, writers = writer_split(pen, PEN_VALIDATION_WRITERS, SEED)
    chosen = numbers([pen.digits[index] for index in validation], args.count, args.seed)
    # A number too wide for the canvas with the widest brush is left out for every brush, so each
    # brush reads the same numbers.
    chosen = [number for number in chosen if write_number(*number[:3], max(args.brushes), number[3]) is not None]
    reader = DigitReader(Classifier(args.model_dir))
    print(f"{len(chosen)} numbers of {DIGIT_COUNTS[0]}-{DIGIT_COUNTS[-1]} digits by the held-out pen writers "
          f"{', '.join(map(str, writers))} on the {CANVAS_SIZE[0]}x{CANVAS_SIZE[1]} canvas; the app's brush is "
          f"{2 * BRUSH_RADIUS} px. Exact number read:\n")
    kinds = [("single digits", False, False), ("single digits", False, True),
             ("numbers", True, False), ("numbers", True, True)]
    header = " | ".join(f"{name}, {'small' if small else 'large'}" for name, _, small in kinds)
    print(f"| brush | all | {header} |\n|---|---|{'---|' * len(kinds)}")
    for brush in args.brushes:
        right = {kind: [] for kind in kinds}
        for digits, height, gaps, seed in chosen:
            canvas = write_number(digits, height, gaps, brush, seed)
            truth = "".join(str(digit.label) for digit in digits)
            kind = next(k for k in kinds if k[1] == (len(digits) > 1) and k[2] == (height < SMALL))
            right[kind].append(reader.read(sketchpad(canvas)).label == truth)
        every = [ok for oks in right.values() for ok in oks]
        cells = " | ".join(f"{np.mean(right[kind]):.1%} ({len(right[kind])})" for kind in kinds)
        print(f"| {brush} px | {np.mean(every):.1%} ({len(every)}) | {cells} |", flush=True)


if __name__ == "__main__":
    main()
