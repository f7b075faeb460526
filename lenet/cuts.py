"""Where one piece of ink may hold the boundary between two digits that touch: candidate cuts.

Digits written touching meet where the ink is thin between two masses. Those places show in the
ink's column profile (few ink pixels over a column) and in its contours (a valley in the top or
bottom outline). From each such column, the cut follows the path across the piece, top to bottom,
that crosses the least ink within reach of that column: a seam, curved where digits overlap (a
chained "00", a 4's bar reaching over the next digit), straight where they only touch.

A cut is a column boundary per row: pixel (y, x) lies left of cut `c` when x < c[y]. The
recognizer later decides which cuts are real; here more candidates are better than too few.
"""

import numpy as np
from scipy import ndimage

# A cut leaves at least this share of a stroke width of the piece on each side: no digit, not even a
# 1, is narrower than a stroke.
EDGE_MARGIN = 0.6
# Minima and valleys are looked for within this reach (in digit heights) on each side: a digit's
# own inner minima (the middle of a 0) are narrower than a digit, so they still come out, and the
# recognizer rejects them.
VALLEY_REACH = 0.15
# A seam keeps within this reach (in digit heights) of the column it starts from, so it follows
# the gap between two digits and does not wander into the next one.
SEAM_REACH = 0.12
# A seam's sideways step costs this much ink (in pixels): among seams crossing as much ink, the
# straighter one wins.
SIDEWAYS_COST = 0.3
# Two seams closer than this (mean distance, in digit heights) are one cut.
SAME_CUT = 0.12
# No stretch of a piece wider than this (in digit heights) is left without a cut: digits that
# overlap leave no thin place.
FILL_SPACING = 0.6
# Handwriting leans by at most this many columns per row.
MAX_SLANT = 0.5
# A column is thin when it holds at most this many strokes' width of ink.
THIN_COLUMN = 3.0


def candidate_cuts(mask, height, stroke):
    """bool (h, w) piece of ink, digit height and stroke width in its pixels -> (cuts, crossings).

    cuts: int (n, h), sorted left to right and never crossing each other (each row's boundaries
    are in order); crossings: int (n,), the strokes each cut passes through. n may be 0.
    """
    rows, width = mask.shape
    margin = max(1, round(EDGE_MARGIN * stroke))
    if width < 2 * margin + 1:
        return np.zeros((0, rows), int), np.zeros(0)
    starts = start_columns(mask, height, stroke, margin)
    if len(starts) == 0:
        return np.zeros((0, rows), int), np.zeros(0)
    curved = seams(mask, starts, max(2, round(SEAM_REACH * height)), margin)
    curved_crossed = strokes_crossed(mask, curved)
    # Where two digits overlap, their strokes merge into one band that any seam would cross at
    # length, and nothing marks the place in the outline: straight cuts along the writing's slant,
    # where a seam crosses more than one stroke (where it crosses at most one, the digits only
    # touch) and at least every FILL_SPACING, and the recognizer tells.
    tangled = starts[curved_crossed > 1]
    columns = np.union1d(tangled, _filling(starts, margin, width - margin, FILL_SPACING * height))
    offsets = slant(mask) * (np.arange(rows) - (rows - 1) / 2)[::-1]  # Zero at the middle row.
    straight = np.clip(np.rint(columns[:, None] + offsets[None, :]).astype(int), margin, width - margin)
    # Seams and straight cuts are thinned out each among their own kind: near a place where
    # digits overlap, a seam crossing fewer strokes is not the better cut.
    curved = _distinct(curved, curved_crossed, SAME_CUT * height)
    straight = _distinct(straight, strokes_crossed(mask, straight), SAME_CUT * height)
    cuts = np.concatenate([curved, straight])
    cuts = _distinct(cuts, strokes_crossed(mask, cuts), 1.0)
    crossed = strokes_crossed(mask, cuts)
    order = np.argsort(cuts.mean(axis=1), kind="stable")
    return np.maximum.accumulate(cuts[order], axis=0), crossed[order]


def strokes_crossed(mask, cuts):
    """bool (h, w), int (n, h) cuts -> (n,) how many separate runs of ink each cut passes through."""
    rows = np.arange(mask.shape[0])
    on_ink = mask[rows, cuts] | mask[rows, np.maximum(cuts - 1, 0)]
    return on_ink[:, 0] + (np.diff(on_ink.astype(np.int8), axis=1) == 1).sum(axis=1)


