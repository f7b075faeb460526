"""Ink from a picture of paper: a photo or a scan, unevenly lit, with faint or coloured ink and rules.

A canvas's ink is its alpha; a picture's ink has to be told apart from its paper. The chain, each
step NumPy in and NumPy out:

    ink_darkness -> separate_ink -> remove_rules -> soft ink for preprocess

The paper is estimated locally (a shadow, a gradient, a phone's vignette) and divided out, so the
darkness of a pixel is how much light its ink absorbs, in any colour. A pixel is ink where it
reaches half of the strongest ink *near it*, the half-maximum edge taken locally: a stroke whose
pressure fades keeps its faint parts, and paper texture stays below a floor set by the paper's
own noise. Long straight lines (ruled or squared paper, a form's box) are not the digit.

The image processing is OpenCV's: its medians, morphology, Hough lines and labelling run in C, so
a phone's photo, at the reader's 1024 px, costs under a tenth of a second.
"""

import math
from typing import NamedTuple

import cv2
import numpy as np
from scipy.special import ndtri

# Pictures with no side longer than this are crops or scans of one digit (MNIST 28 px, USPS and
# Semeion 16 px): their paper is one colour, and their strokes may be a fifth of the frame, too
# wide for a local estimate of the paper to see past. Their paper's noise is taken as at most
# SMALL_PICTURE_NOISE: too few of their pixels may be paper to measure it.
SMALL_PICTURE = 64
SMALL_PICTURE_NOISE = 0.1
# A picture less than this many pixels high or wide holds no digit to read, only a few pixels.
SMALLEST_SIDE = 4

# The paper's overall colour is the median of about this many of its lighter pixels.
PAPER_SAMPLE = 50_000

# Paper is lighter than ink, unless more than this share of the picture's border is on the dark side
# of its lightness (Otsu's split): a digit cropped tight to its box has ink on its border too.
DARK_GROUND_BORDER = 0.75
# Ink differs from its ground by at least this much lightness (of 255).
INK_CONTRAST = 38

# A colour channel in which the paper is darker than this tells nothing of the ink.
DARK_CHANNEL = 0.1

# The paper is estimated on a copy whose short side is about PAPER_GRID_SIDE pixels, as the lighter
# of two medians over PAPER_SPANS of that side: wider than a marker's stroke on a digit filling
# the picture, and a median keeps the edge of a shadow where it is.
PAPER_GRID_SIDE = 320
PAPER_SPANS = (0.2, 0.5)
# Paper in shade is at least DEEPEST_SHADE of the picture's typical paper. Paper whose edges are
# all within EVEN_LIGHT of the brightest is evenly lit.
DEEPEST_SHADE = 0.35
EVEN_LIGHT = 0.9

# The paper's own texture and noise: pixels within NOISE_SIGMAS standard deviations of the paper's
# typical darkness are paper. Both are read off the lightest pixels, as percentiles of a normal
# distribution: the lightest PAPER_SHARE, or half of Otsu's paper class if smaller, since a digit
# cropped tight may cover most of its frame.
NOISE_SIGMAS = 4.0
PAPER_SHARE = 0.3
MIN_PAPER_SHARE = 0.02

# The ink's strength is a high percentile of the darkness of the pixels above the noise: robust to
# a blot. Ink fainter than FAINTEST of it is a smudge; a piece of ink is kept only if it somewhere
# reaches STRONG of it, so a ruling or texture that is faint everywhere goes, and only if it covers
# at least MIN_PIECE square stroke widths, so grains of paper go.
STRENGTH_PERCENTILE = 98
MIN_PIECE = 2.0
FAINTEST = 0.2
STRONG = 0.5

# The half-maximum edge: a pixel is ink when it reaches this fraction of the strongest ink within
# LOCAL_REACH stroke widths.
INK_LEVEL = 0.5
LOCAL_REACH = 1.5
# Strokes at least GRAINY_WIDTH pixels wide are smoothed (a Gaussian of GRAIN_SMOOTHING of their
# width) before thresholding: grain inside a stroke is not a gap in it.
GRAINY_WIDTH = 4.0
GRAIN_SMOOTHING = 0.25
# Gaps in a stroke up to about twice GAP_CLOSING of its width, and LONGEST_GAP pixels, are closed:
# a pen that skipped, not the loop of a bold 0.
GAP_CLOSING = 1.0
LONGEST_GAP = 4

