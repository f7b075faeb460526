"""Preprocessing time by canvas shape: no shape up to 4096 px may cost more than 8000x8000.

For each kind of picture (dtype, channels, what is drawn), times `to_mnist` on an 8000x8000
canvas and on the shapes the property tests generate at their extremes (4096 square, slivers,
just over the shrink threshold, tiny), and prints each one's ratio to the 8000x8000 time.

    python -m benchmarks.bench_preprocess_sizes [--repeats 3]
"""

import argparse
import time

import numpy as np
from PIL import Image, ImageDraw

from lenet.preprocess import to_mnist

SHAPES = [(8000, 8000), (4096, 4096), (4096, 3), (3, 4096), (1025, 1025), (28, 28), (1, 1)]


def lines(shape):
    """uint8 (H, W): a "7" of lines across the canvas, as thick as a brush on it would be."""
    height, width = shape
    layer = Image.new("L", (width, height), 0)
    path = [(0.1 * width, 0.1 * height), (0.9 * width, 0.1 * height), (0.4 * width, 0.9 * height)]
    ImageDraw.Draw(layer).line(path, fill=255, width=max(1, min(shape) // 30))
    return np.asarray(layer)


def noise(shape):
    return np.random.default_rng(0).integers(0, 256, shape, np.uint8)


KINDS = {
    "sketchpad layer, uint8 RGBA, ink in alpha": lambda s: {"layers": [np.dstack([np.zeros((*s, 3), np.uint8), lines(s)])]},
    "uint8 RGB, dark lines on white": lambda s: np.repeat((255 - lines(s))[:, :, np.newaxis], 3, axis=2),
    "uint16 grey lines": lambda s: lines(s).astype(np.uint16) * 257,
    "float32 grey noise": lambda s: noise(s).astype(np.float32) / 255,
    "bool lines": lambda s: lines(s) > 127,
}


def seconds(drawing, repeats):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        to_mnist(drawing)
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per case, median kept (default: 3)")
    args = parser.parse_args()

    worst = 0.0
    for kind, make in KINDS.items():
        print(kind)
        reference = None
        for shape in SHAPES:
            drawing = make(shape)
            took = seconds(drawing, args.repeats)
            reference = reference or took
            ratio = took / reference
            if shape != SHAPES[0]:
                worst = max(worst, ratio)
            print(f"  {shape[0]:>4}x{shape[1]:<4} {took * 1000:9.1f} ms  {ratio:6.3f} x 8000x8000")
            del drawing
    print(f"slowest shape up to 4096 px: {worst:.3f} x the 8000x8000 canvas of the same kind")


if __name__ == "__main__":
    main()
