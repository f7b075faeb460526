"""Small stand-ins for MNIST and the UCI pen digits, in their own file formats, made on the spot.

The trainer's tests run `python train_model.py` end to end. Where the team's copies in ../shared
are missing (a fresh clone, no network), they train on these instead: what they check is the
command's behaviour (files written, errors, the old model kept), not the accuracy of real data.
Each digit is one writer's polyline (benchmarks/drawing.py), moved, scaled and slanted a little.
"""

import struct

import numpy as np
from PIL import Image, ImageDraw

from benchmarks.drawing import WRITER

MNIST_COUNTS = {"train": 60_000, "t10k": 10_000}  # What lenet.train.data checks a set holds.
PEN_WRITERS = 30  # As the UCI training file: tests hold out and pick whole writers.
PEN_DIGITS_PER_WRITER = 20  # Two of each digit.
PEN_HEADER = '.LEXICON "0" "1" "2" "3" "4" "5" "6" "7" "8" "9"\n.HIERARCHY DIGIT\n\n'


def write_mnist(folder, seed=0):
    """The four MNIST IDX files (uncompressed) in `folder`: 60,000 + 10,000 digits drawn at 28x28."""
    rng = np.random.default_rng(seed)
    for split, count in MNIST_COUNTS.items():
        labels = (np.arange(count) % 10).astype(np.uint8)
        images = np.stack([_mnist_digit(label, rng) for label in labels])
        (folder / f"{split}-images-idx3-ubyte").write_bytes(struct.pack(">IIII", 0x803, count, 28, 28) + images.tobytes())
        (folder / f"{split}-labels-idx1-ubyte").write_bytes(struct.pack(">II", 0x801, count) + labels.tobytes())


def _mnist_digit(label, rng):
    """uint8 (28, 28) white on black: the digit in a box of about 20 px, as MNIST stores it."""
    image = Image.new("L", (28, 28))
    draw = ImageDraw.Draw(image)
    for stroke in _jittered(WRITER[str(label)], rng):
        points = [(4 + 20 * x, 4 + 20 * y) for x, y in stroke]
        draw.line(points if len(points) > 1 else points * 2, fill=255, width=int(rng.integers(2, 4)), joint="curve")
    return np.asarray(image)


def write_pendigits(folder, seed=0):
    """pendigits-orig.tra in the UCI's UNIPEN format: PEN_WRITERS writers, each digit twice, the
    writers taking turns as in the UCI file (its first digits hold every writer)."""
    rng = np.random.default_rng(seed)
    segments = []
    for number in range(PEN_WRITERS * PEN_DIGITS_PER_WRITER):
        label, writer = (number // PEN_WRITERS) % 10, 1 + number % PEN_WRITERS
        lines = [f'.SEGMENT DIGIT {number} ? "{label}"', f".COMMENT {label} {writer} {number}"]
        for stroke in _jittered(WRITER[str(label)], rng):
            # Tablet coordinates: integers, y growing upwards.
            lines += [".PEN_DOWN", *(f" {round(100 + 300 * x)}  {round(400 - 300 * y)}" for x, y in stroke), ".PEN_UP"]
        segments.append("\n".join(lines + [".DT 100", ""]) + "\n")
    (folder / "pendigits-orig.tra").write_text(PEN_HEADER + "".join(segments), encoding="ascii")


def _jittered(strokes, rng):
    """Unit-square polylines, slanted, scaled and moved a little, staying in the unit square."""
    slant, scale = rng.uniform(-0.15, 0.15), rng.uniform(0.8, 1.0)
    shift = rng.uniform(0, 1 - scale, size=2)
    return [[(min(1.0, max(0.0, shift[0] + scale * (x + slant * (y - 0.5)))), shift[1] + scale * y)
             for x, y in stroke] for stroke in strokes]
