"""The committed model's recipe: its settings, each with its reason, and the data it mixes.

MNIST with scan copies, plus pen-drawn digits split by writer and drawn as a person draws in the
app. Nothing here imports TensorFlow: train_model.py reads its defaults before it loads TensorFlow,
so --help and a mistyped flag answer at once. lenet/train/trainer.py fits the model.
"""

import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from lenet.config import PROJECT_ROOT
from lenet.train.pen_render import DEFAULT_STYLE, render_digits
from lenet.train.pendigits import (
    default_pen_data_dir,
    keep_writers,
    load_pendigits,
    writer_split,
)
from lenet.train.scans import scan_copies, with_scan_copies
from lenet.train.segments import JUNK_LABEL, cut_windows

# Each default has a flag in train_model.py whose help repeats it.
EPOCHS = 30
BATCH_SIZE = 128
LEARNING_RATE = 2e-3  # Peak of the cosine decay.
SEED = 1
VARIANT = "modern"
AUGMENT_STRENGTH = 1.0  # Scales every distortion range in lenet/train/augment.py.
# Fine-tuning (--init-from) starts from trained weights: fewer epochs, a gentler learning rate.
FINE_TUNE_EPOCHS = 3
FINE_TUNE_LEARNING_RATE = 2e-4
VALIDATION_FRACTION = 1 / 12  # 5,000 of the 60,000 training images; the test set is never used to choose.
# Pen-drawn digits (UCI pendigits, 30 writers) teach styles MNIST's US writers rarely use.
PEN_SHARE = 0.15  # Of every batch: the most that keeps MNIST test at 99.4 % (docs/TRAINING.md).
PEN_VARIANTS = 4  # Drawings of each trajectory, each with its own brush, size, slant and place.
PEN_VALIDATION_WRITERS = 5  # Whole writers held out, never random samples.
PEN_BRUSH = DEFAULT_STYLE.brushes  # Brush diameter as a fraction of the digit's height.
# Training drawings' strokes are bent smoothly (up to about this share of the digit's size) and a
# digit's strokes moved apart a little: 25 writers' hands made more varied, which reads held-out
# writers better (docs/TRAINING.md). Validation drawings stay as drawn.
PEN_WOBBLE = 0.08
PEN_STROKE_SHIFT = 0.03
# Copies of this share of the MNIST training digits, and of the pen drawings, stored as scanned sets
# store digits (lenet/train/scans.py: the ink box stretched to a small square), teach the shapes of scans
# that users upload (docs/TRAINING.md).
MNIST_SCANS = 0.10
PEN_SCANS = 0.25
# Windows cut from pairs of touching digits as the segmenter cuts a number (lenet/train/segments.py):
# half digits and two digits together trained towards "none of them", digits carrying bits of a
# neighbour towards their own label. JUNK_SHARE of a batch's size is added to every batch, on top of its
# digits: the least tried that lets touching numbers be cut; more costs single digits (docs/TRAINING.md).
JUNK_SHARE = 0.03
JUNK_WINDOWS = 30_000  # Cut once per run (about 7 s on 2 cores); augmentation varies them further.
JUNK_PEN_PAIRS = 0.5  # Share of the pairs made of pen drawings, the app's own kind of ink; MNIST the rest.
TUNE_DIR = PROJECT_ROOT / "tuning"  # Git-ignored; keeps searches resumable.
# What --tune searches, starting from this recipe; flags that set these by hand are ignored then.
RECIPE = {"variant": VARIANT, "learning_rate": LEARNING_RATE, "batch_size": BATCH_SIZE,
          "augment_strength": AUGMENT_STRENGTH}


@dataclass(frozen=True)
class PenData:
    """Pen drawings as to_mnist makes them, split by writer, and where they came from."""

    train: tuple  # (uint8 (N, 28, 28), uint8 (N,)), args.pen_variants drawings per trajectory
    validation: tuple  # one drawing per trajectory of the held-out writers
    training_writers: list
    validation_writers: list
    source: dict  # for metadata.json
    trajectories: tuple  # The training writers' PenDigits, for --tune to draw with other brushes.


