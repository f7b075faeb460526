"""Draw pen trajectories the way a person draws in the app, then read them through the app's to_mnist.

Each trajectory is slanted, rotated and stretched a little (for training, also bent smoothly and
its strokes moved apart a little: `wobble`, `stroke_shift`), scaled to a random height, placed
anywhere on a canvas of random size and painted with a round brush of random width (varying a
little from stroke to stroke, like a finger or a pen pressed harder). The painted layer goes
through `lenet.preprocess.to_mnist` exactly as a sketchpad layer would, so training sees what the
app feeds the model.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from lenet.config import IMAGE_SIZE
from lenet.preprocess import to_mnist_uint8
from lenet.train.parallel import map_in_processes


@dataclass(frozen=True)
class DrawingStyle:
    """Ranges the drawings are sampled from; `scaled(s)` widens or narrows the distortions."""

    canvas_sides: tuple = (280, 900)  # px, width and height drawn independently
    heights: tuple = (0.30, 0.90)  # digit height, fraction of the canvas's short side
    brushes: tuple = (0.04, 0.16)  # brush diameter, fraction of the digit's height
    stroke_width_jitter: float = 0.15  # each stroke's brush within +-15 % of the drawing's
    max_slant: float = 0.25  # horizontal shear, as in lenet/train/augment.py
    max_rotation_degrees: float = 8.0
    max_aspect_change: float = 0.10
    wobble: float = 0.0  # smooth random bending of each stroke on its own, a fraction of the digit's size
    stroke_shift: float = 0.0  # each stroke moved apart from the others, as a fraction of the size

    def scaled(self, strength):
        return DrawingStyle(
            self.canvas_sides, self.heights, self.brushes, self.stroke_width_jitter,
            self.max_slant * strength, self.max_rotation_degrees * strength, self.max_aspect_change * strength,
            self.wobble * strength, self.stroke_shift * strength,
        )


DEFAULT_STYLE = DrawingStyle()


@dataclass(frozen=True)
class Drawing:
    """Where the brush goes: point arrays (K, 2) in canvas pixels, each stroke's brush diameter, the canvas size."""

    paths: list
    brushes: list
    size: tuple  # (width, height)


def draw_trajectory(strokes, rng, style=DEFAULT_STYLE):
    """Strokes (float (K, 2) x, y with y down) -> uint8 alpha (H, W), 255 where the brush painted."""
    return paint(plan_drawing(strokes, rng, style))


def plan_drawing(strokes, rng, style=DEFAULT_STYLE):
    """Strokes -> Drawing: every random choice of a drawing, made with `rng`; painting is left to `paint`."""
    width, height = (int(side) for side in rng.integers(style.canvas_sides[0], style.canvas_sides[1] + 1, size=2))
    points = _distorted(strokes, rng, style)
    low, high = np.min([p.min(axis=0) for p in points], axis=0), np.max([p.max(axis=0) for p in points], axis=0)
    extent = np.maximum(high - low, 1e-3)
    digit_height = rng.uniform(*style.heights) * min(width, height)
    brush = rng.uniform(*style.brushes) * digit_height
    jitter = style.stroke_width_jitter
    margin = brush * (1 + jitter) / 2 + 2  # The widest stroke's half width, and a pixel to spare.
    # A digit wider than tall is scaled by its width, so that it fits the canvas too.
    scale = min(digit_height / extent[1], (width - 2 * margin) / extent[0], (height - 2 * margin) / extent[1])
    size = extent * scale
    left = rng.uniform(margin, max(margin, width - size[0] - margin))
    top = rng.uniform(margin, max(margin, height - size[1] - margin))
    paths = [(p - low) * scale + (left, top) for p in points]
    return Drawing(paths, [brush * rng.uniform(1 - jitter, 1 + jitter) for _ in paths], (width, height))


