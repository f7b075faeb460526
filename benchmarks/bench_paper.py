"""Paper benchmark: digits written on paper, scanned or photographed, read through the app's reader.

Each row is one condition of benchmarks/paper.py: a clean scan, a faint ballpoint, a pencil
pressed unevenly, blue ink, uneven light with a shadow, ruled paper, squared paper with a form's
box, a photo saved as JPEG at quality 60, and a 12 MP phone photo with the digit small. Half the
digits are the held-out pen writers' (their strokes, in the trainer's default writer split), half
are MNIST test digits (their images used as maps of ink); every row writes the same digits. The
last row draws them on the app's canvas instead (the pen strokes with lenet/train/pen_render.py's
brush, the MNIST digits retraced as bench_freehand.py does), for comparison. A digit is right when
the reader answers exactly that digit; "called blank" is the share answered with the prompt; any
other answer (a wrong digit, two digits) is wrong.

    python -m benchmarks.bench_paper [--count 300] [--seed 0] [--repeats 20]

Then the in-process time from a phone's JPEG file to the answer (lenet.photo's open_photo, then
the reader), for a 12 MP and a 24 MP photo, and of one drawing for the ratio: timings move with
the machine's load.
"""

import argparse
import tempfile
import time
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.bench_freehand import random_drawing
from benchmarks.paper import CONDITIONS, jpeg_bytes, photo_of_image, photo_of_strokes
from benchmarks.timing import measure
from lenet.config import DEFAULT_MODEL_DIR
from lenet.inference import Classifier
from lenet.photo import open_photo
from lenet.reader import DigitReader
from lenet.train.data import load_mnist
from lenet.train.parallel import map_in_processes
from lenet.train.pen_render import as_sketchpad_layer, draw_trajectory
from lenet.train.pendigits import load_pendigits, writer_split
from lenet.train.recipe import PEN_VALIDATION_WRITERS, SEED

SOURCES = ("pen", "MNIST")
DRAWINGS = "drawn on the app's canvas"
ROWS = (*CONDITIONS, DRAWINGS)
TIMED_CONDITION = "12 MP photo, digit small"
LARGE_PHOTO = (5712, 4284)  # px, a 24 MP phone photo
PHOTO_QUALITY = 90  # what phone cameras save their JPEGs at


