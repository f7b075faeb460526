"""Turn any drawing into the 28x28 image an MNIST-trained LeNet-5 expects, made the way MNIST was.

MNIST took pen strokes, fit each digit's bounding box into 20x20 pixels with anti-aliasing, and
moved the centre of mass to the centre of a 28x28 frame. `to_mnist` does the same to a drawing.
It also gives the strokes MNIST's typical width, because a browser brush is usually much thinner
(or thicker), relative to the digit, than the pens behind MNIST.

The chain, each step a small pure function, NumPy in and NumPy out:

    ink_map -> find_ink -> working_mask -> drop_specks -> normalize_stroke -> fit_box
    -> center_mass

Shape work happens on a binary stroke mask at 4x the final scale (the digit's long side is 80 px),
so cost does not depend on the canvas size beyond finding the ink.
"""

import math
from typing import NamedTuple

import numpy as np
from PIL import Image
from scipy import ndimage

from lenet.config import DIGIT_BOX_SIZE, IMAGE_SIZE
from lenet.paper import paper_ink

# Shape work happens at 4x the final scale, so the long side of the digit there is 80 px.
WORK_SCALE = 4
WORK_SIZE = WORK_SCALE * DIGIT_BOX_SIZE

# Inputs with a longer side first shrink by an integer factor to at most this, which bounds time
# and memory: an 8000x8000 canvas costs about as much as a 1000x1000 one.
MAX_WORKING_SIDE = 1024

# Ink fainter than this (uint8, 10% of full contrast) is paper texture or noise, not a drawing.
MIN_CONTRAST = 26

# A pixel is stroke when its ink reaches half of the strongest ink: the half-maximum edge.
INK_LEVEL = 0.5

# Median stroke width of the 60,000 MNIST training digits, in pixels of the 28x28 frame, measured
# with this module's own estimator: working_mask (4x bilinear, half-maximum threshold), then
# stroke_width (2 * area / perimeter), divided by WORK_SCALE. Quartiles 2.08 and 2.91: digits
# written small come out thicker after MNIST's box fit. tests/test_preprocess.py re-measures it.
MNIST_STROKE_WIDTH = 2.46

# MNIST put the centre of mass at (14.0, 14.0), counting pixel centres 0..27: the mean over the
# training digits is (14.00, 14.01), and all but 2 of 60,000 lie within 0.5 px of it (MNIST
# shifted by whole pixels).
MNIST_CENTER = 14.0

# A connected piece of ink is a speck when its extent is under 2% of the canvas's long side, or
# its mass under 2% of all ink; a dot-like piece (extent below 3 stroke widths, i.e. shorter than
# about two brush widths) smaller than 10% of the largest piece is an accidental tap.
SPECK_EXTENT = 0.02
SPECK_MASS = 0.02
DOT_EXTENT = 3.0
DOT_MASS = 0.1

# Scanned sets stretch a bold 1 into a bar no longer than three of its widths: 15% of MNIST test's
# 1s stored as black-and-white 16x16 scans were called blank as dots (docs/BENCHMARKS.md). In a picture, a
# piece reaching across half of its long side or more is such a bar, not a dot, when it is
# elongated: the spread of its pixels along its long axis at least BAR_ELONGATION times the spread
# across it (those 1s: 1.18-2.6, median 1.7). A round or square blot (1.0) stays blank.
PICTURE_SUBJECT_SPAN = 0.5
BAR_ELONGATION = 1.2

# Ink over more than half the canvas is a filled canvas, not a digit: MNIST digits cover at most
# 40% of their 28x28 frame (at half intensity).
FILLED_FRACTION = 0.5

# A picture, unlike a canvas, may be cropped tight to its digit: scanned sets like USPS and Semeion
# stretch every digit to fill its 16x16 frame, where a bold digit covers more than half of it. So a
# picture is filled only when its ink is also solid: 99% of MNIST test digits stretched to fill
# 16x16 cover under 70% of their box, a painted-over frame all of it.
SOLID_FRACTION = 0.9

# Pieces of ink connect through corners too, as a pen stroke does.
EIGHT_NEIGHBOURS = np.ones((3, 3), bool)
_PIL_DIRECT_MODES = {"L", "LA", "RGB", "RGBA", "I", "F", "I;16", "I;16L", "I;16B", "I;16N"}
_SKETCHPAD_HINT = "pass the sketchpad's value as numpy (type='numpy') or PIL (type='pil')"


