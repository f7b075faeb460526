"""Split a drawing of a number into its digits, left to right, each made into an MNIST digit.

The drawing's ink is cut into pieces (strokes that touch), the pieces are grouped into digits,
and each digit's ink goes alone through preprocess's chain, exactly as a single digit does:

    ink_map -> find_ink -> pieces -> group_digits -> ink_to_mnist per digit

Grouping keeps the pieces of one digit together, judged by their boxes relative to the digit
height: a part much lower than a digit (a 5's detached bar, the dot over a 1, a bit of a broken
stroke) joins the nearest digit; a lower part close beside a digit (the corner of a 4 drawn apart
from its stem) joins it; pieces lying over or under each other (a 7's crossbar) are one digit.
Digits a stroke's width apart stay apart. Specks are dropped as preprocess drops them.

When in doubt, it is one digit: a drawing that groups into one digit, or whose other groups are
only specks and dots, is read by `to_mnist` on the whole drawing, so a single digit reads exactly
as it did before numbers were read.
"""

import math

import numpy as np
from scipy import ndimage

from lenet.preprocess import (
    EIGHT_NEIGHBOURS,
    SPECK_EXTENT,
    block_max,
    find_ink,
    ink_map,
    ink_to_mnist,
)

# Pieces are found on the ink box shrunk by an integer factor (block maximum) to about this many
# rows: labelling a large canvas at full size costs more than the rest of the reading, and gaps
# wider than 2 / SEGMENT_ROWS of the digit height (a thin brush's width) still separate the digits.
SEGMENT_ROWS = 128

# Two groups whose columns overlap by at least this fraction of the narrower one's width are one
# digit: the strokes of a 4 or a 7, a 5's bar, the dot over a 1 lie over or under each other, while
# neighbouring digits, even slanted ones written close, at most brush each other's edge.
SAME_COLUMNS = 0.3

# A group lower than SMALL_HEIGHT of the tallest is a part of a digit (a bar, a dot, a tick, a
# stroke broken by a lifted pen), never a digit of its own: it joins the nearest digit-tall group.
# One lower than PART_HEIGHT (the bar and corner of a 4 drawn apart from its stem) joins it when
# closer than CLOSE_GAP of the tallest's height: people leave 0.15 to 0.5 digit heights between
# digits, and the digits of one number are written about equally tall.
SMALL_HEIGHT = 0.5
PART_HEIGHT = 0.75
CLOSE_GAP = 0.12

# More groups than this are not a number somebody wrote (a scatter of marks, a texture): they are
# read as one drawing, as before.
MAX_DIGITS = 16


def split_digits(drawing):
    """Any drawing -> list of float32 (28, 28) MNIST digits in reading order; [] if blank.

    Accepts what `preprocess.to_mnist` accepts and raises its InvalidImageError likewise.
    """
    drawn = ink_map(drawing)
    if drawn is None:
        return []
    ink, on_canvas = drawn
    found = find_ink(ink)
    if found is None:
        return []
    inks = digit_inks(ink, found)
    if len(inks) > 1:
        digits = [digit for digit in (ink_to_mnist(piece, ink.shape, on_canvas=on_canvas) for piece in inks)
                  if digit is not None]
        if len(digits) > 1:
            return digits
    # One digit, or one with specks beside it: read the whole drawing, exactly as a single digit.
    whole = ink_to_mnist(ink, found=found, on_canvas=on_canvas)
    return [] if whole is None else [whole]


