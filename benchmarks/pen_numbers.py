"""Write numbers with held-out pen writers' digits, as a hand writes them on the app's canvas.

A number is one writer's digit trajectories (UCI pen digits, lenet/train/pendigits.py) from the
trainer's held-out writers, never trained on. Each digit is scaled to about the number's height
(+-10 %), slanted and turned a little as a hand varies, lifted or dropped a little off the
baseline, and painted with one round brush for the whole number. Gaps between one digit's ink box
and the next are in digit heights; a negative gap overlaps the boxes. Touching numbers press the
next digit on until the two inks meet (overlapping boxes do not make a 7's bar meet a 1's foot),
at most PRESS_LIMIT deep. Every function returns a PenNumber: its alpha, uint8 (H, W), 255 where
painted, and the digits it shows.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from lenet.train.pendigits import load_pendigits, writer_split
from lenet.train.recipe import PEN_VALIDATION_WRITERS, SEED

NUMBER_LENGTHS = (2, 3, 4, 5)
HEIGHT_JITTER = 0.1  # Each digit's height varies by this fraction around the number's.
SLANT_JITTER = 0.1  # Shear added to the writer's own slant for a whole number ...
DIGIT_SLANT_JITTER = 0.05  # ... and for each digit on top of it.
DIGIT_TURN_DEGREES = 3.0
BASELINE_JITTER = 0.04  # Each digit's bottom off the line, in digit heights.
# Gaps between ink boxes, in digit heights: touching overlaps the boxes; zeros in a chain overlap
# a little more; gapped is the space people leave, as the MNIST "normal" row.
TOUCHING_GAPS = (-0.2, 0.0)
CHAINED_GAPS = (-0.25, -0.05)
GAPPED_GAPS = (0.15, 0.5)
PRESS_LIMIT = 0.35  # Deepest box overlap, in digit heights, a touching digit is pressed on to meet its neighbour.


@dataclass(frozen=True)
class PenNumber:
    """A written number: what the canvas receives (alpha, uint8 (H, W)) and the digits a reader should return."""

    alpha: np.ndarray
    text: str


def held_out_hands():
    """{writer: {digit: [strokes, ...]}} for the trainer's held-out pen writers (lenet/train/recipe.py)."""
    pen_digits = load_pendigits()
    _, indices, writers = writer_split(pen_digits, PEN_VALIDATION_WRITERS, SEED)
    hands = {writer: {digit: [] for digit in range(10)} for writer in writers}
    for index in indices:
        written = pen_digits.digits[index]
        hands[written.writer][written.label].append(written.strokes)
    return hands


def touching(hand, height, brush, rng, lengths=NUMBER_LENGTHS):
    """Random digits, neighbours' boxes overlapping by 0-0.2 heights and pressed on until they meet."""
    text = _random_digits(rng.choice(lengths), rng)
    return _write(hand, text, height, brush, rng.uniform(*TOUCHING_GAPS, len(text) - 1), rng, press=True)


def gapped(hand, height, brush, rng, lengths=NUMBER_LENGTHS):
    """Random digits with the gaps people leave (0.15-0.5 heights)."""
    text = _random_digits(rng.choice(lengths), rng)
    return _write(hand, text, height, brush, rng.uniform(*GAPPED_GAPS, len(text) - 1), rng)


def chained_zeros(hand, height, brush, rng):
    """One or two leading digits, then 2-4 zeros (at most 5 digits: "300", "1000", "4500"), written
    touching; the zeros overlap by 0.05-0.25 heights so that they form a chain."""
    leading = _random_digits(rng.choice([1, 2]), rng, first_nonzero=True)
    zeros = rng.integers(2, min(4, 5 - len(leading)) + 1)
    gaps = [*rng.uniform(*TOUCHING_GAPS, len(leading)), *rng.uniform(*CHAINED_GAPS, zeros - 1)]
    return _write(hand, leading + "0" * zeros, height, brush, gaps, rng, press=True)