class InvalidImageError(ValueError):
    """The drawing cannot be read as an image; the message says what was wrong and what to send."""


class Ink(NamedTuple):
    """A drawing's ink, and whether its frame is a canvas drawn on (a sketchpad's layers) rather
    than a picture, which may be cropped tight to its digit."""

    pixels: np.ndarray  # uint8 (H, W), 0 = background, 255 = full ink
    on_canvas: bool


def to_mnist(drawing):
    """Any drawing -> float32 (28, 28) in [0, 1], white ink on black like MNIST; None if blank.

    `drawing` is a Gradio sketchpad / ImageEditor value (dict with `background`, `layers`,
    `composite`), a PIL image of any mode, or a numpy array (H, W), (H, W, 1..4) of bool,
    integers or floats, dark ink on light or light ink on dark. Raises InvalidImageError for
    input that is not an image; returns None when nothing, or only specks or a dot, is drawn.
    """
    ink = ink_map(drawing)
    if ink is None:
        return None
    return ink_to_mnist(ink.pixels, on_canvas=ink.on_canvas)


def to_mnist_uint8(drawing):
    """to_mnist(drawing) stored as MNIST's files store digits: uint8 (28, 28) in 0-255; None if blank."""
    image = to_mnist(drawing)
    return None if image is None else np.rint(image * 255).astype(np.uint8)


def ink_to_mnist(ink, canvas_shape=None, found=None, on_canvas=True):
    """uint8 (H, W) ink -> float32 (28, 28) in [0, 1] like MNIST; None if only specks or a dot.

    `canvas_shape` is the (H, W) of the canvas the ink was cut from (default: the ink's own), so
    a piece of a drawing (one digit of a number) is judged for specks and fill like the whole.
    `found` is find_ink(ink), when the caller has it already. `on_canvas` is Ink.on_canvas: ink
    over half a canvas is a filled canvas, over half a picture only if it is solid too.
    """
    canvas_height, canvas_width = canvas_shape or ink.shape
    found = find_ink(ink) if found is None else found
    if found is None:
        return None
    level, box = found
    mask, coverage, scale = working_mask(ink, level, box)
    filled = coverage.sum() / scale**2 > FILLED_FRACTION * canvas_height * canvas_width
    if filled and (on_canvas or coverage.mean() > SOLID_FRACTION):
        return None
    canvas_side = max(canvas_height, canvas_width)
    kept = drop_specks(mask, coverage, canvas_side * scale, on_canvas)
    if kept is None:
        return None
    if kept[0] is not mask:
        # Specks far from the digit widened the crop; crop again to the digit alone so it keeps
        # the full working resolution.
        box = _kept_box(ink, level, box, _bounding_box(kept[0]), scale)
        mask, coverage, scale = working_mask(ink, level, box)
        kept = drop_specks(mask, coverage, canvas_side * scale, on_canvas)
        if kept is None:
            return None
    stroke = normalize_stroke(*kept)
    return center_mass(fit_box(stroke))


# --- Step 1: ink map -----------------------------------------------------------------------------


def ink_map(drawing):
    """Drawing -> Ink: uint8 (H, W), 0 = background, 255 = full ink; None if there is no image.

    None, or a sketchpad value without images, is no image: what Gradio sends for a cleared canvas.

    Stays uint8 (MNIST's own encoding) so a large canvas is never converted to float; inputs with
    a side over MAX_WORKING_SIDE come back shrunk by an integer factor to at most MAX_WORKING_SIDE.
    """
    if drawing is None:
        return None
    if isinstance(drawing, dict):
        return _sketchpad_ink(drawing)
    return Ink(_image_ink(_as_array(drawing, "drawing")), on_canvas=False)


