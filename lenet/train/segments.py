"""Windows cut from pairs of touching digits, as recognition-driven segmentation cuts a number.

The segmenter cuts a number's ink at many candidate places and has the network score every run of
pieces between cuts; dynamic programming keeps the path whose segments each look most like one
digit. So the network must also see what is not one digit. Two digits are put side by side,
touching or overlapping, and column windows are cut from them the way a segmenter cuts:

    half      the left or right 30-70 % of one digit                    -> JUNK_LABEL
    pair      a digit with at least 40 % of its neighbour, or both      -> JUNK_LABEL
    carried   a digit with at most a sliver of its neighbour, or cut a
              little inside itself                                       -> the digit's own label

Each window's ink is read by the app's own ink_to_mnist, as the segmenter reads a run of pieces.
Junk is trained towards the uniform distribution over the ten digits (pipeline.py), so the model
keeps its ten outputs and answers "none of them" with a flat, low top probability.
"""

import numpy as np
from PIL import Image

from lenet.config import IMAGE_SIZE, NUM_CLASSES
from lenet.preprocess import ink_to_mnist
from lenet.train.parallel import map_in_processes

JUNK_LABEL = NUM_CLASSES  # "Not one digit": 10, after the ten digits' labels.
KINDS = ("half", "pair", "carried")
KIND_SHARES = (1 / 3, 1 / 3, 1 / 3)  # Of the windows cut for training: two thirds junk.
# Digits are composed at twice MNIST's 20 px box: cuts through thin strokes stay clean.
DIGIT_HEIGHT = 40
HEIGHT_JITTER = 0.10  # Each digit's height varies by up to this share.
VERTICAL_OFFSET = 0.10  # The right digit sits up to this share of the height higher or lower.
MAX_OVERLAP = 0.25  # Columns shared by the two digits, as a share of the height.
HALF = (0.3, 0.7)  # Share of a digit's width a "half" window keeps.
NEIGHBOUR_PART = (0.4, 1.0)  # Share of the neighbour's width a "pair" window takes in.
MAX_SLIVER = 0.15  # Most of the neighbour's width, and of its ink, a "carried" window takes in.
MAX_LOSS = 0.10  # Most of its own width a "carried" digit loses to the cut.
# A digit narrower than this share of its height (a 1) is not halved, and a half that narrow is
# dropped: a lone stroke reads as a 1, and training it as junk costs the 1s.
MIN_HALVED_WIDTH = 0.45
MARGIN = 4  # Blank px around the pair, as a drawing has.
# Below this ink level (uint8) a pixel is the anti-aliased edge, not the digit's box.
INK_LEVEL = 76


def cut_windows(images, labels, count, seed, kind_shares=KIND_SHARES):
    """uint8 (N, 28, 28) digits white on black, labels (N,) -> (uint8 (M, 28, 28), uint8 (M,)).

    Cuts `count` windows from random pairs of the digits, each of a kind drawn with `kind_shares`
    (half, pair, carried); labels are JUNK_LABEL or the carried digit's. Windows that ink_to_mnist
    calls blank, halves of narrow digits and carried windows that would take in more than a sliver
    are left out, so M <= count. The same seed cuts the same windows; reading runs on every core.
    """
    if len(images) < 2:
        raise ValueError(f"Cutting windows needs at least 2 digits to pair, got {len(images)}.")
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, len(images), size=(count, 2))
    kinds = rng.choice(len(KINDS), size=count, p=np.asarray(kind_shares) / np.sum(kind_shares))
    # Which digit the window is about (0 left, 1 right), and seven uniform numbers for its geometry.
    targets = rng.integers(0, 2, size=count)
    draws = rng.random((count, 7))
    items = [(images[left], images[right], KINDS[kind], int(target), draw)
             for (left, right), kind, target, draw in zip(pairs, kinds, targets, draws)]
    windows = map_in_processes(cut_window, items)
    kept = [position for position, window in enumerate(windows) if window is not None]
    if not kept:
        return np.zeros((0, IMAGE_SIZE, IMAGE_SIZE), np.uint8), np.zeros(0, np.uint8)
    carried = kinds[kept] == KINDS.index("carried")
    own = np.asarray(labels)[pairs[kept, targets[kept]]]
    window_labels = np.where(carried, own, JUNK_LABEL).astype(np.uint8)
    return np.stack([windows[position] for position in kept]), window_labels


def cut_window(item):
    """(left digit, right digit, kind, target 0/1, 7 uniform draws) -> uint8 (28, 28) window as
    ink_to_mnist reads it; None if the kind cannot be cut from this pair or the window is blank."""
    left, right, kind, target, draw = item
    heights = [DIGIT_HEIGHT * (1 + HEIGHT_JITTER * (2 * u - 1)) for u in draw[:2]]
    inks = [_ink_at_height(image, height) for image, height in zip((left, right), heights)]
    if any(ink is None for ink in inks):
        return None
    widths = [ink.shape[1] for ink in inks]
    overlap = min(draw[2] * MAX_OVERLAP * DIGIT_HEIGHT, 0.5 * min(widths))
    offset = VERTICAL_OFFSET * DIGIT_HEIGHT * (2 * draw[3] - 1)
    layers, starts = _compose(inks, overlap, offset)
    # Measure along the cut's direction: 0 at the target's outer edge, growing towards its neighbour.
    own_width, neighbour_width = widths[target], widths[1 - target]
    neighbour_start = own_width - overlap
    if kind == "half":
        if own_width < MIN_HALVED_WIDTH * heights[target]:
            return None
        kept = HALF[0] + (HALF[1] - HALF[0]) * draw[4]
        # The outer part of the digit, or its inner part (which holds any overlapping ink).
        span = (-MARGIN, kept * own_width) if draw[5] < 0.5 else ((1 - kept) * own_width, own_width)
    elif kind == "pair":
        part = NEIGHBOUR_PART[0] + (NEIGHBOUR_PART[1] - NEIGHBOUR_PART[0]) * draw[4]
        span = (-MARGIN, neighbour_start + part * neighbour_width + (MARGIN if part > 0.95 else 0))
    else:
        lowest, highest = (1 - MAX_LOSS) * own_width, neighbour_start + MAX_SLIVER * neighbour_width
        if highest < lowest:
            return None
        span = (-MARGIN, lowest + (highest - lowest) * draw[4])
    columns = _columns(span, starts[target], own_width, target)
    if kind == "carried":
        neighbour = layers[1 - target]
        if neighbour[:, columns].sum() > MAX_SLIVER * neighbour.sum():
            return None
    window = np.maximum(*layers)[:, columns]
    if kind == "half" and _is_narrow(window):
        return None  # A stroke as narrow as a 1 is read as one: no junk to learn from it.
    canvas_shape = layers[0].shape
    digit = ink_to_mnist(window, canvas_shape=canvas_shape, on_canvas=True)
    return None if digit is None else np.rint(digit * 255).astype(np.uint8)