def held_out_digits(count, rng):
    """-> (writers, [(source, label, strokes or uint8 (28, 28) image)]): count // 2 digits of the
    held-out pen writers, the rest MNIST test digits."""
    pen = load_pendigits()
    _, validation, writers = writer_split(pen, PEN_VALIDATION_WRITERS, SEED)
    if not 2 <= count <= 2 * len(validation):
        raise ValueError(f"--count {count}: half the digits are the held-out pen writers', who wrote "
                         f"{len(validation)}; pass --count from 2 to {2 * len(validation)}")
    pens = [pen.digits[index] for index in rng.choice(validation, size=count // 2, replace=False)]
    _, (x_test, y_test) = load_mnist()
    chosen = rng.choice(len(x_test), size=count - count // 2, replace=False)
    return writers, ([("pen", digit.label, digit.strokes) for digit in pens]
                     + [("MNIST", int(y_test[index]), x_test[index]) for index in chosen])


def picture(row, source, digit, rng):
    """What the reader gets: a photo uint8 (H, W, 3) for a condition, a sketchpad value for the drawings."""
    if row == DRAWINGS:
        if source == "pen":
            return as_sketchpad_layer(draw_trajectory(digit, rng))
        return random_drawing(digit, rng)[0]
    return (photo_of_strokes if source == "pen" else photo_of_image)(digit, row, rng)


@cache
def reader_for(model_dir):
    """One reader per process: the workers each load the model once."""
    return DigitReader(Classifier(model_dir))


def read_task(task):
    """(model folder, row, source, label, digit, seed) -> (row, source, right, called blank).

    Each picture has its own seed, so the results do not depend on how many processes ran.
    """
    model_dir, row, source, label, digit, seed = task
    reading = reader_for(model_dir).read(picture(row, source, digit, np.random.default_rng(seed)))
    return row, source, reading.label == str(label), reading.is_blank


def time_photo_files(reader, strokes, rng, repeats):
    """{name: latencies ms}: a 12 MP and a 24 MP JPEG file of one written digit, open_photo then read."""
    photo = photo_of_strokes(strokes, TIMED_CONDITION, rng)
    height, width = photo.shape[:2]
    # The same scene taken by a 24 MP camera.
    large = np.asarray(Image.fromarray(photo).resize(LARGE_PHOTO if width > height else LARGE_PHOTO[::-1],
                                                     Image.Resampling.BICUBIC))
    latencies = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, rgb in (("12 MP", photo), ("24 MP", large)):
            path = Path(folder) / f"{name.replace(' ', '')}.jpg"
            path.write_bytes(jpeg_bytes(rgb, PHOTO_QUALITY))
            name = f"{name} JPEG ({rgb.shape[1]}x{rgb.shape[0]}, {path.stat().st_size / 1e6:.1f} MB)"
            latencies[name] = measure(lambda path=path: reader.read(open_photo(path)), repeats, warmup=3)
    return latencies


def percentiles(latencies_ms):
    p50, p90 = np.percentile(latencies_ms, [50, 90])
    return f"p50 {p50:.1f} ms, p90 {p90:.1f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300,
                        help="digits per row, half pen and half MNIST (default: 300)")
    parser.add_argument("--seed", type=int, default=0, help="picks the digits and the pictures (default: 0)")
    parser.add_argument("--repeats", type=int, default=20, help="timed reads of each photo file (default: 20)")
    parser.add_argument("--model-dir", default=str(DEFAULT_MODEL_DIR), help="model to read with (default: saved_model)")
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    writers, digits = held_out_digits(args.count, rng)
    tasks = [(args.model_dir, row, source, label, digit, (args.seed, row_number, digit_number))
             for row_number, row in enumerate(ROWS)
             for digit_number, (source, label, digit) in enumerate(digits)]
    started = time.perf_counter()
    results = map_in_processes(read_task, tasks)
    elapsed = time.perf_counter() - started

    pen_count = sum(source == "pen" for source, _, _ in digits)
    print(f"{pen_count} digits of the held-out pen writers {','.join(map(str, writers))} and "
          f"{len(digits) - pen_count} MNIST test digits in every row (seed {args.seed}), {elapsed:.0f} s")
    print("| condition | pen | MNIST | both | called blank (pen / MNIST) | n |")
    print("|---|---|---|---|---|---|")
    for row in ROWS:
        mine = [result for result in results if result[0] == row]
        right = {source: np.mean([r for _, s, r, _ in mine if s == source]) for source in SOURCES}
        blank = {source: np.mean([b for _, s, _, b in mine if s == source]) for source in SOURCES}
        print(f"| {row} | {right['pen']:.1%} | {right['MNIST']:.1%} | {np.mean([r for *_, r, _ in mine]):.1%} "
              f"| {np.mean([b for *_, b in mine]):.1%} ({blank['pen']:.1%} / {blank['MNIST']:.1%}) | {len(mine)} |")

    reader = reader_for(args.model_dir)
    strokes = digits[0][2]
    print(f"\nFrom a photo file to the answer in process (decode, find the digit, one model call), "
          f"{args.repeats} reads each:")
    for name, latencies in time_photo_files(reader, strokes, rng, args.repeats).items():
        print(f"  {name:<34}: {percentiles(latencies)}")
    drawing = picture(DRAWINGS, "pen", strokes, rng)
    latencies = measure(lambda: reader.read(drawing), 10 * args.repeats)
    print(f"  {'the same digit drawn on the canvas':<34}: {percentiles(latencies)}")


if __name__ == "__main__":
    main()
