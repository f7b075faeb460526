"""Marks written with a number that are not digits: a line under it, a dot or a dash between digits.

People underline an amount, end it with a period, put a dash or a comma inside it. Read as
digits, an underline joins the digits it touches into one piece, a period becomes a 1. Both are
told apart by shape alone, before the digits are looked for:

- a line is straight and longer than the ink is tall: no digit's stroke is, and it lies along the
  bottom or top of the ink, or runs through it;
- a dot or a dash is a piece well lower than the digits, between two of them rather than over or
  under one, and not up where a digit's detached bar or the dot over a 1 would be.
"""

import numpy as np

from lenet.paper import find_lines, line_pixels, stroke_width, without_slivers

# A line along the bottom (top) EDGE_ZONE of the ink, within a few degrees of a row and at least
# LINE_LENGTH times as long as the digits above (below) it are tall, is a line under (over) the
# number: the longest stroke of a digit (a wide 2's foot, a 7's bar) is about one digit height,
# and feet of touching digits in a row (two 2s) not much more. It runs on unbroken: gaps along it
# no longer than GAP_ALONG stroke widths (the bases of a 1 and a 2 written apart line up too).
EDGE_ZONE = 0.25
NUMBER_ASPECT = 1.2
LINE_LENGTH = 1.5
GAP_ALONG = 1.0
# A dot, a comma or a dash is lower than this share of the tallest piece, and narrower than
# MARK_WIDTH of it; its middle lies below MARK_LOWEST of the digits' band (a bar or a dot up at a
# digit's top is part of that digit).
MARK_HEIGHT = 0.35
MARK_WIDTH = 0.8
MARK_LOWEST = 0.3
# A mark lies beside the digits: less than this share of its width over or under one of them (a
# comma may reach under a slanted digit's foot).
MARK_OVERLAP = 0.5


def without_lines(mask):
    """bool (h, w) ink -> the ink without a line under or over it (the same object if there is
    none). Strokes touching the line keep their pixels off it."""
    height, width = mask.shape
    # The line is at least LINE_LENGTH times as long as the digits are tall, and they with the
    # line no more than about a fifth taller.
    if width < LINE_LENGTH / 1.25 * height:
        return mask
    stroke = stroke_width(mask)
    removed = np.zeros_like(mask)
    for line in find_lines(mask):
        if not line.horizontal:
            continue
        band = line._replace(thickness=max(line.thickness, round(2 * stroke) + 1)).band(mask.shape)
        pixels = line_pixels(line, band & mask)
        rows, columns = np.nonzero(pixels)
        if rows.size == 0:
            continue
        level = rows.mean()
        # Digits stand on an underline or hang from an overline: the ink beside the line is
        # taller than it is long only if the line is a digit's stroke.
        digits = level if level > height / 2 else height - level
        covered = np.unique(columns)
        gaps = np.diff(covered).max(initial=1)
        if (level > height * (1 - EDGE_ZONE) or level < height * EDGE_ZONE) \
                and np.ptp(columns) >= LINE_LENGTH * digits and gaps <= GAP_ALONG * stroke:
            removed |= pixels
    if not removed.any():
        return mask
    kept = without_slivers(mask & ~removed, removed, max(3, round(stroke)))
    rows, columns = np.flatnonzero(kept.any(axis=1)), np.flatnonzero(kept.any(axis=0))
    # What stands on the line is a number, wider than tall; one digit with a long foot (a wide 2)
    # is not underlined.
    if rows.size == 0 or np.ptp(columns) < NUMBER_ASPECT * np.ptp(rows):
        return mask
    return kept


def mark_pieces(boxes):
    """(n, 4) piece boxes (top, bottom, left, right) -> bool (n,): the dots, commas and dashes."""
    heights = boxes[:, 1] - boxes[:, 0]
    widths = boxes[:, 3] - boxes[:, 2]
    tallest = heights.max() if len(boxes) else 0
    digits = heights >= MARK_HEIGHT * tallest
    if not digits.any():
        return np.zeros(len(boxes), bool)
    band_top, band_bottom = boxes[digits, 0].min(), boxes[digits, 1].max()
    middle = (boxes[:, 0] + boxes[:, 1]) / 2
    small = ~digits & (widths < MARK_WIDTH * tallest) & (middle >= band_top + MARK_LOWEST * (band_bottom - band_top))
    marks = np.zeros(len(boxes), bool)
    middles = (boxes[:, 2] + boxes[:, 3]) / 2
    for index in np.flatnonzero(small):
        overlap = np.minimum(boxes[digits, 3], boxes[index, 3]) - np.maximum(boxes[digits, 2], boxes[index, 2])
        # Between digits: one on each side. Beside a single digit it may be a part of it.
        between = (middles[digits] < middles[index]).any() and (middles[digits] > middles[index]).any()
        marks[index] = between and not (overlap >= MARK_OVERLAP * widths[index]).any()
    return marks