def load_pen_data(args):
    """Load, split by writer and draw the pen digits for args; None with --no-pen-data."""
    if args.no_pen_data:
        return None
    folder = default_pen_data_dir(args.pen_data)
    print(f"Drawing pen digits from {folder or 'the UCI download'} ...", flush=True)
    started = time.perf_counter()
    digits = load_pendigits(args.pen_data)
    if args.limit:
        digits = replace(digits, digits=digits.digits[: args.limit])  # The file mixes writers and digits.
    held_out_writers = args.pen_held_out_writers or args.pen_validation_writers
    train_indices, validation_indices, held_out = writer_split(digits, held_out_writers, args.seed)
    if args.pen_training_writers:
        train_indices, _ = keep_writers(digits, train_indices, args.pen_training_writers, args.seed)
    pick = lambda indices: [digits.digits[index] for index in indices]  # noqa: E731
    trajectories = tuple(pick(train_indices))
    train = draw_pen_training(trajectories, args, args.pen_brush)
    validation = draw_pen_validation(pick(validation_indices), args.seed)
    writers = sorted(set(digits.writers[train_indices].tolist()))
    print(f"Drew {len(train[1]) + len(validation[1]):,} pen digits in {time.perf_counter() - started:.0f} s.")
    source = {"file": digits.name, "md5": digits.md5,
              "origin": relative_name(folder) if folder else "UCI download (Keras cache)",
              "training_writers": writers, "validation_writers": held_out,
              "variants": args.pen_variants, "share": args.pen_share, "brush": list(args.pen_brush),
              "wobble": args.pen_wobble, "stroke_shift": args.pen_stroke_shift, "scan_copies": args.pen_scans}
    return PenData(train, validation, writers, held_out, source, trajectories)


def with_scans(x_fit, y_fit, args, pen):
    """MNIST training digits plus scan copies of args.mnist_scans of them and of args.pen_scans of the
    pen training drawings (lenet/train/scans.py). The copies join MNIST's side of every batch, so
    --pen-share stays the share of pen drawings as drawn."""
    started = time.perf_counter()
    images, labels = with_scan_copies(x_fit, y_fit, args.mnist_scans, args.seed)
    if pen is not None and args.pen_scans > 0:
        pen_images, pen_labels = scan_copies(*pen.train, args.pen_scans, args.seed + 1)
        images, labels = np.concatenate([images, pen_images]), np.concatenate([labels, pen_labels])
    if len(images) > len(x_fit):
        print(f"Made {len(images) - len(x_fit):,} scan copies in {time.perf_counter() - started:.0f} s.")
    return images, labels


def cut_junk(x_fit, y_fit, args, pen):
    """Windows cut from pairs of training digits (MNIST's, and the pen drawings if given) for
    args.junk_share of every batch: (uint8 (M, 28, 28), labels, JUNK_LABEL for junk); None if 0."""
    if args.junk_share == 0:
        return None
    started = time.perf_counter()
    count = min(JUNK_WINDOWS, len(x_fit))  # A smoke run (--limit) cuts few.
    pen_count = round(JUNK_PEN_PAIRS * count) if pen is not None else 0
    images, labels = cut_windows(x_fit, y_fit, count - pen_count, args.seed + 3)
    if pen_count:
        pen_images, pen_labels = cut_windows(*pen.train, pen_count, args.seed + 4)
        images, labels = np.concatenate([images, pen_images]), np.concatenate([labels, pen_labels])
    junk = int(np.sum(labels == JUNK_LABEL))
    print(f"Cut {len(labels):,} windows from pairs of digits ({junk:,} junk, {len(labels) - junk:,} digits "
          f"carrying bits of a neighbour) in {time.perf_counter() - started:.0f} s.")
    return images, labels


def draw_pen_validation(trajectories, seed):
    """The held-out writers' drawings the trainer measures: one per trajectory, in the default style,
    so runs with other brush ranges compare fairly."""
    return render_digits(trajectories, 1, seed + 1)


def draw_pen_training(trajectories, args, brush):
    """The training drawings: args.pen_variants of each trajectory, bent and shifted as args say,
    brush diameters within `brush` (low, high)."""
    style = replace(DEFAULT_STYLE, brushes=tuple(brush), wobble=args.pen_wobble, stroke_shift=args.pen_stroke_shift)
    return render_digits(trajectories, args.pen_variants, args.seed, style)


def relative_name(path):
    """A data folder as metadata names it: relative to the project if beside it, else its own name."""
    path = Path(path).resolve()
    if path.is_relative_to(PROJECT_ROOT.parent):
        return os.path.relpath(path, PROJECT_ROOT)
    return path.name