# Straight lines are sought on a copy whose long side is about LINE_GRID_SIDE pixels, at least
# SHORTEST_LINE of it long and within MAX_TILT degrees of a row or a column (a photo is rarely square
# to its paper).
LINE_GRID_SIDE = 256
SHORTEST_LINE = 0.12
MAX_TILT = 8
# Pieces of one line: gaps up to LINE_GAP pixels of the small copy, slopes within JOIN_SLOPE.
LINE_GAP = 4
JOIN_SLOPE = 0.05

# A line found on the small copy is LINE_BAND of its pixels thick in the picture: the line's own
# width and where it lies within them. What is left of the ink without the lines is the digit. A
# line is the paper's when it is longer than RULE_LENGTH digit heights (a 7's bar or a 1's stem is
# at most about one), runs across EDGE_TO_EDGE of a picture unless the digit fills DIGIT_FILLS of
# that side (a picture cropped to a 7 has its bar from edge to edge), or is a side of a box around
# the digit: ends and lengths matching within BOX_ALIGN of a side.
LINE_BAND = 6
# Lines of the paper are sought among pixels darker than its noise and than FAINT_LINE.
FAINT_LINE = 0.04
# A "line" whose band is more than WIDE_STROKE ink lies inside a wide stroke. Ink darker than
# RULE_DARKER times a line's darkness, on it, is a stroke crossing it.
WIDE_STROKE = 0.9
RULE_DARKER = 1.5
RULE_LENGTH = 1.3
EDGE_TO_EDGE = 0.9
DIGIT_FILLS = 0.8
BOX_ALIGN = 0.15
BOX_SIDE_SEEN = 0.5

FULL_INK = 255


class Separation(NamedTuple):
    """Ink told apart from paper: each an (H, W) array."""

    darkness: np.ndarray  # float32 in [0, 1], smoothed where the strokes are wide
    threshold: np.ndarray  # float32: the darkness at which each pixel would be ink
    mask: np.ndarray  # bool: the ink
    faint: np.ndarray  # bool: everything darker than the paper's noise, faint lines of the paper too


