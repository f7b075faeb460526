"""Numbers benchmark: MNIST test digits and held-out pen writers' digits written as numbers.

MNIST rows. Each number has 2-5 digits drawn from the MNIST test set (never trained on). Each
digit's centre line is retraced with one round brush for the whole number (as
benchmarks/drawing.py's draw_mnist does), the digits are made about equally tall (a writer's
digits vary by +-10 %), and the gaps between one digit's ink and the next are drawn from one of
four ranges, in digit heights: touching (-0.05 to 0, the boxes meet or overlap), close (0 to
0.15), normal (0.15 to 0.5, what people leave) and wide (0.5 to 1).

Pen rows (benchmarks/pen_numbers.py). Each number is written by one of the trainer's 5 held-out
pen writers (UCI pen digits, never trained on), with trajectories of that writer picked at random
for its digits, drawn with one round brush, about equally tall (+-10 %), each digit slanted,
turned and lifted off the baseline a little. Heights and brushes are drawn from the MNIST rows'
ranges.
  pen touching   2-5 digits, neighbours' ink boxes overlapping by 0 to 0.2 heights; a digit whose
                 ink misses its neighbour's is pressed on until they meet (at most 0.35 deep).
  chained zeros  1-2 leading digits then 2-4 zeros ("300", "1000", "4500"), written touching,
                 the zeros overlapping by 0.05 to 0.25 heights so that they form a chain.
  underline      2-5 digits with normal gaps (0.15 to 0.5) and a hand-drawn line under them:
                 slightly wavy and tilted, longer than the number, touching the digits' bottoms.
  pen gapped     2-5 digits with normal gaps: the reference for the rows above.
  marks          2-5 digits with normal gaps and a period, a comma or a short dash between two
                 of them; the right reading leaves the mark out.
The pen table also gives the share of numbers whose ink is one connected piece.

Every number goes through the app's own reader (split, normalize, one model call) as a sketchpad
value. Per row: exact-number accuracy, per-digit accuracy (digits of numbers read with the right
length) and the wrong-length rate. Then the in-process time to read a 5-digit number drawn on the
app's canvas, gapped (MNIST) and touching (pen), and of one digit, for the ratio: timings move
with the machine's load.

    python -m benchmarks.bench_numbers [--count 2000] [--pen-count 1000] [--seed 0] [--repeats 500]
"""

import argparse
import time

import numpy as np
from scipy import ndimage

from benchmarks import pen_numbers
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


def gaps_name(name, gaps):
    return f"{name} {gaps[0]:g} to {gaps[1]:g}"


PEN_ROWS = {
    gaps_name("pen touching", pen_numbers.TOUCHING_GAPS): pen_numbers.touching,
    gaps_name("chained zeros", pen_numbers.CHAINED_GAPS): pen_numbers.chained_zeros,
    gaps_name("underline", pen_numbers.GAPPED_GAPS): pen_numbers.underlined,
    gaps_name("pen gapped", pen_numbers.GAPPED_GAPS): pen_numbers.gapped,
    gaps_name("marks", pen_numbers.GAPPED_GAPS): pen_numbers.with_mark,
}
TIMED_HEIGHT, TIMED_BRUSH = 90, 8  # px: digits written across the app's canvas like a person's.


def draw_number(images, height, brush, gaps, rng):
    """MNIST uint8 (n, 28, 28), digit height px, brush px, n - 1 gaps in heights -> alpha (H, W)."""
    tiles = []
    for image in images:
        digit_height = height * rng.uniform(1 - HEIGHT_JITTER, 1 + HEIGHT_JITTER)
        # Retraced on a canvas twice the digit's height, so the brush is in real pixels.
        tiles.append(draw_mnist(image, canvas=round(2 * digit_height), brush=brush, height=0.5))
    return side_by_side(tiles, [gap * height for gap in gaps])


def read_mnist_rows(reader, x_test, y_test, count, rng):
    """{gap range: [(truth, read)]}: `count` MNIST numbers spread over the gap ranges."""
    results = {gaps_name(name, gaps): [] for name, gaps in GAP_RANGES.items()}
    for number in range(count):
        name, gap_range = list(GAP_RANGES.items())[number % len(GAP_RANGES)]
        chosen = rng.choice(len(x_test), size=rng.choice(DIGIT_COUNTS), replace=False)
        gaps = rng.uniform(*gap_range, size=len(chosen) - 1)
        alpha = draw_number(x_test[chosen], rng.uniform(*HEIGHT_RANGE), rng.uniform(*BRUSH_RANGE), gaps, rng)
        truth = "".join(str(digit) for digit in y_test[chosen])
        results[gaps_name(name, gap_range)].append((truth, reader.read(sketchpad(alpha)).label))
    return results


def read_pen_rows(reader, hands, count, seed):
    """({row: [(truth, read)]}, {row: share of numbers whose ink is one piece}): `count` per row."""
    results, one_piece = {}, {}
    writers = list(hands)
    for row, (name, write) in enumerate(PEN_ROWS.items(), start=1):
        # Each row its own stream: the MNIST rows draw what they drew before these rows existed,
        # and one row's count or order does not change another's numbers.
        rng = np.random.default_rng([seed, row])
        results[name], pieces = [], []
        for _ in range(count):
            hand = hands[writers[rng.integers(len(writers))]]
            number = write(hand, rng.uniform(*HEIGHT_RANGE), rng.uniform(*BRUSH_RANGE), rng)
            results[name].append((number.text, reader.read(sketchpad(number.alpha)).label))
            pieces.append(ndimage.label(number.alpha > 0, structure=np.ones((3, 3), bool))[1])
        one_piece[name] = np.mean(np.array(pieces) == 1)
    return results, one_piece


