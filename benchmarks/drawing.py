"""Draw test digits on a canvas like a person in the browser: a round brush along a path.

Every function returns the brush's alpha, uint8 (H, W), 255 where painted; `sketchpad` wraps it
the way Gradio's sketchpad sends it, `drawings_as_files` the way gradio_client uploads it.
"""

from pathlib import Path

import numpy as np
from gradio_client import handle_file
from PIL import Image, ImageDraw

# A few digits as polylines in the unit square (x to the right, y down), one list per stroke.
_ANGLES = np.linspace(0, 2 * np.pi, 33)
STROKES = {
    "1": [[(0.5, 0.0), (0.5, 1.0)]],
    "7": [[(0.0, 0.0), (1.0, 0.0), (0.35, 1.0)]],
    "0": [list(zip(0.5 + 0.5 * np.sin(_ANGLES), 0.5 - 0.5 * np.cos(_ANGLES)))],
    "4": [[(0.6, 1.0), (0.6, 0.0), (0.0, 0.7), (0.9, 0.7)]],
}


_T = np.linspace(0, 2 * np.pi, 40)
# One writer's digits as polylines in the unit square (x right, y down).
WRITER = {
    "0": [list(zip(0.5 + 0.45 * np.sin(_T), 0.5 - 0.5 * np.cos(_T)))],
    "1": [[(0.25, 0.25), (0.55, 0.0), (0.55, 1.0)], [(0.25, 1.0), (0.85, 1.0)]],
    "2": [[(0.1, 0.25), (0.3, 0.03), (0.7, 0.03), (0.85, 0.25), (0.7, 0.5), (0.1, 1.0), (0.9, 1.0)]],
    "3": [[(0.1, 0.0), (0.85, 0.0), (0.4, 0.4), (0.8, 0.55), (0.85, 0.8), (0.6, 1.0), (0.1, 0.95)]],
    "4": [[(0.1, 0.0), (0.05, 0.55), (0.9, 0.55)], [(0.7, 0.1), (0.7, 1.0)]],
    "5": [[(0.85, 0.0), (0.2, 0.0), (0.15, 0.45), (0.6, 0.4), (0.85, 0.65), (0.7, 0.95), (0.1, 0.9)]],
    "6": [[(0.7, 0.0), (0.2, 0.5), (0.15, 0.8), (0.4, 1.0), (0.75, 0.85), (0.7, 0.55), (0.3, 0.55),
           (0.2, 0.7)]],
    "7": [[(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)], [(0.3, 0.5), (0.85, 0.5)]],
    "8": [list(zip(0.5 + 0.35 * np.sin(2 * _T), 0.5 - 0.5 * np.cos(_T)))],
    "9": [[(0.85, 0.3), (0.5, 0.0), (0.15, 0.2), (0.3, 0.45), (0.85, 0.3), (0.8, 1.0)]],
}


# Digits whose strokes do not touch: the pieces a reader of numbers must keep together.
SPLIT_STROKES = {
    "5": [[(0.2, 0.15), (0.15, 0.45), (0.6, 0.4), (0.85, 0.65), (0.7, 0.95), (0.1, 0.9)],
          [(0.3, 0.0), (0.9, 0.0)]],  # The top bar drawn apart.
    "4": [[(0.1, 0.0), (0.05, 0.55), (0.55, 0.55)], [(0.8, 0.1), (0.8, 1.0)]],  # The stem apart.
    "1": [[(0.5, 0.15), (0.5, 1.0)], [(0.5, -0.12)]],  # A dot over it, like an i.
}