def _sketchpad_ink(value):
    """Gradio sketchpad value -> Ink: the layers' alpha (a canvas), else the composite (a picture)."""
    layers = value.get("layers")
    if layers is None:
        layers = []
    if not isinstance(layers, (list, tuple)):
        raise InvalidImageError(
            f"sketchpad 'layers' must be a list of images, got {type(layers).__name__}"
        )
    inks = [
        _layer_ink(_as_array(layer, f"sketchpad layer {number}"))
        for number, layer in enumerate(layers)
        if layer is not None
    ]
    if inks:
        if len({layer_ink.shape for layer_ink in inks}) > 1:
            raise InvalidImageError(
                "sketchpad layers differ in size; send layers of the canvas size"
            )
        ink = inks[0] if len(inks) == 1 else np.maximum.reduce(inks)
        if ink.max() >= MIN_CONTRAST:
            return Ink(ink, on_canvas=True)
    # The layers are empty: read the flattened picture, e.g. an uploaded image, like any image.
    for key in ("composite", "background"):
        if value.get(key) is not None:
            return Ink(_image_ink(_as_array(value[key], f"sketchpad {key}")), on_canvas=False)
    return None


def _layer_ink(array):
    """Sketchpad layer -> uint8 (H, W) ink: its alpha, where the brush painted.

    A layer without transparency (an opaque picture sent as a layer) is read like any image.
    """
    if array.shape[2] not in (2, 4):
        return _image_ink(array)
    alpha = array[:, :, -1]
    # A painted layer is transparent somewhere, nearly always in a corner: check that first, cheaply.
    if alpha[0, 0] != 0 and alpha.min() == alpha.max():
        return _image_ink(array)
    return _alpha_ink(alpha, _full_scale(array))


def _alpha_ink(alpha, full):
    """Alpha (H, W) of intensities in [0, full] -> uint8 (H, W) ink, contiguous.

    Large canvases shrink by block maximum, not average, so a 1 px line stays a line: a painted
    pixel stays painted, as in `working_mask`. Alpha has no noise to average away.
    """
    return np.ascontiguousarray(_to_uint8(_shrink(alpha, np.maximum), full))


def _image_ink(array):
    """Image (H, W, C) -> uint8 (H, W) ink: alpha if it varies, else the ink on its paper.

    An opaque picture is a photo or scan of paper, or a digit stored as an image: `paper_ink`
    separates its ink from the paper, whichever is lighter, in any colour. Large images shrink by
    area averaging first, which also averages away noise.
    """
    full = _full_scale(array)
    if array.min() == array.max():
        # One grey level in every channel, like an untouched canvas: nothing is drawn. This is
        # the common blank case, and 10x cheaper to see than to measure.
        return np.zeros(_shrunk_shape(array.shape), np.uint8)
    if array.shape[2] in (2, 4):
        alpha = array[:, :, -1]
        # A uniform alpha carries no drawing: fully transparent is blank, whatever the colour
        # channels hold; fully opaque (or uniformly faded) means the colours are the picture.
        if alpha.min() != alpha.max() or alpha[0, 0] == 0:
            return _alpha_ink(alpha, full)
        array = array[:, :, :-1]
    return paper_ink((_shrink(array, np.add) * np.float32(1 / full)).astype(np.float32, copy=False))


def _as_array(image, name):
    """PIL image or numpy array -> validated numpy array (H, W, C), C in 1..4, real numbers."""
    if isinstance(image, Image.Image):
        image = _pil_to_array(image, name)
    elif isinstance(image, (str, bytes)):
        raise InvalidImageError(
            f"{name} is a {type(image).__name__}, not an image; {_SKETCHPAD_HINT}"
        )
    elif not isinstance(image, np.ndarray):
        raise InvalidImageError(
            f"{name} must be a numpy array, a PIL image or a Gradio sketchpad dict, "
            f"got {type(image).__name__}"
        )
    if image.dtype.kind not in "biuf":
        raise InvalidImageError(
            f"{name} has dtype {image.dtype}; send numbers (uint8, uint16, bool or float)"
        )
    if image.ndim == 2:
        image = image[:, :, np.newaxis]
    if image.ndim != 3 or not 1 <= image.shape[2] <= 4:
        raise InvalidImageError(
            f"{name} has shape {image.shape}; send one image of shape (H, W) or (H, W, C) "
            "with C = 1 to 4 channels (grey, grey + alpha, RGB or RGBA)"
        )
    if image.size == 0:
        raise InvalidImageError(f"{name} is empty (shape {image.shape}); send a non-empty image")
    return image