def underlined(hand, height, brush, rng, lengths=NUMBER_LENGTHS):
    """A gapped number with a hand-drawn line under it: slightly wavy and tilted, longer than the
    number at both ends, along the digits' bottoms so that it touches most of them."""
    text = _random_digits(rng.choice(lengths), rng)
    placed = _place(hand, text, height, brush, rng.uniform(*GAPPED_GAPS, len(text) - 1), rng)
    left, right = placed.ink_left(0), placed.ink_right(len(text) - 1)
    start, end = left - rng.uniform(0.1, 0.4) * height, right + rng.uniform(0.1, 0.4) * height
    xs = np.linspace(start, end, max(2, round((end - start) / (0.1 * height))))
    tilt = np.tan(np.deg2rad(rng.uniform(-1.5, 1.5)))
    period, phase = rng.uniform(1.5, 4) * height, rng.uniform(0, 2 * np.pi)
    wave = rng.uniform(0.01, 0.025) * height * np.sin(2 * np.pi * xs / period + phase)
    # The line's ink starts within a quarter brush of where the strokes' centres end: it covers
    # the bottoms of the digits standing on the line and misses some lifted off it.
    ys = placed.baseline_row + rng.uniform(0.25, 0.75) * brush + (xs - (start + end) / 2) * tilt + wave
    return PenNumber(_paint_on(placed.compose(), [np.column_stack([xs, ys])], brush), text)


def with_mark(hand, height, brush, rng, lengths=NUMBER_LENGTHS):
    """A gapped number with a period, a comma or a short dash between two of its digits, which the
    reader should leave out; the gap holding the mark is a gapped one plus the mark's width."""
    text = _random_digits(rng.choice(lengths), rng)
    kind, where = rng.choice(["period", "comma", "dash"]), rng.integers(len(text) - 1)
    mark = {"period": [[(0.0, 0.0)]],
            "comma": [[(0.02, -0.03), (0.03, 0.04), (-0.03, 0.14)]],
            "dash": [[(-0.13, 0.0), (0.13, rng.uniform(-0.03, 0.03))]]}[kind]
    scale = rng.uniform(0.8, 1.3)  # In digit heights; shapes are drawn around (0, 0).
    mark = [np.array(stroke) * scale * height for stroke in mark]
    mark_width = np.ptp(np.concatenate(mark)[:, 0]) + brush
    gaps = rng.uniform(*GAPPED_GAPS, len(text) - 1)
    gaps[where] += mark_width / height
    placed = _place(hand, text, height, brush, gaps, rng)
    alpha = placed.compose()
    # A period and a comma sit on the line; a dash halfway up the digits.
    x = (placed.ink_right(where) + placed.ink_left(where + 1)) / 2
    y = placed.baseline_row + (-rng.uniform(0.4, 0.6) * height if kind == "dash" else rng.uniform(-0.04, 0.02) * height)
    return PenNumber(_paint_on(alpha, [stroke + (x, y) for stroke in mark], brush), text)


def _random_digits(count, rng, first_nonzero=False):
    digits = rng.integers(0, 10, count)
    if first_nonzero:
        digits[0] = rng.integers(1, 10)
    return "".join(map(str, digits))


def _write(hand, text, height, brush, gaps, rng, press=False):
    placed = _place(hand, text, height, brush, gaps, rng, press)
    return PenNumber(placed.compose(), text)


@dataclass(frozen=True)
class _Placed:
    """Digits painted one by one (cropped to their ink) and where they go: integer columns of their
    ink boxes' left edges, rows of their tops below the number's top."""

    inks: list
    lefts: list
    tops: list
    baseline: float  # The row, below the number's top, the trajectories stand on.
    margin: int

    def ink_left(self, index):
        """Column, on the composed canvas, of digit `index`'s leftmost ink."""
        return self.margin + self.lefts[index]

    def ink_right(self, index):
        """Column, on the composed canvas, just right of digit `index`'s rightmost ink."""
        return self.margin + self.lefts[index] + self.inks[index].shape[1]

    @property
    def baseline_row(self):
        return self.baseline + self.margin

    def compose(self):
        """The number on a canvas with `margin` blank all round -> alpha (H, W)."""
        width = max(left + ink.shape[1] for left, ink in zip(self.lefts, self.inks)) + 2 * self.margin
        height = max(top + ink.shape[0] for top, ink in zip(self.tops, self.inks)) + 2 * self.margin
        canvas = np.zeros((height, width), np.uint8)
        for ink, left, top in zip(self.inks, self.lefts, self.tops):
            region = canvas[self.margin + top : self.margin + top + ink.shape[0],
                            self.margin + left : self.margin + left + ink.shape[1]]
            np.maximum(region, ink, out=region)
        return canvas