def known_numbers():
    """{name: (alpha, the number it shows)}: drawings a reader of numbers must get right."""
    with_speck = draw_number("42")
    with_speck[20:24, with_speck.shape[1] // 2 : with_speck.shape[1] // 2 + 4] = 255
    return {
        "7": (draw_number("7"), "7"),
        "12": (draw_number("12"), "12"),
        "2026": (draw_number("2026"), "2026"),
        "5 with a detached bar": (draw_number("5", strokes=SPLIT_STROKES), "5"),
        "4 in two strokes": (draw_number("4", strokes=SPLIT_STROKES), "4"),
        "1 with a dot": (draw_number("1", strokes=SPLIT_STROKES), "1"),
        "11 close together": (draw_number("11", gap=0.1, strokes=STROKES), "11"),
        "42 with a speck": (with_speck, "42"),
    }


def writer_drawing(digit, tilt_degrees, rng):
    """One writer's digit, tilted, wobbly, with a random brush -> alpha (800, 800)."""
    angle = np.deg2rad(tilt_degrees + rng.uniform(-8, 8))
    shear = rng.uniform(-0.15, 0.15)
    matrix = np.array([[np.cos(angle), -np.sin(angle) + shear], [np.sin(angle), np.cos(angle)]])
    strokes = []
    for stroke in WRITER[digit]:
        points = (np.array(stroke) - 0.5) @ matrix.T + rng.normal(0, 0.025, (len(stroke), 2)) + 0.5
        strokes.append([tuple(point) for point in points])
    return draw_strokes(strokes, brush=rng.uniform(15, 35), box=(0.3, 0.15, 0.45, 0.7))


def draw_strokes(strokes, canvas=800, brush=20, box=(0.3, 0.15, 0.6, 0.85)):
    """Polylines in the unit square -> alpha (canvas, canvas) with `strokes` drawn inside `box`.

    `box` is (left, top, width, height) as fractions of the canvas; `brush` is in pixels.
    """
    left, top, width, height = (value * canvas for value in box)
    paths = [[(left + x * width, top + y * height) for x, y in stroke] for stroke in strokes]
    return _paint(paths, canvas, brush)


def draw_number(text, height=200, gap=0.3, brush=16, strokes=WRITER):
    """A number written with `strokes`' digits -> alpha, each digit `height` px tall.

    `gap` is the space between one digit's ink and the next's, as a fraction of `height`.
    """
    tiles = [draw_strokes(strokes[digit], canvas=2 * height, brush=brush, box=(0.25, 0.25, 0.35, 0.5))
             for digit in text]
    return side_by_side(tiles, [gap * height] * (len(tiles) - 1))


def side_by_side(alphas, gaps, margin=None):
    """Alphas with ink -> one alpha: their inks in a row, `gaps[i]` px between ink i and i + 1.

    Each ink keeps its height and is centred vertically on the row; negative gaps overlap the
    boxes. `margin` (default: half the tallest ink) is left blank around the row.
    """
    crops = [_ink_crop(alpha) for alpha in alphas]
    tallest = max(crop.shape[0] for crop in crops)
    margin = round(tallest / 2) if margin is None else margin
    lefts = np.concatenate([[0], np.cumsum([crop.shape[1] + gap for crop, gap in zip(crops, gaps)])])
    lefts = np.rint(lefts - lefts.min() + margin).astype(int)
    width = max(left + crop.shape[1] for left, crop in zip(lefts, crops)) + margin
    canvas = np.zeros((tallest + 2 * margin, width), np.uint8)
    for left, crop in zip(lefts, crops):
        top = margin + (tallest - crop.shape[0]) // 2
        region = canvas[top : top + crop.shape[0], left : left + crop.shape[1]]
        np.maximum(region, crop, out=region)
    return canvas


def centred_on_canvas(alpha, size):
    """Alpha (h, w) -> alpha (height, width) of a canvas of `size` (width, height) with it in the
    middle; None if it does not fit."""
    width, height = size
    if alpha.shape[0] > height or alpha.shape[1] > width:
        return None
    canvas = np.zeros((height, width), np.uint8)
    top, left = (height - alpha.shape[0]) // 2, (width - alpha.shape[1]) // 2
    canvas[top : top + alpha.shape[0], left : left + alpha.shape[1]] = alpha
    return canvas


def _ink_crop(alpha):
    rows = np.flatnonzero(alpha.any(axis=1))
    columns = np.flatnonzero(alpha.any(axis=0))
    return alpha[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]


def draw_mnist(digit, canvas=800, brush=20, height=0.6, center=(0.5, 0.5)):
    """MNIST uint8 (28, 28) -> alpha (canvas, canvas): its centre line retraced with a brush.

    The digit is upscaled 4x, thresholded at half intensity and thinned to its skeleton; every
    pair of touching skeleton pixels becomes a brush segment. The drawing is `height` of the
    canvas tall, centred at `center` (x, y fractions of the canvas).
    """
    large = np.asarray(Image.fromarray(digit).resize((112, 112), Image.Resampling.BILINEAR))
    rows, cols = np.nonzero(_skeleton(large >= 128))
    scale = height * canvas / (rows.max() - rows.min() + 1)
    mid_row, mid_col = (rows.max() + rows.min()) / 2, (cols.max() + cols.min()) / 2
    points = {
        (row, col): (center[0] * canvas + (col - mid_col) * scale,
                     center[1] * canvas + (row - mid_row) * scale)
        for row, col in zip(rows, cols)
    }
    segments = [
        [points[row, col], points[row + dy, col + dx]]
        for row, col in points
        for dy, dx in ((0, 1), (1, -1), (1, 0), (1, 1))
        if (row + dy, col + dx) in points
    ]
    return _paint(segments + [[point] for point in points.values()], canvas, brush)


def _skeleton(mask):
    """bool (h, w) -> bool (h, w), one pixel wide and connected (Zhang and Suen, 1984)."""
    image = np.pad(mask, 1).astype(np.uint8)
    changed = True
    while changed:
        changed = False
        for first_pass in (True, False):
            center = image[1:-1, 1:-1]
            # Neighbours P2..P9, clockwise from north.
            n, ne, e, se = image[:-2, 1:-1], image[:-2, 2:], image[1:-1, 2:], image[2:, 2:]
            s, sw, w, nw = image[2:, 1:-1], image[2:, :-2], image[1:-1, :-2], image[:-2, :-2]
            ring = [n, ne, e, se, s, sw, w, nw, n]
            count = sum(ring[:8])
            crossings = sum((ring[i] == 0) & (ring[i + 1] == 1) for i in range(8))
            if first_pass:
                side = (n * e * s == 0) & (e * s * w == 0)
            else:
                side = (n * e * w == 0) & (n * s * w == 0)
            remove = (center == 1) & (count >= 2) & (count <= 6) & (crossings == 1) & side
            if remove.any():
                center[remove] = 0
                changed = True
    return image[1:-1, 1:-1].astype(bool)


def _paint(paths, canvas, brush):
    """Point lists -> alpha (canvas, canvas): each path drawn with a round brush of `brush` px."""
    image = Image.new("L", (canvas, canvas), 0)
    pen = ImageDraw.Draw(image)
    radius = brush / 2
    for path in paths:
        if len(path) > 1:
            pen.line(path, fill=255, width=round(brush))
        for x, y in path:
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    return np.asarray(image)


def sketchpad(alpha, rgb=None):
    """Alpha (H, W) -> Gradio sketchpad value: one RGBA layer, composite over white.

    `rgb` (H, W, 3) is the layer's colour, black by default; it only shows where alpha > 0.
    """
    height, width = alpha.shape
    layer = np.zeros((height, width, 4), np.uint8)
    if rgb is not None:
        layer[:, :, :3] = rgb
    layer[:, :, 3] = alpha
    white = np.full((height, width, 4), 255, np.uint8)
    composite = Image.alpha_composite(Image.fromarray(white), Image.fromarray(layer))
    return {"background": white, "layers": [layer], "composite": np.asarray(composite)}


def drawings_as_files(folder):
    """{digit: sketchpad value of files for gradio_client} for every digit of STROKES, saved in `folder`."""
    values = {}
    for digit, strokes in STROKES.items():
        layer = sketchpad(draw_strokes(strokes, brush=28))["layers"][0]
        path = Path(folder) / f"{digit}.png"
        Image.fromarray(layer).save(path)
        values[digit] = {"background": None, "layers": [handle_file(str(path))], "composite": None}
    return values