def _distorted(strokes, rng, style):
    """Strokes slanted, rotated and stretched around their centre by random amounts within `style`."""
    angle = np.deg2rad(rng.uniform(-style.max_rotation_degrees, style.max_rotation_degrees))
    slant = rng.uniform(-style.max_slant, style.max_slant)
    aspect = 1 + rng.uniform(-style.max_aspect_change, style.max_aspect_change)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    # Shear x by y (a slanted hand), then stretch, then rotate; rows are points, so transpose.
    matrix = rotation @ np.diag([aspect, 1 / aspect]) @ np.array([[1, slant], [0, 1]])
    centre = np.concatenate(strokes).mean(axis=0)
    points = [(np.asarray(stroke, np.float64) - centre) @ matrix.T for stroke in strokes]
    size = max(float(np.ptp(np.concatenate(points), axis=0).max()), 1e-3)
    if style.wobble:  # Each stroke its own bend: where strokes meet may shift, as between writers.
        points = [p + _smooth_field(p / size, rng) * style.wobble * size for p in points]
    if style.stroke_shift and len(points) > 1:
        points = [p + rng.normal(0, style.stroke_shift * size, 2) for p in points]
    return points


def _smooth_field(points, rng, waves=3):
    """A random smooth displacement (K, 2) at `points` (in digit sizes): a few long sine waves,
    so neighbouring points move together and a stroke bends instead of shaking."""
    field = np.zeros_like(points)
    for axis in range(2):
        for _ in range(waves):
            frequency = rng.normal(0, 2 * np.pi, 2)  # about one period per digit size
            field[:, axis] += rng.uniform(-1, 1) * np.sin(points @ frequency + rng.uniform(0, 2 * np.pi))
    return field / waves


def paint(drawing):
    """Drawing -> uint8 alpha (H, W): each path drawn with a round brush of its diameter in px."""
    image = Image.new("L", drawing.size, 0)
    pen = ImageDraw.Draw(image)
    for path, brush in zip(drawing.paths, drawing.brushes):
        points = [tuple(point) for point in path]
        if len(points) > 1:
            pen.line(points, fill=255, width=max(1, round(brush)), joint="curve")
        radius = brush / 2
        for x, y in points[:: max(1, len(points) - 1)]:  # Round caps at both ends.
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    return np.asarray(image)


def as_sketchpad_layer(alpha):
    """Alpha (H, W) -> the sketchpad value the app receives for it: one black RGBA layer."""
    layer = np.zeros((*alpha.shape, 4), np.uint8)
    layer[:, :, 3] = alpha
    return {"background": None, "layers": [layer], "composite": None}


def render_digits(digits, variants, seed, style=DEFAULT_STYLE, keep_blank=False):
    """PenDigits' digits -> (uint8 (N * variants, 28, 28) as to_mnist makes them, uint8 labels).

    Each trajectory is drawn `variants` times, differently; the same seed draws the same images.
    A drawing to_mnist calls blank (rare: a very thick brush) is left out, or with `keep_blank`
    kept as all zeros, so that a benchmark counts it as a miss. The random choices are made here,
    in order; painting and reading, 95 % of the time, run on every core (lenet.train.parallel), so the
    images do not depend on how many cores there are.
    """
    rng = np.random.default_rng(seed)
    plans = [plan_drawing(digit.strokes, rng, style) for _ in range(variants) for digit in digits]
    images = map_in_processes(read_drawing, plans)
    if keep_blank:
        images = [np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.uint8) if image is None else image for image in images]
    kept = [index for index, image in enumerate(images) if image is not None]
    labels = [digit.label for _ in range(variants) for digit in digits]
    return (np.stack([images[index] for index in kept]) if kept else np.zeros((0, IMAGE_SIZE, IMAGE_SIZE), np.uint8),
            np.array([labels[index] for index in kept], dtype=np.uint8))


def read_drawing(drawing):
    """Drawing -> uint8 (28, 28) as the app's to_mnist makes it from the painted layer; None if blank."""
    return to_mnist_uint8(as_sketchpad_layer(paint(drawing)))
