"""Freehand benchmark: MNIST test digits redrawn the way people draw them on the sketchpad.

Each digit's centre line is retraced with a round brush 10-40 px wide onto an 800x800 transparent
layer, 30-85 % of the canvas tall, at a random position, and sent as the sketchpad's RGBA value
through the app's own preprocessing and model. The naive baseline resizes the whole canvas to
28x28, as many public demos do.

    python -m benchmarks.bench_freehand [--count 2000] [--seed 0]
"""

import argparse
import time

import numpy as np
from PIL import Image

from benchmarks.drawing import draw_mnist, sketchpad
from lenet.config import DEFAULT_MODEL_DIR
from lenet.inference import Classifier
from lenet.reader import DigitReader
from lenet.train.data import load_mnist

CANVAS = 800
BRUSH_RANGE = (10, 40)
HEIGHT_RANGE = (0.30, 0.85)


def random_drawing(digit_image, rng):
    """MNIST (28, 28) uint8 -> (sketchpad value, brush px, height fraction), drawn like a person."""
    brush = rng.uniform(*BRUSH_RANGE)
    height = rng.uniform(*HEIGHT_RANGE)
    # Keep the whole drawing on the canvas: the centre may move by what the digit leaves free.
    margin = height / 2 + brush / CANVAS
    center = tuple(rng.uniform(margin, 1 - margin, size=2)) if margin < 0.5 else (0.5, 0.5)
    return sketchpad(draw_mnist(digit_image, CANVAS, brush, height, center)), brush, height


def naive_resize(value):
    """What many public demos do: the whole canvas's ink shrunk to 28x28, no cropping or centring."""
    alpha = value["layers"][0][:, :, 3]
    return np.asarray(Image.fromarray(alpha).resize((28, 28), Image.Resampling.BILINEAR), np.float32) / 255


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="test digits to draw (default: 2000)")
    parser.add_argument("--seed", type=int, default=0, help="picks the digits and the drawing (default: 0)")
    parser.add_argument("--model-dir", default=str(DEFAULT_MODEL_DIR), help="SavedModel (default: saved_model)")
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    _, (x_test, y_test) = load_mnist()
    chosen = rng.choice(len(x_test), size=args.count, replace=False)
    reader = DigitReader(Classifier(args.model_dir))

    ours, naive, blanks, brushes, heights = [], [], 0, [], []
    started = time.perf_counter()
    for index in chosen:
        value, brush, height = random_drawing(x_test[index], rng)
        reading = reader.read(value)
        blanks += reading.is_blank
        ours.append(reading.label == str(y_test[index]))
        naive.append(reader.classifier.predict(naive_resize(value)).argmax() == y_test[index])
        brushes.append(brush)
        heights.append(height)
    ours, naive, brushes, heights = map(np.array, (ours, naive, brushes, heights))

    print(f"{args.count} MNIST test digits redrawn freehand (seed {args.seed}), "
          f"{time.perf_counter() - started:.0f} s")
    print(f"  accuracy, this app's preprocessing : {ours.mean():.2%}  ({blanks} read as blank)")
    print(f"  accuracy, naive whole-canvas resize: {naive.mean():.2%}")
    for low, high in ((10, 20), (20, 30), (30, 40)):
        chosen_brush = (brushes >= low) & (brushes < high)
        print(f"  brush {low}-{high} px: {ours[chosen_brush].mean():.2%} of {chosen_brush.sum()}")
    for low, high in ((0.30, 0.50), (0.50, 0.70), (0.70, 0.85)):
        chosen_height = (heights >= low) & (heights < high)
        print(f"  height {low:.0%}-{high:.0%} of canvas: {ours[chosen_height].mean():.2%} of {chosen_height.sum()}")


if __name__ == "__main__":
    main()