def _place(hand, text, height, brush, gaps, rng, press=False):
    """Digits of `text` from `hand`, each trajectory picked at random, laid out with `gaps` (digit
    heights) between their ink boxes -> _Placed. With `press`, a digit whose ink misses its left
    neighbour's is moved on until they meet, if that keeps the boxes' overlap within PRESS_LIMIT."""
    number_slant = rng.uniform(-SLANT_JITTER, SLANT_JITTER)
    inks, tops = [], []
    for digit in text:
        choices = hand[int(digit)]
        strokes = choices[rng.integers(len(choices))]
        ink, top = _paint_digit(strokes, height * rng.uniform(1 - HEIGHT_JITTER, 1 + HEIGHT_JITTER), brush,
                                number_slant + rng.uniform(-DIGIT_SLANT_JITTER, DIGIT_SLANT_JITTER),
                                rng.uniform(-DIGIT_TURN_DEGREES, DIGIT_TURN_DEGREES),
                                rng.uniform(-BASELINE_JITTER, BASELINE_JITTER) * height)
        inks.append(ink)
        tops.append(top)
    lefts = [0]
    for index, gap in enumerate(gaps):
        left = lefts[-1] + inks[index].shape[1] + round(gap * height)
        if press:
            deepest = lefts[-1] + inks[index].shape[1] - round(PRESS_LIMIT * height)
            meeting = _meeting_left(inks[index], lefts[-1], tops[index], inks[index + 1], tops[index + 1])
            if meeting is not None and deepest <= meeting < left:
                left = meeting
        lefts.append(left)
    highest = min(tops)
    tops = [top - highest for top in tops]
    margin = round(max(ink.shape[0] for ink in inks) / 2)  # As benchmarks.drawing.side_by_side leaves.
    return _Placed(inks, [left - min(lefts) for left in lefts], tops, -highest, margin)


def _paint_digit(strokes, height, brush, slant, turn_degrees, drop):
    """A pen trajectory slanted, turned and scaled to `height` px, standing `drop` px below the
    baseline -> (alpha cropped to its ink, row of its top relative to the baseline)."""
    angle = np.deg2rad(turn_degrees)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    matrix = rotation @ np.array([[1, -slant], [0, 1]])  # Shear x by height (y grows down): + leans right.
    points = [np.asarray(stroke, np.float64) @ matrix.T for stroke in strokes]
    everything = np.concatenate(points)
    low, high = everything.min(axis=0), everything.max(axis=0)
    scale = height / max(high[1] - low[1], 1e-3)
    pad = brush / 2 + 2
    paths = [(p - low) * scale + pad for p in points]
    size = np.ceil((high - low) * scale + 2 * pad).astype(int)
    alpha = _paint_on(np.zeros((size[1], size[0]), np.uint8), paths, brush)
    rows, columns = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
    # The trajectory's bottom is at row pad + height of the tile; it stands `drop` below the baseline.
    top = rows[0] - (pad + height) + drop
    return alpha[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1], round(top)


def _meeting_left(first, first_left, first_top, second, second_top):
    """The left column for `second` at which its ink first meets `first`'s, moving in from the
    right along the rows both have ink in; None if they share no row."""
    top, bottom = max(first_top, second_top), min(first_top + first.shape[0], second_top + second.shape[0])
    best = None
    for row in range(top, bottom):
        first_row, second_row = first[row - first_top], second[row - second_top]
        if first_row.any() and second_row.any():
            rightmost = first_left + np.flatnonzero(first_row)[-1]
            candidate = rightmost + 1 - np.flatnonzero(second_row)[0]
            best = candidate if best is None else max(best, candidate)
    return best


def _paint_on(alpha, paths, brush):
    """Point arrays (K, 2) x, y painted with a round brush of `brush` px over a copy of alpha (H, W)."""
    image = Image.fromarray(alpha)
    pen = ImageDraw.Draw(image)
    radius = brush / 2
    for path in paths:
        points = [tuple(point) for point in path]
        if len(points) > 1:
            pen.line(points, fill=255, width=max(1, round(brush)), joint="curve")
        for x, y in points[:: max(1, len(points) - 1)]:  # Round caps at both ends.
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    return np.asarray(image)