def print_table(first_column, results, extra=None):
    """One line per row and an "all" line: numbers, exact, per digit, wrong length (and `extra`'s
    column, {row: share}, when given)."""
    extra_header = f" {extra[0]:>10}" if extra else ""
    print(f"  {first_column:<30} {'numbers':>7} {'exact':>7} {'per digit':>10} {'wrong length':>13}{extra_header}")
    everything = [pair for row in results.values() for pair in row]
    for name, pairs in [*results.items(), ("all", everything)]:
        exact = np.mean([truth == read for truth, read in pairs])
        right_length = [(truth, read) for truth, read in pairs if len(truth) == len(read)]
        digit_pairs = [a == b for truth, read in right_length for a, b in zip(truth, read)]
        per_digit = f"{np.mean(digit_pairs):.2%}" if digit_pairs else "-"  # None read with the right length.
        wrong_length = 1 - len(right_length) / len(pairs)
        extra_value = f" {extra[1][name]:>10.2%}" if extra and name in extra[1] else ""
        print(f"  {name:<30} {len(pairs):>7} {exact:>7.2%} {per_digit:>10} {wrong_length:>13.2%}{extra_value}")


def on_app_canvas(alpha):
    """A number's alpha -> sketchpad value of the app's canvas with the number's ink in the middle."""
    rows, columns = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
    ink = alpha[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
    canvas = centred_on_canvas(ink, CANVAS_SIZE)
    if canvas is None:
        width, height = CANVAS_SIZE
        raise ValueError(f"the number ({ink.shape}) does not fit the {width}x{height} canvas; try another --seed")
    return sketchpad(canvas)


def mnist_timing_drawing(reader_images):
    """MNIST digits written in a row across the app's canvas like a person's, as a sketchpad value."""
    return on_app_canvas(side_by_side(
        [draw_mnist(image, canvas=2 * TIMED_HEIGHT, brush=TIMED_BRUSH, height=0.5) for image in reader_images],
        [20] * (len(reader_images) - 1), margin=0))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000,
                        help="MNIST numbers, spread over the gap ranges (default: 2000)")
    parser.add_argument("--pen-count", type=int, default=1000, help="pen numbers per pen row (default: 1000)")
    parser.add_argument("--seed", type=int, default=0, help="picks the digits and the drawing (default: 0)")
    parser.add_argument("--repeats", type=int, default=500, help="timed reads of each timed drawing (default: 500)")
    parser.add_argument("--model-dir", default=str(DEFAULT_MODEL_DIR), help="SavedModel (default: saved_model)")
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    _, (x_test, y_test) = load_mnist()
    hands = pen_numbers.held_out_hands()
    reader = DigitReader(Classifier(args.model_dir))

    started = time.perf_counter()
    results = read_mnist_rows(reader, x_test, y_test, args.count, rng)
    print(f"{args.count} numbers of {DIGIT_COUNTS[0]}-{DIGIT_COUNTS[-1]} MNIST test digits retraced with one brush "
          f"(seed {args.seed}), {time.perf_counter() - started:.0f} s")
    print_table("gaps (digit heights)", results)

    started = time.perf_counter()
    pen_results, one_piece = read_pen_rows(reader, hands, args.pen_count, args.seed)
    print(f"{args.pen_count} numbers per row by held-out pen writers {', '.join(map(str, hands))} "
          f"(seed {args.seed}), {time.perf_counter() - started:.0f} s")
    print_table("row, gaps (digit heights)", pen_results, ("one piece", one_piece))

    chosen = rng.choice(len(x_test), size=5, replace=False)
    five, one = mnist_timing_drawing(x_test[chosen]), mnist_timing_drawing(x_test[chosen[:1]])
    pen_rng = np.random.default_rng([args.seed, 0])
    hand = hands[list(hands)[pen_rng.integers(len(hands))]]
    touching = pen_numbers.touching(hand, TIMED_HEIGHT, TIMED_BRUSH, pen_rng, lengths=(5,))
    touching_drawing = on_app_canvas(touching.alpha)
    print(f"On the {CANVAS_SIZE[0]}x{CANVAS_SIZE[1]} canvas, read in process (split, normalize, one model call), "
          f"{args.repeats} calls each:")
    print(f"  5-digit number {''.join(map(str, y_test[chosen]))}, read {reader.read(five).label}: "
          f"{summary(measure(lambda: reader.read(five), args.repeats))}")
    print(f"  5-digit pen number {touching.text} touching, read {reader.read(touching_drawing).label}: "
          f"{summary(measure(lambda: reader.read(touching_drawing), args.repeats))}")
    print(f"  its first digit alone, for comparison   : {summary(measure(lambda: reader.read(one), args.repeats))}")


if __name__ == "__main__":
    main()