def _pil_to_array(image, name):
    """PIL image of any mode -> numpy array holding its pixels (palette and CMYK become RGB(A)).

    An image opened from a damaged file only fails here, when its pixels are first read.
    """
    try:
        if image.mode == "1":
            image = image.convert("L")
        elif image.mode == "La":
            image = image.convert("LA")  # Premultiplied grey + alpha converts to nothing else.
        elif image.mode not in _PIL_DIRECT_MODES:
            transparent = "A" in image.mode or "a" in image.mode or "transparency" in image.info
            image = image.convert("RGBA" if transparent else "RGB")
        return np.asarray(image)
    except (OSError, SyntaxError, ValueError) as error:  # PIL's ways of saying "damaged".
        raise InvalidImageError(
            f"{name} cannot be read as a picture ({error}); send a complete PNG, WebP or JPEG image"
        ) from error


def _full_scale(array):
    """Numeric array -> the value that means full intensity: 1, 255 or 65535.

    bool: True. uint8: 255. Other integers: 255 when all values fit in 8 bits, else 65535 (16-bit
    images). Floats: 1.0 when all values are at most 1, else 255.
    """
    if array.dtype.kind == "b":
        return 1
    if array.dtype == np.uint8:
        return 255
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise InvalidImageError("image contains NaN or infinite values; send finite intensities")
    low, high = array.min(), array.max()
    if low < 0:
        raise InvalidImageError(
            f"image has negative values (min {low}); send intensities in [0, 1] or [0, 255]"
        )
    if array.dtype.kind == "f":
        if high > 255:
            raise InvalidImageError(
                f"float image has values up to {high}; send intensities in [0, 1] or [0, 255]"
            )
        return 1.0 if high <= 1 else 255
    if high > 65535:
        raise InvalidImageError(
            f"image has values up to {high}; send 8-bit (0-255) or 16-bit (0-65535) intensities"
        )
    return 255 if high <= 255 else 65535


def _shrink(array, combine):
    """(H, W[, C]) -> itself if its long side is <= MAX_WORKING_SIDE, else k x k pixel blocks combined.

    k = ceil(long side / MAX_WORKING_SIDE). `combine` is np.add, giving the float32 block mean (area
    averaging), or np.maximum, giving the block maximum in the input's dtype. The blocks at the
    bottom and right edge may be partial; they combine the pixels they have, so no ink is dropped
    and a side shorter than k (a 4096x3 canvas) still shrinks to one pixel, not zero.
    """
    factor = _shrink_factor(array.shape)
    if combine is np.maximum:
        return block_max(array, factor)
    if factor == 1:
        return array
    # One axis at a time, one offset at a time: the extra memory is one band of the output size.
    rows = _combine_strided(array, factor, np.add, np.float32, axis=0)
    total = _combine_strided(rows, factor, np.add, np.float32, axis=1)
    counts = np.outer(_block_counts(array.shape[0], factor), _block_counts(array.shape[1], factor))
    return total / counts.reshape(counts.shape + (1,) * (array.ndim - 2)).astype(np.float32)


def block_max(array, factor):
    """(H, W[, C]) -> (ceil(H / factor), ceil(W / factor)[, C]) in the same dtype: the strongest
    value of each factor x factor block; blocks at the bottom and right edge may be partial."""
    if factor == 1:
        return array
    rows = _combine_strided(array, factor, np.maximum, array.dtype, axis=0)
    return _combine_strided(rows, factor, np.maximum, array.dtype, axis=1)


def _combine_strided(array, factor, combine, dtype, axis):
    """Combine every run of `factor` items along `axis` (the last run may be shorter) into one."""
    def every(offset):
        return array[(slice(None),) * axis + (slice(offset, None, factor),)]

    result = every(0).astype(dtype)  # A copy: ceil(n / factor) items along axis.
    for offset in range(1, min(factor, array.shape[axis])):
        part = every(offset)
        target = result[(slice(None),) * axis + (slice(0, part.shape[axis]),)]
        combine(target, part, out=target)
    return result