def slant(mask):
    """bool (h, w) ink -> its slant, in columns to the right per row upwards, within MAX_SLANT.

    Kimura's estimate from the outline's directions: of the steps up from one outline pixel to
    the next, those leaning right less those leaning left, over all steps up.
    """
    outline = mask & ~ndimage.binary_erosion(mask)
    above = outline[:-1]
    below = outline[1:]
    upright = (below & above).sum()
    right = (below[:, :-1] & above[:, 1:]).sum()
    left = (below[:, 1:] & above[:, :-1]).sum()
    steps = upright + right + left
    return 0.0 if steps == 0 else float(np.clip((right - left) / steps, -MAX_SLANT, MAX_SLANT))


def _filling(columns, low, high, spacing):
    """Sorted columns, the range [low, high] and a spacing -> columns placed so that no stretch of
    the range longer than `spacing` is left without one."""
    edges = np.concatenate([[low], columns, [high]])
    filled = []
    for left, right in zip(edges[:-1], edges[1:]):
        count = int((right - left) // spacing)
        filled.extend(np.linspace(left, right, count + 2)[1:-1].round().astype(int))
    return np.array(filled, int)


def start_columns(mask, height, stroke, margin):
    """bool (h, w), digit height, stroke width, edge margin (px) -> int columns where a cut may
    start: thin minima of the column profile, and the deepest points of the outline's valleys."""
    width = mask.shape[1]
    reach = max(1, round(VALLEY_REACH * height))
    window = 2 * reach + 1
    profile = ndimage.uniform_filter1d(mask.sum(axis=0).astype(float), 3, mode="nearest")
    filled = mask.any(axis=0)
    # Outlines, measured from the top and from the bottom; an empty column is a valley of both.
    top = np.where(filled, mask.argmax(axis=0), mask.shape[0])
    bottom = np.where(filled, mask[::-1].argmax(axis=0), mask.shape[0])
    minima = (profile <= ndimage.minimum_filter1d(profile, window, mode="nearest")) & (profile <= THIN_COLUMN * stroke)
    top_valleys = (top >= ndimage.maximum_filter1d(top, window, mode="nearest")) & (top > top.min() + stroke)
    bottom_valleys = (bottom >= ndimage.maximum_filter1d(bottom, window, mode="nearest")) & (bottom > bottom.min() + stroke)
    candidates = minima | top_valleys | bottom_valleys
    candidates[:margin] = candidates[width - margin:] = False
    columns = np.flatnonzero(candidates)
    # A flat stretch of minima is one place: keep the middle of each run of columns.
    if len(columns) == 0:
        return columns
    runs = np.split(columns, np.flatnonzero(np.diff(columns) > 1) + 1)
    return np.array([run[len(run) // 2] for run in runs])


def seams(mask, starts, reach, margin):
    """bool (h, w), start columns, reach and edge margin (px) -> int (n, h): from each start, the
    cut crossing the least ink.

    Dynamic programming row by row over every start at once: each seam may move one column per
    row, within `reach` of its start and `margin` of the edges. Ink is widened by a pixel
    sideways, so a seam cannot slip diagonally between two pixels of an 8-connected stroke.
    """
    rows, width = mask.shape
    widened = mask.copy()
    widened[:, 1:] |= mask[:, :-1]
    ink = widened.astype(float)
    offsets = np.arange(-reach, reach + 1)
    columns = starts[:, None] + offsets[None, :]  # (n, k): the columns each seam may use.
    allowed = (columns >= margin) & (columns <= width - margin)
    columns = np.clip(columns, 0, width - 1)
    blocked = np.where(allowed, 0.0, np.inf)
    step = SIDEWAYS_COST
    cost = ink[0][columns] + blocked
    moves = np.zeros((rows, *columns.shape), np.int8)
    for row in range(1, rows):
        left = np.concatenate([np.full((len(starts), 1), np.inf), cost[:, :-1]], axis=1) + step
        right = np.concatenate([cost[:, 1:], np.full((len(starts), 1), np.inf)], axis=1) + step
        choices = np.stack([left, cost, right])  # From the column to the left, the same, the right.
        best = choices.argmin(axis=0)
        moves[row] = best - 1  # The column of the row above the seam came from, as an offset.
        cost = choices.min(axis=0) + ink[row][columns] + blocked
    # Walk back up: the move into row r says which column of row r - 1 the seam came from.
    seam = np.arange(len(starts))
    paths = np.zeros((len(starts), rows), int)
    position = cost.argmin(axis=1)
    for row in range(rows - 1, -1, -1):
        paths[:, row] = columns[seam, position]
        position = position + moves[row][seam, position]
    return paths


def _distinct(cuts, crossed, closeness):
    """Cuts (n, h) and the strokes they cross -> the cuts no cheaper cut lies within `closeness`
    of, the cuts alone."""
    order = np.argsort(crossed, kind="stable")
    kept = []
    for index in order:
        if all(np.abs(cuts[index] - cuts[other]).mean() >= closeness for other in kept):
            kept.append(index)
    return cuts[np.array(sorted(kept), int)]