def digit_inks(ink, found):
    """uint8 (H, W) ink and its find_ink(ink) (not None) -> one uint8 ink crop per digit, left to
    right; [ink] if one digit or unsure.

    Each crop holds its digit's ink alone: ink of the other digits inside its box is cleared.
    """
    level, (top, bottom, left, right) = found
    crop = ink[top:bottom, left:right]
    factor = max(1, (bottom - top) // SEGMENT_ROWS)
    labels, boxes = pieces(block_max(crop, factor) >= level, SPECK_EXTENT * max(ink.shape) / factor)
    groups = group_digits(boxes)
    if len(groups) < 2 or len(groups) > MAX_DIGITS:
        return [ink]
    inks = []
    for members in groups:
        row_start, row_stop, column_start, column_stop = _union_box(boxes[members])
        rows = slice(row_start * factor, row_stop * factor)
        columns = slice(column_start * factor, column_stop * factor)
        # Each shrunk pixel stands for a factor x factor block of the crop.
        owner = np.repeat(np.repeat(labels[row_start:row_stop, column_start:column_stop], factor, 0), factor, 1)
        part = crop[rows, columns]
        owner = owner[: part.shape[0], : part.shape[1]]
        # Faint edges (owner 0) stay with the digit; ink of another piece is cleared.
        keep = (owner == 0) | np.isin(owner, members + 1)
        inks.append(np.where(keep, part, 0).astype(np.uint8))
    return inks


def pieces(mask, speck_extent):
    """bool (h, w) -> (int labels (h, w), (n, 4) boxes (top, bottom, left, right) of each label).

    Pieces are 8-connected; label i + 1 is box i. Pieces shorter and narrower than `speck_extent`
    pixels are specks: their labels are cleared and they have no box.
    """
    labels, count = ndimage.label(mask, structure=EIGHT_NEIGHBOURS)
    if count == 0:
        return labels, np.zeros((0, 4), int)
    boxes = np.array([(rows.start, rows.stop, columns.start, columns.stop)
                      for rows, columns in ndimage.find_objects(labels)])
    extent = np.maximum(boxes[:, 1] - boxes[:, 0], boxes[:, 3] - boxes[:, 2])
    speck = extent < speck_extent
    if speck.any():
        # Renumber the kept pieces 1..n so label i + 1 stays box i.
        renumber = np.zeros(count + 1, labels.dtype)
        renumber[1:][~speck] = np.arange(1, (~speck).sum() + 1)
        labels = renumber[labels]
        boxes = boxes[~speck]
    return labels, boxes


def group_digits(boxes):
    """(n, 4) piece boxes (top, bottom, left, right) -> list of index arrays, one per digit, left to right."""
    groups = [np.array([index]) for index in range(len(boxes))]
    while len(groups) > 1:
        spans = np.array([_union_box(boxes[members]) for members in groups])
        pair = _pair_to_merge(spans)
        if pair is None:
            break
        first, second = pair
        groups[first] = np.concatenate([groups[first], groups[second]])
        del groups[second]
    if len(groups) < 2:
        return groups
    spans = np.array([_union_box(boxes[members]) for members in groups])
    order = np.argsort((spans[:, 2] + spans[:, 3]) / 2, kind="stable")
    return [np.sort(groups[index]) for index in order]


def _pair_to_merge(spans):
    """Group boxes -> (i, j), i < j, two groups that are one digit; None if every group is a digit."""
    heights = spans[:, 1] - spans[:, 0]
    widths = spans[:, 3] - spans[:, 2]
    tallest = heights.max()
    # A part of a digit joins the nearest digit-tall group taller than itself, the lowest part
    # first and each part on its own: two bits of a broken stroke together could look as tall as
    # a digit.
    for part in np.argsort(heights, kind="stable"):
        if heights[part] >= PART_HEIGHT * tallest:
            break
        gaps = np.maximum(spans[:, 2] - spans[part, 3], spans[part, 2] - spans[:, 3]).astype(float)
        gaps[(heights < SMALL_HEIGHT * tallest) | (heights <= heights[part])] = math.inf
        nearest = int(np.argmin(gaps))
        if heights[part] < SMALL_HEIGHT * tallest or gaps[nearest] < CLOSE_GAP * tallest:
            return min(part, nearest), max(part, nearest)
    # Strokes over or under each other.
    for first in range(len(spans)):
        for second in range(first + 1, len(spans)):
            overlap = min(spans[first, 3], spans[second, 3]) - max(spans[first, 2], spans[second, 2])
            if overlap >= SAME_COLUMNS * min(widths[first], widths[second]):
                return first, second
    return None


def _union_box(boxes):
    """(n, 4) boxes -> the box (top, bottom, left, right) around all of them."""
    return boxes[:, 0].min(), boxes[:, 1].max(), boxes[:, 2].min(), boxes[:, 3].max()