def _block_counts(length, factor):
    """Pixels in each block of `factor` along a side of `length`: factor, ..., factor, remainder."""
    counts = np.full(-(-length // factor), factor, np.float32)
    counts[-1] = length - factor * (len(counts) - 1)
    return counts


def _shrink_factor(shape):
    """(H, W, ...) -> the integer factor k that brings the long side to at most MAX_WORKING_SIDE."""
    return math.ceil(max(shape[:2]) / MAX_WORKING_SIDE)


def _shrunk_shape(shape):
    """(H, W, ...) -> (h, w) of `_shrink`'s result: each side divided by k, rounded up."""
    factor = _shrink_factor(shape)
    return -(-shape[0] // factor), -(-shape[1] // factor)


def _to_uint8(array, full):
    """Array of intensities in [0, full] -> uint8 in [0, 255]; uint8 passes through unchanged."""
    if array.dtype == np.uint8 and full == 255:
        return array
    return np.rint(array * np.float32(255 / full)).astype(np.uint8)


# --- Step 2: where the ink is --------------------------------------------------------------------


def find_ink(ink):
    """uint8 (H, W) ink -> (level, (top, bottom, left, right)) of stroke pixels; None if no ink.

    Stroke pixels reach `level`, half of the strongest ink; the box is half-open, numpy-style.
    """
    peak = int(ink.max())
    if peak < MIN_CONTRAST:
        return None
    level = max(MIN_CONTRAST, math.ceil(peak * INK_LEVEL))
    return level, _ink_box(ink, level)


def _ink_box(ink, level):
    """uint8 (H, W) ink with pixels >= level -> their box (top, bottom, left, right), half-open."""
    rows = np.flatnonzero(ink.max(axis=1) >= level)
    top, bottom = int(rows[0]), int(rows[-1] + 1)
    columns = np.flatnonzero(ink[top:bottom].max(axis=0) >= level)
    return top, bottom, int(columns[0]), int(columns[-1] + 1)


def _kept_box(ink, level, box, work_box, scale):
    """Ink box, box of the kept ink in its working mask -> tight box of the kept ink in `ink`."""
    top, bottom, left, right = box
    # One working pixel of margin, so no kept stroke pixel falls outside.
    margin = 1 / scale
    region_top = max(top, math.floor(top + work_box[0] / scale - margin))
    region_left = max(left, math.floor(left + work_box[2] / scale - margin))
    region = ink[
        region_top : min(bottom, math.ceil(top + work_box[1] / scale + margin)),
        region_left : min(right, math.ceil(left + work_box[3] / scale + margin)),
    ]
    inner_top, inner_bottom, inner_left, inner_right = _ink_box(region, level)
    return (
        region_top + inner_top,
        region_top + inner_bottom,
        region_left + inner_left,
        region_left + inner_right,
    )


def working_mask(ink, level, box):
    """Ink, level, box -> (bool mask, float32 coverage, scale): the box with long side WORK_SIZE.

    Downscaling: coverage is the area fraction of stroke pixels (box filter) and the mask is every
    working pixel that any stroke pixel touches, so even a 1 px line survives. Upscaling: the ink
    is interpolated bilinearly, then thresholded at `level`. `scale` is working px per ink px.
    """
    top, bottom, left, right = box
    crop = ink[top:bottom, left:right]
    height, width = crop.shape
    scale = WORK_SIZE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if scale < 1:
        stroke = (crop >= level).view(np.uint8)
        stroke *= 255
        # Reducing by an integer factor first halves the time; the result is still area-averaged.
        coverage = np.asarray(
            Image.fromarray(stroke).resize(size, Image.Resampling.BOX, reducing_gap=2.0)
        )
        return coverage > 0, coverage.astype(np.float32) / 255, scale
    smooth = np.asarray(
        Image.fromarray(np.ascontiguousarray(crop)).resize(size, Image.Resampling.BILINEAR)
    )
    mask = smooth >= level
    return mask, mask.astype(np.float32), scale


# --- Step 3: specks and dots ---------------------------------------------------------------------


def drop_specks(mask, coverage, canvas_size, on_canvas=True):
    """bool (h, w) mask -> (mask without specks, its stroke width in px); None if blank.

    Blank means nothing but specks, dots and blobs: a single tap, a scribbled blob, dust. A short
    stroke, like a "1", is not a dot, nor is a bar that spans a picture (`on_canvas` False).
    `canvas_size` is the canvas's long side in working pixels. The mask comes back unchanged (the
    same object) when nothing is dropped.
    """
    labels, count = ndimage.label(mask, structure=EIGHT_NEIGHBOURS)
    if count == 0:
        return None
    objects = ndimage.find_objects(labels)
    extent = np.array(
        [max(rows.stop - rows.start, columns.stop - columns.start) for rows, columns in objects]
    )
    if count == 1:
        mass = np.array([coverage.sum()])
    else:
        mass = ndimage.sum_labels(coverage, labels, np.arange(1, count + 1))
    speck = (extent < SPECK_EXTENT * canvas_size) | (mass < SPECK_MASS * mass.sum())
    area = np.zeros(count)
    perimeter = np.ones(count)
    for number in np.flatnonzero(~speck):
        area[number], perimeter[number] = _area_perimeter(labels[objects[number]] == number + 1)
    dot = extent < DOT_EXTENT * 2 * area / perimeter
    if not on_canvas:
        for number in np.flatnonzero(dot & (extent >= PICTURE_SUBJECT_SPAN * canvas_size)):
            dot[number] = elongation(labels[objects[number]] == number + 1) < BAR_ELONGATION
    if (speck | dot).all():
        return None
    speck |= dot & (mass < DOT_MASS * mass[~speck].max())
    width = 2 * area[~speck].sum() / perimeter[~speck].sum()
    if not speck.any():
        return mask, width
    return np.isin(labels, np.flatnonzero(~speck) + 1), width


def elongation(mask):
    """bool (h, w) -> spread of its pixels along their long axis over the spread across it (>= 1)."""
    rows, columns = np.nonzero(mask)
    smallest, largest = np.linalg.eigvalsh(np.cov(np.stack([columns, rows]).astype(np.float64)))
    return math.sqrt(largest / max(smallest, 1e-12))


# --- Step 4: stroke width ------------------------------------------------------------------------


def stroke_width(mask):
    """bool or float (h, w) ink -> mean stroke width in pixels, 2 * area / perimeter.

    A stroke of width w and length L has area w*L and perimeter about 2*L.
    """
    area, perimeter = _area_perimeter(mask)
    return 2 * area / perimeter


def _area_perimeter(mask):
    """bool or float (h, w) ink -> (area, perimeter) in pixels; perimeter at least 1e-6.

    The perimeter is Crofton's formula over four directions: edge crossings counted along rows,
    columns and both diagonals. It is within about 6% for any stroke direction, and unlike a
    gradient filter it sees both edges of a 1 px line. On grey images it counts every level's
    edges weighted by contrast, so it also measures MNIST's anti-aliased digits.
    """
    padded = _pad(mask, 1, np.float32)
    crossings = np.abs(np.diff(padded, axis=1)).sum() + np.abs(np.diff(padded, axis=0)).sum()
    diagonal = np.abs(padded[1:, 1:] - padded[:-1, :-1]).sum()
    diagonal += np.abs(padded[1:, :-1] - padded[:-1, 1:]).sum()
    perimeter = math.pi / 8 * (float(crossings) + float(diagonal) / math.sqrt(2))
    return float(padded.sum()), max(perimeter, 1e-6)


def normalize_stroke(mask, width):
    """bool (h, w) mask, its stroke width -> bool mask whose strokes have MNIST's width.

    Dilates or erodes by the radius that gives WORK_SCALE * MNIST_STROKE_WIDTH once the box is
    fit back to WORK_SIZE (dilation also grows the box by twice the radius). Erosion never erases
    or breaks the digit: if it would change the number of connected pieces, it erodes less.
    """
    target = WORK_SCALE * MNIST_STROKE_WIDTH
    radius = (target - width) / (2 * (1 - target / WORK_SIZE))
    if abs(radius) < 0.5:
        return mask
    # Pixel disks grow edges by whole pixels; half a pixel more rounds to the nearest one.
    if radius > 0:
        return _dilate(mask, radius + 0.5)
    _, pieces = ndimage.label(mask, structure=EIGHT_NEIGHBOURS)
    for fraction in (1, 2 / 3, 1 / 3):
        eroded = _erode(mask, -radius * fraction + 0.5)
        if ndimage.label(eroded, structure=EIGHT_NEIGHBOURS)[1] == pieces:
            return eroded
    return mask


def _dilate(mask, radius):
    """bool (h, w) -> bool (h + 2k, w + 2k), k = floor(radius): the mask grown by a disk.

    The same pixels as a Euclidean distance transform thresholded at `radius`, but faster here:
    a disk is a stack of horizontal runs, so OR the mask grown sideways by each run's half-width
    into the matching row offset.
    """
    reach = math.floor(radius)
    padded = _pad(mask, reach)
    sideways = [padded]
    for _ in range(reach):
        grown = sideways[-1].copy()
        grown[:, 1:] |= sideways[-1][:, :-1]
        grown[:, :-1] |= sideways[-1][:, 1:]
        sideways.append(grown)
    disk = np.zeros_like(padded)
    height = padded.shape[0]
    for offset in range(-reach, reach + 1):
        run = sideways[math.floor(math.sqrt(radius**2 - offset**2))]
        shifted = run[max(-offset, 0) : height - max(offset, 0)]
        disk[max(offset, 0) : height + min(offset, 0)] |= shifted
    return disk


def _erode(mask, radius):
    """bool (h, w) -> bool (h, w): the pixels farther than `radius` from any background pixel."""
    reach = math.floor(radius) + 1
    background = _dilate(~_pad(mask, 1), radius)
    return ~background[reach : reach + mask.shape[0], reach : reach + mask.shape[1]]


def _pad(mask, width, dtype=bool):
    """(h, w) array -> (h + 2*width, w + 2*width) of `dtype`, zeros around; np.pad is 5x slower."""
    padded = np.zeros((mask.shape[0] + 2 * width, mask.shape[1] + 2 * width), dtype)
    padded[width : width + mask.shape[0], width : width + mask.shape[1]] = mask
    return padded


# --- Step 5: fit and centre ----------------------------------------------------------------------


def _bounding_box(mask):
    """bool (h, w) mask with ink -> (top, bottom, left, right), half-open."""
    rows = np.flatnonzero(mask.any(axis=1))
    columns = np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(rows[-1] + 1), int(columns[0]), int(columns[-1] + 1)


def fit_box(mask):
    """bool (h, w) mask -> float32 (h', w') in [0, 1]: its ink box with long side WORK_SIZE.

    Bilinear resampling keeps the aspect ratio and anti-aliases the edges.
    """
    top, bottom, left, right = _bounding_box(mask)
    crop = mask[top:bottom, left:right]
    height, width = crop.shape
    scale = WORK_SIZE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    stroke = Image.fromarray(np.ascontiguousarray(crop.view(np.uint8) * np.uint8(255)))
    resized = np.asarray(stroke.resize(size, Image.Resampling.BILINEAR))
    return resized.astype(np.float32) / 255


def center_mass(digit):
    """float32 (h, w) digit at 4x scale -> float32 (28, 28) in [0, 1], mass centred like MNIST.

    The digit is placed at quarter-pixel precision in a 4x frame, then each 4x4 block is averaged
    (MNIST's anti-aliasing). If centring the mass would push ink out of the frame, the digit
    stops at the edge: losing ink would hurt more than a centre slightly off.
    """
    frame = WORK_SCALE * IMAGE_SIZE
    height, width = digit.shape
    mass = float(digit.sum())
    center_row = float(digit.sum(axis=1) @ np.arange(height)) / mass
    center_col = float(digit.sum(axis=0) @ np.arange(width)) / mass
    # 28x28 pixel i covers 4x pixels 4i..4i+3, whose centre is at 4i + 1.5.
    target = WORK_SCALE * MNIST_CENTER + (WORK_SCALE - 1) / 2
    top = min(max(round(target - center_row), 0), frame - height)
    left = min(max(round(target - center_col), 0), frame - width)
    canvas = np.zeros((frame, frame), np.float32)
    canvas[top : top + height, left : left + width] = digit
    # Summing one axis at a time is several times faster than mean(axis=(1, 3)).
    rows = canvas.reshape(IMAGE_SIZE, WORK_SCALE, frame).sum(axis=1)
    image = rows.reshape(IMAGE_SIZE, IMAGE_SIZE, WORK_SCALE).sum(axis=2) / WORK_SCALE**2
    return np.clip(image, 0.0, 1.0, out=image)
