"""Populations benchmark: the committed model next to the MNIST-only recipe, on each kind of handwriting.

Rows: MNIST test (as published); freehand MNIST (test digits retraced with a brush on an 800 px
canvas, as bench_freehand.py draws them, through the app's preprocessing); pen drawings of the
held-out pen writers (the trainer's default writer split, drawn as in the app, through the same
preprocessing); the same writers drawn with a thick brush, as an 18 px brush draws a number's
digits 60-120 px tall (small loops close up); scans cropped tight (test digits stored as
USPS and Semeion store their scans: the ink box stretched to fill 16x16, dark on white, through
the same preprocessing), the same scans thresholded to black and white as Semeion's are, and the
held-out pen writers' drawings stored as such scans (writers no training set holds; training
scans only other digits), with the share the app calls blank. Then the recall of each digit per
population, so the weak digits show.

    python -m benchmarks.bench_populations [--baseline-dir DIR] [--freehand 2000] [--pen-variants 3] [--scans 2000]

The MNIST-only model is trained once into --baseline-dir with `python train_model.py --no-pen-data
--mnist-scans 0` (the recipe before pen data and scans) when that folder holds no model (about 2.5 min
on 2 cores).
"""

import argparse
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.bench_freehand import random_drawing
from lenet.config import DEFAULT_MODEL_DIR, NUM_CLASSES, PROJECT_ROOT
from lenet.inference import Classifier
from lenet.preprocess import to_mnist
from lenet.train.data import load_mnist
from lenet.train.pen_render import DEFAULT_STYLE, render_digits
from lenet.train.pendigits import load_pendigits, writer_split
from lenet.train.recipe import PEN_VALIDATION_WRITERS, SEED
from lenet.train.scans import has_ink, tight_crop

BASELINE_DIR = PROJECT_ROOT / "benchmarks" / "results" / "mnist_only_model"
# Brush diameter as a fraction of the digit's height: an 18 px brush (the app's before 2026-12-04)
# on digits 60-120 px tall, the size of a number's digits on its 480x240 canvas, or a finger.
THICK_BRUSHES = (0.15, 0.30)


def populations(freehand_count, pen_variants, scan_count, seed):
    """{name: (float32 (N, 28, 28) model inputs, uint8 (N,) labels)}, each as the app would feed the model."""
    _, (x_test, y_test) = load_mnist()
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(x_test), size=freehand_count, replace=False)
    freehand = [as_model_input(random_drawing(x_test[index], rng)[0]) for index in chosen]
    scanned = rng.choice(len(x_test), size=scan_count, replace=False)
    scans = [as_model_input(tight_crop(x_test[index])) for index in scanned]
    black_and_white = [as_model_input(tight_crop(x_test[index], thresholded=True)) for index in scanned]
    pen = load_pendigits()
    _, validation, writers = writer_split(pen, PEN_VALIDATION_WRITERS, SEED)
    # Drawn with another seed than the trainer's validation drawings: new brushes, sizes, places.
    held_out = [pen.digits[i] for i in validation]
    pen_images, pen_labels = render_digits(held_out, pen_variants, seed + 100, keep_blank=True)
    thick_images, thick_labels = render_digits(held_out, pen_variants, seed + 200,
                                               replace(DEFAULT_STYLE, brushes=THICK_BRUSHES), keep_blank=True)
    return {
        "MNIST test": (x_test / np.float32(255), y_test),
        f"freehand MNIST ({freehand_count} redrawn)": (np.stack(freehand), y_test[chosen]),
        f"pen, held-out writers {','.join(map(str, writers))} ({len(pen_labels)} drawings)":
            (pen_images / np.float32(255), pen_labels),
        f"the same writers, thick brush ({THICK_BRUSHES[0]:g}-{THICK_BRUSHES[1]:g} of the height)":
            (thick_images / np.float32(255), thick_labels),
        f"scans cropped tight ({scan_count} test digits, 16x16)": (np.stack(scans), y_test[scanned]),
        "the same scans in black and white": (np.stack(black_and_white), y_test[scanned]),
        f"pen held-out writers' drawings as such scans ({len(pen_labels)})":
            (np.stack([as_scan_input(image) for image in pen_images]), pen_labels),
    }


def as_model_input(drawing):
    """Drawing -> what the app feeds the model; a drawing it calls blank counts as a miss: all zeros
    read as no digit here."""
    image = to_mnist(drawing)
    return image if image is not None else np.zeros((28, 28), np.float32)


def as_scan_input(drawing):
    """uint8 (28, 28) pen drawing (zeros if the app called it blank) -> its tight scan as the app reads it."""
    return as_model_input(tight_crop(drawing)) if has_ink(drawing) else np.zeros((28, 28), np.float32)


def recalls(classifier, images, labels):
    """(accuracy, (10,) recall per digit)."""
    predicted = classifier.predict_batch(images).argmax(axis=1)
    right = predicted == labels
    return right.mean(), np.array([right[labels == digit].mean() for digit in range(NUM_CLASSES)])


def ensure_baseline(folder):
    if (folder / "saved_model.pb").is_file():
        return
    command = [sys.executable, "train_model.py", "--no-pen-data", "--mnist-scans", "0", "--output", str(folder)]
    print(f"Training the MNIST-only recipe once: {' '.join(command[1:])}", flush=True)
    subprocess.run(command, cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default=str(DEFAULT_MODEL_DIR), help="model to measure (default: saved_model)")
    parser.add_argument("--baseline-dir", default=str(BASELINE_DIR),
                        help="the MNIST-only recipe's model, trained there if absent "
                             "(default: benchmarks/results/mnist_only_model)")
    parser.add_argument("--freehand", type=int, default=2000, help="MNIST test digits redrawn (default: 2000)")
    parser.add_argument("--pen-variants", type=int, default=3,
                        help="drawings of each held-out pen trajectory (default: 3)")
    parser.add_argument("--scans", type=int, default=2000, help="MNIST test digits cropped tight (default: 2000)")
    parser.add_argument("--seed", type=int, default=0, help="picks and draws the digits (default: 0)")
    args = parser.parse_args()

    baseline_dir = Path(args.baseline_dir)
    ensure_baseline(baseline_dir)
    models = {"committed": Classifier(args.model_dir), "MNIST-only recipe": Classifier(baseline_dir)}
    started = time.perf_counter()
    data = populations(args.freehand, args.pen_variants, args.scans, args.seed)
    print(f"Drew the populations in {time.perf_counter() - started:.0f} s.\n")

    results = {(population, name): recalls(model, *data[population])
               for population in data for name, model in models.items()}
    names = list(models)
    print(f"| population | {' | '.join(names)} | called blank |")
    print(f"|---|{'---|' * len(names)}---|")
    for population, (images, _) in data.items():
        # as_model_input's zeros: the app would have answered "Draw a digit".
        blank = np.mean(~images.reshape(len(images), -1).any(axis=1))
        print(f"| {population} | {' | '.join(f'{results[population, name][0]:.2%}' for name in names)} "
              f"| {blank:.2%} |")
    print("\nRecall per digit (committed / MNIST-only):\n")
    print(f"| population | {' | '.join(str(digit) for digit in range(NUM_CLASSES))} |")
    print(f"|---|{'---|' * NUM_CLASSES}")
    for population in data:
        cells = [f"{results[population, names[0]][1][digit]:.1%} / {results[population, names[1]][1][digit]:.1%}"
                 for digit in range(NUM_CLASSES)]
        print(f"| {population.split(' (')[0]} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
