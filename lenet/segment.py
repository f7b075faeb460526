"""Find a drawing's candidate digits: every way its ink may come apart into digits, left to right.

The drawing's ink is cut into pieces (strokes that touch), and the pieces are grouped into digits
by the gaps between them:

    ink_map -> find_ink -> pieces -> group_digits -> candidate cuts per group -> Lattice

Grouping keeps the pieces of one digit together, judged by their boxes relative to the digit
height: a part much lower than a digit (a 5's detached bar, the dot over a 1, a bit of a broken
stroke) joins the nearest digit; a lower part close beside a digit (the corner of a 4 drawn apart
from its stem) joins it; pieces lying over or under each other (a 7's crossbar) are one digit.
Digits a stroke's width apart stay apart. Specks are dropped as preprocess drops them.

A group may still hold several digits that touch. lenet/cuts.py finds where it may be cut; every
run of up to MAX_SPAN pieces between cuts becomes a candidate digit, its ink alone through
preprocess's chain exactly as a single digit's. The recognizer (lenet/reader.py) picks the path.

When in doubt, it is one digit: a drawing that groups into one digit, or whose other groups are
only specks and dots, has the whole drawing, read by `to_mnist`, as its uncut candidate.
"""

import math

import numpy as np
from scipy import ndimage

from lenet.cuts import candidate_cuts
from lenet.lattice import Lattice
from lenet.marks import mark_pieces, without_lines
from lenet.preprocess import (
    EIGHT_NEIGHBOURS,
    SPECK_EXTENT,
    block_max,
    find_ink,
    ink_map,
    ink_to_mnist,
    stroke_width,
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

# Cuts are looked for on a group shrunk (block maximum) to at most this many rows: enough to tell
# strokes apart, and the search costs per row.
CUT_ROWS = 48
# Only a group at least CUTTABLE digit heights wide may hold digits that touch (CUTTABLE_BESIDE
# when other digits stand apart beside it, as in a number written with gaps, where a digit alone
# is as wide as it needs): two digits side by
# side, even a 1 beside a 0, are about as wide as tall, and most single digits are narrower.
CUTTABLE = 0.75
CUTTABLE_BESIDE = 1.0
# A candidate digit spans at most this many pieces between cuts: a digit cut at its own thin
# places (a 0's middle, a 3's waist) comes apart in two or three.
MAX_SPAN = 8
# A digit is rarely wider than WIDEST digit heights (a sixth of MNIST's are wider than tall, two
# touching digits are wider still): a candidate wider pays SHAPE_COST per digit height beyond, one
# lower than LOWEST likewise; none is wider than WIDEST_CANDIDATE, except a group left whole.
WIDEST = 1.2
LOWEST = 0.5
SHAPE_COST = 4.0
WIDEST_CANDIDATE = 1.3
# A candidate cut out of a group is at least this many digit heights tall: a bit of a stroke or a
# mark beside a digit, which the grouping joined to it, is not a digit of its own.
SHORTEST_CANDIDATE = 0.45
# Each digit read costs DIGIT_COST (log units): when in doubt, fewer digits.
DIGIT_COST = 0.6
# Cutting through a stroke costs this much (log units) per stroke crossed: touching digits share
# a stroke or two, a cut through the middle of a digit crosses more.
CUT_COST = 0.3


def candidate_digits(drawing):
    """Any drawing -> Lattice of its candidate digits; None if blank.

    Accepts what `preprocess.to_mnist` accepts and raises its InvalidImageError likewise.
    """
    drawn = ink_map(drawing)
    if drawn is None:
        return None
    ink, on_canvas = drawn
    found = find_ink(ink)
    if found is None:
        return None
    level, (top, bottom, left, right) = found
    crop = ink[top:bottom, left:right]
    factor = max(1, (bottom - top) // SEGMENT_ROWS)
    stroke = block_max(crop, factor) >= level
    kept = without_lines(stroke)
    if not kept.any():
        kept = stroke  # Nothing but lines: the lines are the drawing.
    labels, boxes = pieces(kept, SPECK_EXTENT * max(ink.shape) / factor)
    marks = mark_pieces(boxes)
    if kept is not stroke or marks.any():
        # Lines, dots and dashes leave the ink itself, so neither a digit nor the whole drawing
        # read as one digit holds them.
        taken = (stroke & ~kept) | np.isin(labels, np.flatnonzero(marks) + 1)
        labels, boxes = _without_pieces(labels, boxes, marks)
        ink = ink.copy()
        spread = np.repeat(np.repeat(taken, factor, 0), factor, 1)
        ink[top:bottom, left:right][spread[: bottom - top, : right - left]] = 0
        found = find_ink(ink)
        if found is None:
            return None
        crop = ink[top:bottom, left:right]
    groups = group_digits(boxes)
    if len(groups) > MAX_DIGITS:
        groups = [np.arange(len(boxes))]

    def normalized(part):
        return ink_to_mnist(part, ink.shape, on_canvas=on_canvas)

    inks = [_group_ink(crop, labels, boxes, members, factor) for members in groups]
    if len(inks) > 1:
        wholes = [normalized(part) for part, _ in inks]
        digits = [index for index, whole in enumerate(wholes) if whole is not None]
    else:
        digits = list(range(len(inks)))  # One group, or none when every piece is a speck.
    if len(digits) <= 1:
        # One digit, or one with specks beside it: read the whole drawing, exactly as a single digit.
        whole = ink_to_mnist(ink, found=found, on_canvas=on_canvas)
        if whole is None:
            return None
        inks = [inks[digits[0]]] if digits else []
        wholes = [whole]
    height = _digit_height(boxes, groups) * factor if inks else 0.0
    cuttable = CUTTABLE if len(inks) == 1 else CUTTABLE_BESIDE
    lattice = _LatticeBuilder(height, factor, normalized, cuttable)
    for (part, owned), whole in zip(inks, wholes):
        if whole is not None:
            lattice.add_group(part, owned, whole)
    if not inks:
        lattice.add_uncut(wholes[0])
    return lattice.built()


def split_digits(drawing):
    """Any drawing -> list of float32 (28, 28) MNIST digits: the digits as the gaps between them
    alone separate them, left to right, none cut; [] if blank."""
    lattice = candidate_digits(drawing)
    return [] if lattice is None else list(lattice.images[lattice.uncut])


class _LatticeBuilder:
    """Collects each group's candidate digits, left to right, into one Lattice."""

    def __init__(self, digit_height, factor, normalized, cuttable):
        self.digit_height = digit_height  # in pixels of the ink
        self.cuttable = cuttable  # the narrowest group that may be cut, in digit heights
        self.factor = factor  # ink pixels per pixel of the groups' masks
        self.normalized = normalized
        self.images, self.starts, self.ends, self.penalties = [], [], [], []
        self.cut_penalties = [0.0]
        self.uncut = []

    def add_uncut(self, whole):
        self.uncut.append(len(self.images))
        self._add(whole, 0, 1, DIGIT_COST)
        self.cut_penalties.append(0.0)

    def add_group(self, part, owned, whole):
        """uint8 ink of one group (others' ink cleared), bool mask of its pieces (one pixel per
        `factor`), its uncut candidate."""
        shrink = max(1, math.ceil(owned.shape[0] / CUT_ROWS))
        mask = block_max(owned, shrink)
        scale = self.factor * shrink  # ink pixels per pixel of `mask`
        height = self.digit_height / scale
        if mask.shape[1] < self.cuttable * height:
            cuts, crossings = np.zeros((0, mask.shape[0]), int), np.zeros(0)
        else:
            cuts, crossings = candidate_cuts(mask, height, stroke_width(mask))
        first = len(self.cut_penalties) - 1
        self.cut_penalties.extend(CUT_COST * crossings)
        self.cut_penalties.append(0.0)
        # Candidates are normalized from the group's ink shrunk to about twice the rows of the
        # mask: what preprocess keeps of a digit (80 px) is there, at a fraction of the cost.
        detail = max(1, scale // 2)
        part = block_max(part, detail)
        boundaries = [None, *cuts, None]
        last = len(boundaries) - 1
        columns = np.arange(mask.shape[1])
        # The group left whole is always a candidate, however many pieces the cuts make of it.
        self.uncut.append(len(self.images))
        self._add(whole, first, first + last, _shape_penalty(mask, height))
        for start in range(last):
            for end in range(start + 1, min(last, start + MAX_SPAN) + 1):
                if (start, end) == (0, last):
                    continue
                inside = np.ones(mask.shape, bool)
                if boundaries[start] is not None:
                    inside &= columns >= boundaries[start][:, None]
                if boundaries[end] is not None:
                    inside &= columns < boundaries[end][:, None]
                candidate = mask & inside
                if not candidate.any():
                    continue
                penalty = _shape_penalty(candidate, height)
                width = np.ptp(np.flatnonzero(candidate.any(axis=0))) + 1
                tall = np.ptp(np.flatnonzero(candidate.any(axis=1))) + 1
                if width > WIDEST_CANDIDATE * height or tall < SHORTEST_CANDIDATE * height:
                    continue
                image = self.normalized(_between(part, boundaries[start], boundaries[end], scale / detail))
                if image is not None:
                    self._add(image, first + start, first + end, penalty)

    def _add(self, image, start, end, penalty):
        self.images.append(image)
        self.starts.append(start)
        self.ends.append(end)
        self.penalties.append(penalty)

    def built(self):
        return Lattice(np.stack(self.images), np.array(self.starts), np.array(self.ends),
                       np.array(self.penalties, float), np.array(self.cut_penalties, float),
                       np.array(self.uncut, int))


def _between(part, left_cut, right_cut, scale):
    """uint8 (H, W) ink, two cuts (None: the edge) in pixels of a mask `scale` times smaller ->
    the ink between them, cropped to their columns."""
    rows = np.minimum((np.arange(part.shape[0]) / scale).astype(int), len((left_cut if left_cut is not None else right_cut)) - 1)
    low = np.zeros(part.shape[0], int) if left_cut is None else np.rint(left_cut[rows] * scale).astype(int)
    high = (np.full(part.shape[0], part.shape[1]) if right_cut is None
            else np.minimum(np.rint(right_cut[rows] * scale).astype(int), part.shape[1]))
    first, last = int(low.min()), int(high.max())
    columns = np.arange(first, last)
    inside = (columns >= low[:, None]) & (columns < high[:, None])
    return np.where(inside, part[:, first:last], 0).astype(np.uint8)


def _shape_penalty(mask, digit_height):
    """bool (h, w) candidate's ink, digit height in its pixels -> how unlike a digit's its box is."""
    rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    height, width = (rows[-1] - rows[0] + 1) / digit_height, (columns[-1] - columns[0] + 1) / digit_height
    return DIGIT_COST + SHAPE_COST * (max(0.0, width - WIDEST) + max(0.0, LOWEST - height))


def _digit_height(boxes, groups):
    """Piece boxes, groups -> the height of a digit, in pixels of the boxes: the median height of
    the digit-tall groups, so one tall ornate digit does not set it."""
    spans = np.array([_union_box(boxes[members]) for members in groups])
    heights = spans[:, 1] - spans[:, 0]
    return float(np.median(heights[heights >= SMALL_HEIGHT * heights.max()]))


def _without_pieces(labels, boxes, dropped):
    """Piece labels and boxes, bool (n,) pieces to drop -> the labels and boxes of the others,
    renumbered so label i + 1 stays box i."""
    renumber = np.zeros(len(boxes) + 1, labels.dtype)
    renumber[1:][~dropped] = np.arange(1, (~dropped).sum() + 1)
    return renumber[labels], boxes[~dropped]


def _group_ink(crop, labels, boxes, members, factor):
    """Ink crop, piece labels (one pixel per `factor`), boxes, a group -> (uint8 ink of the group's
    box with other pieces' ink cleared, bool mask of the group's pieces in `labels`' pixels)."""
    if len(members) == len(boxes):
        return crop, labels > 0
    row_start, row_stop, column_start, column_stop = _union_box(boxes[members])
    owner = labels[row_start:row_stop, column_start:column_stop]
    owned = np.isin(owner, members + 1)
    # Faint edges (owner 0) stay with the digit; ink of another piece is cleared. Each shrunk
    # pixel stands for a factor x factor block of the crop.
    keep = owned | (owner == 0)
    part = crop[row_start * factor : row_stop * factor, column_start * factor : column_stop * factor]
    if factor > 1:
        keep = np.repeat(np.repeat(keep, factor, 0), factor, 1)[: part.shape[0], : part.shape[1]]
    return np.where(keep, part, 0).astype(np.uint8), owned


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