def paper_ink(pixels):
    """float32 (H, W, C) in [0, 1], C = 1 or 3, opaque -> uint8 (H, W) ink, 0 = paper, 255 = full ink.

    Each pixel near the strokes is the ink's darkness over twice its local threshold, capped at
    full: a stroke pixel reaches half of full ink, the pixels just around it keep their grey levels
    below half, so resampling stays smooth; every other pixel is 0.
    """
    if min(pixels.shape[:2]) < SMALLEST_SIDE:
        return np.zeros(pixels.shape[:2], np.uint8)
    separated = separate_ink(ink_darkness(pixels))
    if separated is None:
        return np.zeros(pixels.shape[:2], np.uint8)
    mask = remove_rules(separated)
    ink = np.clip(separated.darkness / (2 * separated.threshold), 0, 1)
    ink *= FULL_INK
    # The stroke pixels keep the faint ring around them, which places their edges between pixels
    # when the digit is enlarged; everything else that is not ink is paper.
    ring = cv2.dilate(mask.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
    ink[~ring | (~mask & (ink >= FULL_INK / 2))] = 0
    np.maximum(ink, FULL_INK / 2, out=ink, where=mask)
    return np.rint(ink).astype(np.uint8)


def ink_darkness(pixels):
    """float32 (H, W, C) in [0, 1] -> float32 (H, W) at most 1: the share of the paper's light each
    pixel's ink absorbs, in its most absorbed colour (blue ink darkens red and green); below 0
    where the paper is lighter than its estimate."""
    lightness = np.rint(pixels.mean(axis=2) * 255).astype(np.uint8)
    level, _ = cv2.threshold(lightness, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    light = lightness > level
    if _light_on_dark(lightness, light):
        # Light ink on a dark ground (a blackboard, MNIST itself): the ground is the paper.
        pixels = 1 - pixels
        light = ~light
    paper = estimate_paper(pixels, light)
    overall = paper.reshape(-1, paper.shape[-1]).max(axis=0)
    least = None
    for channel in range(pixels.shape[2]):
        # A colour the paper hardly reflects (blue, on yellow paper) carries no ink.
        if overall[channel] <= DARK_CHANNEL:
            continue
        ratio = pixels[:, :, channel] / np.maximum(paper[:, :, channel], np.float32(DARK_CHANNEL))
        least = ratio if least is None else np.minimum(least, ratio, out=least)
    if least is None:
        return np.zeros(pixels.shape[:2], np.float32)
    # Paper lighter than its estimate stays negative: the paper's noise is measured on both sides.
    return np.subtract(1, least, out=least, dtype=np.float32)


def _light_on_dark(lightness, light):
    """uint8 (H, W) lightness, bool (H, W) its lighter side (Otsu's) -> whether the ink is the
    lighter: most of the border is on the dark side, and the pixels far from the commonest
    lightness (the ground's) lie above it, not below; in a photo with both, the thinner of the two
    is the ink. Each alone is fooled: a picture cropped to a bold digit has ink on its border; a
    vignette darkens a photo's border; a shadow over most of a photo leaves its lit paper above."""
    border = np.concatenate([light[0], light[-1], light[1:-1, 0], light[1:-1, -1]])
    if border.mean() >= 1 - DARK_GROUND_BORDER:
        return False
    counts = np.bincount(lightness.ravel(), minlength=256)
    ground = int(np.argmax(np.convolve(counts, np.ones(9), mode="same")))
    below = counts[: max(0, ground - INK_CONTRAST + 1)].sum()
    above = counts[ground + INK_CONTRAST :].sum()
    if max(lightness.shape) <= SMALL_PICTURE or not (above and below):
        return above > below
    # A photo with both: ink is drawn in strokes, and the other side is paper in or out of a shadow.
    lighter = lightness >= ground + INK_CONTRAST
    darker = lightness <= ground - INK_CONTRAST
    return stroke_width(lighter) < stroke_width(darker)


def estimate_paper(pixels, light):
    """float32 (H, W, C), dark ink on light paper, and bool (H, W) its lighter pixels -> float32
    (H, W, C) or (1, 1, C): the paper's colour under each pixel, as lit there."""
    height, width = pixels.shape[:2]
    # A sample of the lighter pixels is enough for their median colour.
    step = max(1, math.isqrt(height * width // PAPER_SAMPLE))
    sample, chosen = pixels[::step, ::step], light[::step, ::step]
    paper = sample[chosen] if chosen.any() else sample.reshape(-1, pixels.shape[2])
    overall = np.median(paper, axis=0).reshape(1, 1, -1).astype(np.float32)
    if max(height, width) <= SMALL_PICTURE:
        return overall
    scale = min(1.0, PAPER_GRID_SIDE / min(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    grid = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    # A median keeps a shadow's edge where it is, and sees past strokes covering less than half of
    # its window; it runs on 8 bits, where OpenCV's median takes any window. The wider window sees
    # past strokes as wide as the narrower window.
    grid = np.rint(grid * 255).astype(np.uint8)
    paper = np.maximum(*(cv2.medianBlur(grid, 2 * round(span * min(size) / 2) + 1) for span in PAPER_SPANS))
    paper = paper.reshape(size[1], size[0], -1)
    # Uneven light reaches the picture's edges (a gradient, a vignette, a shadow cast across it);
    # where the edges are evenly lit, the paper is one colour, and a median under a wide stroke
    # would only mistake the stroke for shade.
    edges = np.concatenate([paper[0], paper[-1], paper[1:-1, 0], paper[1:-1, -1]]).mean(axis=1)
    if edges.min() >= EVEN_LIGHT * edges.max():
        return overall
    paper = cv2.resize(paper, (width, height), interpolation=cv2.INTER_LINEAR).reshape(height, width, -1)
    # A blot wider than the median's window is ink, not a shadow: shade darkens paper only so much.
    return np.maximum(paper.astype(np.float32) / 255, DEEPEST_SHADE * overall)


def separate_ink(darkness):
    """float32 (H, W) darkness -> Separation; None if there is no ink.

    The threshold is half of the strongest ink within LOCAL_REACH stroke widths, never below the
    paper's noise or FAINTEST of the ink's strength.
    """
    noise = paper_noise(darkness)
    if max(darkness.shape) <= SMALL_PICTURE:
        noise = min(noise, SMALL_PICTURE_NOISE)
    darkness = np.clip(darkness, 0, 1)
    above = darkness[darkness > noise]
    if above.size == 0:
        return None
    strength = float(np.percentile(above, STRENGTH_PERCENTILE))
    floor = max(noise, FAINTEST * strength)
    # Crude ink, half of the strength, closed over grain, to measure the strokes' width in.
    crude = (darkness >= max(floor, INK_LEVEL * strength)).view(np.uint8)
    crude = cv2.morphologyEx(crude, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)).view(bool)
    width = stroke_width(crude)
    large = max(darkness.shape) > SMALL_PICTURE
    if large and width >= GRAINY_WIDTH:
        # Ink laid unevenly (graphite's grain, a dry pen) would break a wide stroke into specks.
        darkness = cv2.GaussianBlur(darkness, (0, 0), GRAIN_SMOOTHING * width)
    reach = max(1, round(LOCAL_REACH * width))
    local_peak = _octagon_max(darkness, reach)
    threshold = np.maximum(INK_LEVEL * local_peak, np.float32(floor))
    mask = darkness >= threshold
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.view(np.uint8), connectivity=8)
    strong = np.zeros(count, bool)
    strong[labels[darkness >= STRONG * strength]] = True
    if large:
        strong &= stats[:, cv2.CC_STAT_AREA] >= max(3.0, MIN_PIECE * width**2)
    strong[0] = False
    mask = strong[labels]
    if not mask.any():
        return None
    if large:
        # A grain of paper or a skip of the pen inside a stroke keeps its grey level, not paper's,
        # so it reads as the stroke it interrupts once the digit is resampled.
        span = 2 * round(min(GAP_CLOSING * width, LONGEST_GAP)) + 1
        disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (span, span))
        mask = cv2.morphologyEx(mask.view(np.uint8), cv2.MORPH_CLOSE, disk).view(bool)
    return Separation(darkness, threshold, mask, darkness > max(noise, FAINT_LINE))


def _octagon_max(image, reach):
    """float32 (H, W) -> the largest value within `reach` pixels of each, in an octagon close to a
    disk: half the steps by a 3x3 cross, half by a 3x3 square, several times faster than a disk."""
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    grown = cv2.dilate(image, cross, iterations=(reach + 1) // 2, borderType=cv2.BORDER_REPLICATE)
    if reach // 2:
        grown = cv2.dilate(grown, np.ones((3, 3), np.uint8), iterations=reach // 2, borderType=cv2.BORDER_REPLICATE)
    return grown


def paper_noise(darkness):
    """float32 (H, W) darkness -> the darkness below which a pixel may be paper: the paper's mean
    plus NOISE_SIGMAS standard deviations, estimated from its lightest pixels."""
    level, _ = cv2.threshold(np.rint(np.clip(darkness, 0, 1) * 255).astype(np.uint8), 0, 255,
                             cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    paper_class = np.count_nonzero(darkness * 255 <= level) / darkness.size
    share = min(PAPER_SHARE, max(paper_class / 2, MIN_PAPER_SHARE))
    low, high = np.percentile(darkness, [100 * share / 6, 100 * share])
    z_low, z_high = ndtri(share / 6), ndtri(share)
    spread = float(high - low) / (z_high - z_low)
    return float(high) - z_high * spread + NOISE_SIGMAS * spread


def stroke_width(mask):
    """bool (H, W) -> the strokes' mean width in pixels, 2 * area / perimeter (at least 1)."""
    area = int(np.count_nonzero(mask))
    if area == 0:
        return 1.0
    edge = mask & ~cv2.erode(mask.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
    return max(1.0, 2 * area / max(1, int(np.count_nonzero(edge))))


def remove_rules(separated):
    """Separation -> its ink mask without the lines of the paper (ruled or squared paper, a form's
    box); strokes that cross a removed line are joined again.

    Straight lines are found in the faint ink, where a rule runs on unbroken beside the strokes,
    by OpenCV's probabilistic Hough transform on a small copy, joined where they are one line, and
    judged against the digit. On a line, ink clearly darker than the line (RULE_DARKER times its
    typical darkness) is a stroke crossing it.
    """
    mask, faint, darkness = separated.mask, separated.faint, separated.darkness
    height, width = mask.shape
    if max(height, width) <= SMALL_PICTURE:
        return mask
    lines = find_lines(faint | mask)
    if not lines:
        return mask
    bands = [line.band(mask.shape) for line in lines]
    # A line whose band is nearly all ink runs inside a wide stroke or a blot: it is not the paper's.
    drawn = [mask[band].mean() < WIDE_STROKE for band in bands]
    lines = [line for line, keep in zip(lines, drawn) if keep]
    bands = [band for band, keep in zip(bands, drawn) if keep]
    if not lines:
        return mask
    thin = lines[0].thickness

    def digit_without(numbers):
        """The digit's box, once the lines `numbers` are taken out of the ink; None if no ink is left."""
        return _digit_box(mask & ~np.logical_or.reduce([bands[n] for n in numbers] + [np.zeros_like(mask)]), thin)

    edge_to_edge = [n for n, line in enumerate(lines)
                    if line.length >= EDGE_TO_EDGE * (width if line.horizontal else height)]
    core = digit_without(edge_to_edge)
    if core is None:
        return mask  # Nothing but lines: the lines are the drawing (a 1, a dash).
    across = {n for n, line in enumerate(lines) if _across(line, core, mask.shape)}
    others = [n for n in range(len(lines)) if n not in across]
    frame = {others[k] for k in _frame_sides([lines[n] for n in others], core)}
    digit = digit_without(across | frame) or core
    digit_height = digit[1] - digit[0]
    rules = {True: np.zeros_like(mask), False: np.zeros_like(mask)}  # Along rows, along columns.
    for number, (line, band) in enumerate(zip(lines, bands)):
        if number not in across | frame and line.length < RULE_LENGTH * digit_height:
            continue
        if number not in frame:
            # A rule runs on across the paper, also where Hough lost it beside a stroke.
            line = line.across_picture(mask.shape)
            band = line.band(mask.shape)
        on_line = line_pixels(line, band & faint)
        rules[line.horizontal] |= on_line & (darkness < RULE_DARKER * _line_darkness(line, band, darkness))
    removed = rules[True] | rules[False]
    kept = without_slivers(mask & ~removed, removed, lines[0].thickness)
    if not kept.any() or kept.sum() == mask.sum():
        return mask
    # Where a stroke crossed a rule, the rule's pixels between stroke pixels on both sides of it
    # are the stroke's: close the gap across the rule, not along it.
    gap = lines[0].thickness + 2
    for horizontal, removed_along in rules.items():
        shape = (gap, 1) if horizontal else (1, gap)
        joined = cv2.morphologyEx(kept.view(np.uint8), cv2.MORPH_CLOSE, np.ones(shape, np.uint8)).view(bool)
        kept |= joined & removed_along & mask
    return kept


def without_slivers(kept, removed, thickness):
    """bool (H, W) ink left, bool (H, W) line pixels removed, the lines' thickness -> the ink left
    without the slivers of a line its band missed: pieces lying wholly within `thickness` of it."""
    near = cv2.dilate(removed.view(np.uint8), np.ones((thickness, thickness), np.uint8)).view(bool)
    count, labels = cv2.connectedComponents(kept.view(np.uint8), connectivity=8)
    away = np.zeros(count, bool)
    away[labels[kept & ~near]] = True
    return away[labels] & kept


def line_pixels(line, candidates):
    """A line, bool (H, W) ink in its band -> bool (H, W): the pixels of the line itself, within
    half its own thickness (and a pixel) of its centre, fitted to the ink by least squares; a
    stroke running beside the line, inside the band, stays."""
    rows, columns = np.nonzero(candidates)
    if rows.size < 2:
        return candidates
    along, across = (columns, rows) if line.horizontal else (rows, columns)
    along, across = along.astype(np.float64), across.astype(np.float64)
    residual = across - np.polyval(np.polyfit(along, across, 1), along)
    # The line's own pixels lie evenly across its thickness t: their median distance is t / 4.
    core = np.abs(residual) <= 2 * np.median(np.abs(residual)) + 1
    if core.sum() >= 2:
        residual = across - np.polyval(np.polyfit(along[core], across[core], 1), along)
    half = 2 * np.median(np.abs(residual[core])) + 1
    pixels = np.zeros_like(candidates)
    keep = np.abs(residual) <= half
    pixels[rows[keep], columns[keep]] = True
    return pixels


def _line_darkness(line, band, darkness):
    """The typical darkness of a line: the median, along it, of the darkest pixel across its band
    (a stroke crossing it is a short stretch of its length)."""
    across = np.where(band, darkness, 0).max(axis=0 if line.horizontal else 1)
    covered = band.any(axis=0 if line.horizontal else 1)
    return float(np.median(across[covered])) if covered.any() else 0.0


def find_lines(ink):
    """bool (H, W) ink -> [Line]: its straight lines within MAX_TILT of a row or a column, at least
    SHORTEST_LINE of the picture long, pieces of one line (cut by a gap or a stroke) joined."""
    height, width = ink.shape
    factor = max(1, math.ceil(max(height, width) / LINE_GRID_SIDE))
    size = (math.ceil(width / factor), math.ceil(height / factor))
    # Any ink in a block marks it, so a thin line stays whole.
    grid = (cv2.resize(ink.view(np.uint8), size, interpolation=cv2.INTER_AREA) > 0).view(np.uint8)
    shortest = max(8, round(SHORTEST_LINE * max(grid.shape)))
    found = cv2.HoughLinesP(grid, 1, np.pi / 360, threshold=shortest // 2, minLineLength=shortest, maxLineGap=LINE_GAP)
    if found is None:
        return []
    segments = [Line(*segment * factor + factor // 2, thickness=LINE_BAND * factor + 1)
                for segment in found[:, 0] if _is_axis_aligned(segment)]
    return [line.extended(factor) for line in _joined(segments, segments[0].thickness / 2 if segments else 0)]


def _joined(segments, tolerance):
    """[Line] -> [Line], each chain of segments lying on one line joined end to end: a segment
    continues a chain when the chain, run on to the segment's start, passes within `tolerance`
    pixels of it, in a direction within JOIN_SLOPE."""
    lines = []
    for horizontal in (True, False):
        chains = []  # [start, its offset, end, its offset] along the long axis: x for a row, y for a column.
        for start, end, offset, slope in sorted(line.along(horizontal) for line in segments
                                                if line.horizontal == horizontal):
            begin, finish = offset + slope * start, offset + slope * end
            for chain in chains:
                chain_slope = (chain[3] - chain[1]) / max(chain[2] - chain[0], 1)
                reached = chain[1] + chain_slope * (start - chain[0])
                if abs(reached - begin) <= tolerance and abs(slope - chain_slope) <= JOIN_SLOPE:
                    if end > chain[2]:
                        chain[2:] = [end, finish]
                    break
            else:
                chains.append([start, begin, end, finish])
        for start, begin, end, finish in chains:
            slope = (finish - begin) / max(end - start, 1)
            lines.append(Line.from_along(horizontal, start, end, begin - slope * start, slope,
                                         segments[0].thickness))
    return lines


def _across(line, digit, shape):
    """Whether a line runs EDGE_TO_EDGE across a picture whose digit does not fill DIGIT_FILLS of it."""
    top, bottom, left, right = digit
    side = shape[1] if line.horizontal else shape[0]
    digit_extent = right - left if line.horizontal else bottom - top
    return line.length >= EDGE_TO_EDGE * side and digit_extent < DIGIT_FILLS * side


class Line(NamedTuple):
    """A straight line found on the paper, in pixels of the picture."""

    x1: int
    y1: int
    x2: int
    y2: int
    thickness: int

    @property
    def horizontal(self):
        return abs(self.x2 - self.x1) >= abs(self.y2 - self.y1)

    @property
    def length(self):
        return math.hypot(self.x2 - self.x1, self.y2 - self.y1)

    def along(self, horizontal):
        """(start, end, offset at 0, slope) along the long axis: x for a row, y for a column."""
        (a1, b1, a2, b2) = (self.x1, self.y1, self.x2, self.y2) if horizontal else (self.y1, self.x1, self.y2, self.x2)
        if a2 < a1:
            a1, b1, a2, b2 = a2, b2, a1, b1
        slope = (b2 - b1) / max(a2 - a1, 1)
        return a1, a2, b1 - slope * a1, slope

    @classmethod
    def from_along(cls, horizontal, start, end, offset, slope, thickness):
        ends = [(start, offset + slope * start), (end, offset + slope * end)]
        if not horizontal:
            ends = [(b, a) for a, b in ends]
        (x1, y1), (x2, y2) = ends
        return cls(round(x1), round(y1), round(x2), round(y2), thickness)

    def across_picture(self, shape):
        """The same line, run out to the picture's edges."""
        _, _, offset, slope = self.along(self.horizontal)
        return Line.from_along(self.horizontal, 0, shape[1 if self.horizontal else 0] - 1, offset, slope,
                               self.thickness)

    def extended(self, reach):
        """The same line, `reach` pixels longer at each end (Hough stops short of a corner)."""
        dx, dy = (self.x2 - self.x1) / self.length, (self.y2 - self.y1) / self.length
        return self._replace(x1=round(self.x1 - reach * dx), y1=round(self.y1 - reach * dy),
                             x2=round(self.x2 + reach * dx), y2=round(self.y2 + reach * dy))

    def band(self, shape):
        """bool `shape`: the pixels within half the thickness of the line."""
        band = np.zeros(shape, np.uint8)
        cv2.line(band, (int(self.x1), int(self.y1)), (int(self.x2), int(self.y2)), 1, int(self.thickness))
        return band.view(bool)


def _is_axis_aligned(segment):
    """(x1, y1, x2, y2) -> whether it runs within MAX_TILT degrees of a row or a column."""
    x1, y1, x2, y2 = segment
    angle = math.degrees(math.atan2(abs(y2 - y1), abs(x2 - x1)))
    return angle <= MAX_TILT or angle >= 90 - MAX_TILT


def _digit_box(rest, thin):
    """bool (H, W) ink without its straight lines, the lines' thickness -> (top, bottom, left,
    right) of the digit: its pieces thicker than `thin` both ways (bits of a line left over are
    not), or all pieces if none is; None if nothing is left."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(rest.view(np.uint8), connectivity=8)
    boxes = stats[1:]
    if len(boxes) == 0:
        return None
    thick = boxes[np.minimum(boxes[:, cv2.CC_STAT_HEIGHT], boxes[:, cv2.CC_STAT_WIDTH]) > thin]
    boxes = thick if len(thick) else boxes
    return (boxes[:, cv2.CC_STAT_TOP].min(), (boxes[:, cv2.CC_STAT_TOP] + boxes[:, cv2.CC_STAT_HEIGHT]).max(),
            boxes[:, cv2.CC_STAT_LEFT].min(), (boxes[:, cv2.CC_STAT_LEFT] + boxes[:, cv2.CC_STAT_WIDTH]).max())


def _frame_sides(lines, digit):
    """Lines, the digit's box -> indices of the lines that make a box, as printed on a form: two
    parallel lines of about the same length with their ends facing (within BOX_ALIGN of it), and
    a perpendicular line joining them at an end, or at both; the box overlaps the digit's."""
    top, bottom, left, right = digit
    box = set()
    for first, one in enumerate(lines):
        for second in range(first + 1, len(lines)):
            other = lines[second]
            if one.horizontal != other.horizontal or not _facing(one, other):
                continue
            a1, a2, _, _ = one.along(one.horizontal)
            span = sorted([_place(one), _place(other)])
            joining = [n for n, line in enumerate(lines)
                       if line.horizontal != one.horizontal and _joins(line, span, (a1, a2))]
            if not joining:
                continue
            rows, columns = (span, (a1, a2)) if one.horizontal else ((a1, a2), span)
            if rows[0] < bottom and top < rows[1] and columns[0] < right and left < columns[1]:
                box |= {first, second, *joining}
    return box


def _place(line):
    """Where a line lies across its length: its mean row for a row, its mean column for a column."""
    return (line.y1 + line.y2) / 2 if line.horizontal else (line.x1 + line.x2) / 2


def _facing(one, other):
    """Whether two parallel lines are two sides of one box: about as long, their ends facing, apart."""
    a1, a2, _, _ = one.along(one.horizontal)
    b1, b2, _, _ = other.along(other.horizontal)
    reach = BOX_ALIGN * max(a2 - a1, b2 - b1)
    apart = abs(_place(one) - _place(other)) >= BOX_ALIGN * (a2 - a1)
    return abs(a1 - b1) <= reach and abs(a2 - b2) <= reach and apart


def _joins(line, span, ends):
    """Whether a line runs along BOX_SIDE_SEEN of `span` (between the places of two parallel lines)
    at one of their `ends`."""
    start, end, _, _ = line.along(line.horizontal)
    # Half of the side is enough: a side may be cut short by the picture or broken by a stroke.
    covers = min(end, span[1]) - max(start, span[0]) >= BOX_SIDE_SEEN * (span[1] - span[0])
    at_end = min(abs(_place(line) - ends[0]), abs(_place(line) - ends[1])) <= BOX_ALIGN * (ends[1] - ends[0])
    return covers and at_end