def _is_narrow(ink):
    """Whether the ink box of uint8 (H, W) ink is narrower than MIN_HALVED_WIDTH of its height, like a 1."""
    rows, columns = np.nonzero(ink > INK_LEVEL)
    if len(rows) == 0:
        return True
    return np.ptp(columns) + 1 < MIN_HALVED_WIDTH * (np.ptp(rows) + 1)


def _ink_at_height(image, height):
    """uint8 (28, 28) white on black -> uint8 crop of its ink box scaled to `height` px tall; None if no ink."""
    rows, columns = np.nonzero(image > INK_LEVEL)
    if len(rows) == 0:
        return None
    # The crop keeps the faint edge one pixel around the box.
    top, bottom = max(rows.min() - 1, 0), min(rows.max() + 2, image.shape[0])
    first, last = max(columns.min() - 1, 0), min(columns.max() + 2, image.shape[1])
    crop = image[top:bottom, first:last]
    scale = height / crop.shape[0]
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(height)))
    return np.asarray(Image.fromarray(crop).resize(size, Image.Resampling.BILINEAR))


def _compose(inks, overlap, offset):
    """Two inks side by side, the right one `overlap` px into the left and `offset` px lower ->
    ([left layer, right layer] uint8 (H, W) on one canvas, [left start, right start] columns)."""
    (left, right), overlap = inks, round(overlap)
    tops = [MARGIN + max(0, -round(offset)), MARGIN + max(0, round(offset))]
    starts = [MARGIN, MARGIN + left.shape[1] - overlap]
    height = max(tops[0] + left.shape[0], tops[1] + right.shape[0]) + MARGIN
    width = starts[1] + right.shape[1] + MARGIN
    layers = []
    for ink, top, start in zip(inks, tops, starts):
        layer = np.zeros((height, width), np.uint8)
        layer[top : top + ink.shape[0], start : start + ink.shape[1]] = ink
        layers.append(layer)
    return layers, starts


def _columns(span, start, width, target):
    """(from, to) px measured from the target's outer edge towards its neighbour -> canvas slice."""
    near, far = span
    if target == 0:
        first, last = start + near, start + far
    else:
        first, last = start + width - far, start + width - near
    return slice(max(0, round(first)), max(round(first) + 1, round(last)))


def rejection_figures(predict, images, labels, count=2000, seed=0):
    """How `predict` ((N, 28, 28) uint8 -> (N, 10) probabilities) tells junk from digits on windows
    cut from pairs of `images` (e.g. MNIST test): `count` junk windows and `count` carried ones.

    Returns {"junk_windows", "digit_windows", "junk_mean_top", "digit_mean_top",
    "junk_below_half", "digit_at_least_half", "digit_accuracy"}: mean top probabilities, the share
    of junk whose top probability is below 0.5, of digits whose top is at least 0.5, and how many
    digits are read right.
    """
    # Some cuts are left out (cut_windows): cut twice as many as needed and keep the first.
    junk, _ = cut_windows(images, labels, 2 * count, seed, kind_shares=(1, 1, 0))
    digits, digit_labels = cut_windows(images, labels, 2 * count, seed + 1, kind_shares=(0, 0, 1))
    junk, digits, digit_labels = junk[:count], digits[:count], digit_labels[:count]
    junk_top = predict(junk).max(axis=1)
    digit_probabilities = predict(digits)
    digit_top = digit_probabilities.max(axis=1)
    return {
        "junk_windows": len(junk),
        "digit_windows": len(digits),
        "junk_mean_top": round(float(junk_top.mean()), 4),
        "digit_mean_top": round(float(digit_top.mean()), 4),
        "junk_below_half": round(float(np.mean(junk_top < 0.5)), 4),
        "digit_at_least_half": round(float(np.mean(digit_top >= 0.5)), 4),
        "digit_accuracy": round(float(np.mean(digit_probabilities.argmax(axis=1) == digit_labels)), 4),
    }


def describe_rejection(figures):
    """rejection_figures' dict -> one line for the trainer's report."""
    return (f"Windows cut from MNIST test pairs: junk mean top probability {figures['junk_mean_top']:.3f}, "
            f"{figures['junk_below_half']:.1%} of {figures['junk_windows']:,} below 0.5; digits carrying "
            f"bits of a neighbour mean top {figures['digit_mean_top']:.3f}, {figures['digit_at_least_half']:.1%} "
            f"of {figures['digit_windows']:,} at 0.5 or more, {figures['digit_accuracy']:.2%} read right.")
