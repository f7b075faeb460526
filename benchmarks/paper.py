"""Photos and scans of digits written on paper, synthetic and reproducible: what people upload.

A digit, as pen strokes or as an MNIST image read as a map of ink, is laid on paper the way ink
absorbs light: each pixel is the paper's colour times (1 - darkness * the ink's absorption), per
channel. Then the page is lit (a gradient, a shadow, a phone's vignette), gets sensor noise and,
for one condition, JPEG's loss. Each of CONDITIONS is one `Scene`; every random choice comes from
the rng passed in, so the same seed makes the same pictures.

    photo_of_strokes(strokes, "ruled paper", rng) -> uint8 (H, W, 3) RGB
"""

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage
from scipy.interpolate import make_interp_spline


@dataclass(frozen=True)
class Pen:
    """How a pen leaves ink; each range is sampled once per picture."""

    absorption: tuple  # share of the red, green and blue light that full ink takes away
    darkness: tuple  # darkness where the pen presses hardest, 0-1
    width: tuple  # stroke width, fraction of the digit's height
    weakest: tuple  # darkness where it presses lightest, fraction of the hardest
    grain: float = 0.0  # texture inside the stroke: graphite marks only the paper's ridges
    narrowing: float = 0.0  # how much a light touch narrows the stroke (a pencil's tip is a cone)


BALLPOINT = Pen(absorption=(0.93, 0.92, 0.88), darkness=(0.75, 0.95), width=(0.015, 0.04), weakest=(0.7, 0.9),
                grain=0.06)
# The darkest pixel 15-45 % darker than the paper, and twice as light in places.
FAINT_BALLPOINT = Pen(absorption=(1.0, 1.0, 0.97), darkness=(0.15, 0.45), width=(0.015, 0.03),
                      weakest=(0.5, 0.7), grain=0.08)
PENCIL = Pen(absorption=(0.8, 0.8, 0.76), darkness=(0.55, 0.8), width=(0.03, 0.06), weakest=(0.25, 0.35),
             grain=0.3, narrowing=0.35)
# Blue ballpoint ink takes red and green, and lets most of the blue through.
BLUE_BALLPOINT = Pen(absorption=(0.9, 0.72, 0.3), darkness=(0.6, 0.85), width=(0.015, 0.04), weakest=(0.65, 0.9),
                     grain=0.06)


@dataclass(frozen=True)
class Scene:
    """One condition: the pen, the page and how it is photographed; ranges are sampled per picture."""

    pen: Pen = BALLPOINT
    image_sides: tuple = (300, 1500)  # px, both sides; ignored for a camera's full picture
    camera: tuple = None  # (long, short) px of a phone camera's full picture
    digit_heights: tuple = (0.3, 0.7)  # fraction of the image's height
    offset: float = 0.15  # the digit's centre moves up to this fraction of a side from the middle
    paper_levels: tuple = (215, 250)  # the paper's brightness, uint8 levels
    gradient: tuple = (0.8, 0.95)  # light at the page's darkest edge, relative to its brightest
    vignette: tuple = (0.0, 0.15)  # light lost in the corners
    shadow: tuple = (0.0, 0.0)  # light lost in a soft-edged shadow
    noise: tuple = (1.5, 4.0)  # sensor noise, standard deviation in uint8 levels
    edge: tuple = (1.0, 2.0)  # px over which an ink edge fades: anti-aliasing and the lens's blur
    printed: str = "plain"  # "plain", "ruled" or "squared with a box"
    jpeg_quality: int = None


SCENES = {
    "clean scan": Scene(image_sides=(150, 400), digit_heights=(0.45, 0.7), offset=0.05, paper_levels=(235, 250),
                        gradient=(0.97, 1.0), vignette=(0.0, 0.0), noise=(0.5, 1.5), edge=(1.0, 1.3)),
    "faint ballpoint": Scene(FAINT_BALLPOINT),
    "pencil with pressure": Scene(PENCIL),
    "blue ink": Scene(BLUE_BALLPOINT),
    "shadow and gradient": Scene(gradient=(0.55, 0.7), vignette=(0.15, 0.3), shadow=(0.25, 0.45)),
    "ruled paper": Scene(printed="ruled"),
    "squared paper with a box line": Scene(printed="squared with a box"),
    "JPEG quality 60": Scene(noise=(2.0, 5.0), jpeg_quality=60),
    "12 MP photo, digit small": Scene(camera=(4000, 3000), digit_heights=(0.08, 0.2), offset=0.5, edge=(1.5, 3.0)),
}
CONDITIONS = tuple(SCENES)

EDGE_MARGIN = 0.05  # the digit keeps this fraction of the image's short side from every edge
WIDEST_DIGIT = 0.8  # a digit wider than this fraction of the image shrinks to fit
FRAME_BORDER = 2  # MNIST pixels of paper around an MNIST digit's frame
ASPECTS = (0.65, 1.55)  # the image's width over its height, from a tall phone crop to a wide one
LIGHTING_SIDE = 256  # px, lighting is smooth: built this small, then enlarged


def photo_of_strokes(strokes, condition, rng):
    """Strokes (float (K, 2) x, y, y down, any scale) -> uint8 (H, W, 3): the digit written on paper."""
    scene = _scene(condition)
    points = [np.asarray(stroke, np.float64).reshape(-1, 2) for stroke in strokes]
    low = np.min([p.min(axis=0) for p in points], axis=0)
    width, height = _digit_extent(np.max([p.max(axis=0) for p in points], axis=0) - low)
    size, box = _layout(scene, width / height, rng)
    scale = box[3] / height
    paths = [(p - low) * scale + box[:2] for p in points]
    ink, corner = _stroke_ink(paths, box[3], scene.pen, rng.uniform(*scene.edge), rng)
    return _photograph(ink, corner, size, box, scene, rng)


def photo_of_image(digit_image, condition, rng):
    """MNIST uint8 (28, 28), white on black -> uint8 (H, W, 3): that ink written on paper."""
    scene = _scene(condition)
    density = np.asarray(digit_image, np.float32) / 255
    rows, columns = np.flatnonzero(density.max(axis=1) > 0.1), np.flatnonzero(density.max(axis=0) > 0.1)
    if len(rows) == 0:
        raise ValueError("the digit image has no ink: pass an MNIST digit, white on black")
    width, height = _digit_extent(np.array([columns[-1] - columns[0] + 1, rows[-1] - rows[0] + 1], float))
    size, box = _layout(scene, width / height, rng)
    ink, corner = _image_ink(density, (columns[0], rows[0]), box[3] / height, box, scene.pen, rng)
    return _photograph(ink, corner, size, box, scene, rng)


def jpeg_bytes(rgb, quality):
    """uint8 (H, W, 3) -> the bytes of a JPEG file at `quality` (1-95)."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _scene(condition):
    if condition not in SCENES:
        raise ValueError(f"Unknown condition {condition!r}: choose one of {', '.join(CONDITIONS)}.")
    return SCENES[condition]


def _digit_extent(extent):
    """(width, height) of a digit's box, never flat: a lone dash is still drawn at a digit's height."""
    width = max(float(extent[0]), 1e-6)
    return width, max(float(extent[1]), 0.25 * width)


def _layout(scene, aspect, rng):
    """Scene, the digit's width over its height -> ((height, width) of the image, the digit's box
    (left, top, width, height) in float px)."""
    if scene.camera:
        long, short = scene.camera
        height, width = (short, long) if rng.random() < 0.5 else (long, short)
    else:
        height = int(rng.integers(scene.image_sides[0], scene.image_sides[1] + 1))
        width = int(np.clip(height * rng.uniform(*ASPECTS), *scene.image_sides))
    digit_height = rng.uniform(*scene.digit_heights) * height
    digit_height *= min(1.0, WIDEST_DIGIT * width / (digit_height * aspect))
    digit_size = np.array([digit_height * aspect, digit_height])
    sides = np.array([width, height], float)
    margin = EDGE_MARGIN * min(width, height) + digit_size / 2
    # The centre moves up to `offset` of a side from the middle, but the digit stays on the page.
    lowest = np.maximum(sides * (0.5 - scene.offset), margin)
    highest = np.maximum(np.minimum(sides * (0.5 + scene.offset), sides - margin), lowest)
    centre = rng.uniform(lowest, highest)
    return (height, width), np.array([*(centre - digit_size / 2), *digit_size])


def _stroke_ink(paths, digit_height, pen, edge, rng):
    """Paths in image px -> (float32 (h, w) darkness 0-1, (left, top) of that patch in the image).

    Each stroke is smoothed (a pen moves in curves, its recording in straight steps) and sampled
    every half pixel along its length, with a pressure that drifts slowly along it; every pixel
    takes the width and darkness of its nearest sample (a distance transform), so width and
    darkness vary along the stroke and the edges are anti-aliased.
    """
    samples = [_resampled(_smoothed(path), 0.5) for path in paths]
    points = np.concatenate(samples)
    pressure = np.concatenate([_pressure_along(sample, digit_height, rng) for sample in samples])
    pressure = np.interp(pressure, (pressure.min(), pressure.max() + 1e-9), (rng.uniform(*pen.weakest), 1.0))
    radius = rng.uniform(*pen.width) * digit_height / 2 * (1 - pen.narrowing * (1 - pressure))
    darkness = rng.uniform(*pen.darkness) * pressure

    pad = math.ceil(radius.max() + edge + 2)
    corner = np.floor(points.min(axis=0)).astype(int) - pad
    shape = tuple((np.ceil(points.max(axis=0)).astype(int) + pad - corner + 1)[::-1])
    nearest = np.full(shape, -1, np.int32)
    columns, rows = np.rint(points - corner).astype(int).T
    nearest[rows, columns] = np.arange(len(points))
    _, (row_of, column_of) = ndimage.distance_transform_edt(nearest < 0, return_indices=True)
    nearest = nearest[row_of, column_of]
    y, x = np.indices(shape, dtype=np.float32)
    distance = np.hypot(x + corner[0] - points[nearest, 0], y + corner[1] - points[nearest, 1])
    coverage = np.clip((radius[nearest] - distance) / edge + 0.5, 0, 1)
    ink = coverage * darkness[nearest]
    return _grained(ink, pen, digit_height, rng), tuple(corner)


def _smoothed(path):
    """Points (K, 2) -> points (about 8 per px) along a cubic spline through them; repeats dropped.

    Centripetal parameters (square root of the distance between points) keep the curve from
    overshooting where the writer turned sharply.
    """
    steps = np.hypot(*np.diff(path, axis=0).T)
    path = path[np.concatenate([[True], steps > 1e-6])]
    if len(path) < 3:
        return path
    knots = np.concatenate([[0.0], np.cumsum(np.sqrt(np.hypot(*np.diff(path, axis=0).T)))])
    spline = make_interp_spline(knots, path, k=min(3, len(path) - 1))
    return spline(np.linspace(0, knots[-1], math.ceil(steps.sum() * 4) + 2))


def _resampled(path, step):
    """Points (K, 2) -> points along the same polyline, `step` px apart (a dot stays a dot)."""
    lengths = np.hypot(*np.diff(path, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(lengths)])
    if arc[-1] == 0:
        return path[:1]
    along = np.linspace(0, arc[-1], max(2, math.ceil(arc[-1] / step) + 1))
    return np.stack([np.interp(along, arc, path[:, 0]), np.interp(along, arc, path[:, 1])], axis=1)


def _pressure_along(samples, digit_height, rng, waves=3):
    """Samples of one stroke -> (K,) unscaled pressure: a few slow waves along it, lighter at the
    ends where the pen lands and lifts."""
    along = np.arange(len(samples)) * 0.5 / digit_height  # in digit heights
    pressure = np.zeros(len(samples))
    for _ in range(waves):
        wavelength = rng.uniform(0.3, 1.5)
        pressure += rng.uniform(0.3, 1) * np.sin(2 * np.pi * along / wavelength + rng.uniform(0, 2 * np.pi))
    ends = np.minimum(along, along[-1] - along) / 0.05
    return pressure - 0.8 * (1 - np.clip(ends, 0, 1))


def _image_ink(density, ink_corner, scale, box, pen, rng):
    """MNIST density (28, 28) in [0, 1], the (column, row) its ink starts at, px in the image per
    MNIST pixel, the digit's box -> (float32 (h, w) darkness, (left, top) of that patch in the image).

    The 28x28 image is enlarged smoothly (bicubic, softened at 4x so its pixels do not show as
    bumps), and its edges steepened, as a pen's ink is dark to its edge; the pressure drifts
    slowly across the digit. A border of paper goes around it first: some MNIST digits reach the
    edge of their frame, and enlarging would smear that edge outwards.
    """
    density = np.pad(density, FRAME_BORDER)
    framed = density.shape[0]
    enlarged = Image.fromarray(density).resize((4 * framed, 4 * framed), Image.Resampling.BICUBIC)
    enlarged = Image.fromarray(ndimage.gaussian_filter(np.asarray(enlarged), 1.5))
    side = max(1, round(framed * scale))
    enlarged = np.asarray(enlarged.resize((side, side), Image.Resampling.BICUBIC))
    coverage = np.clip((enlarged - 0.25) / 0.3, 0, 1)
    coverage = coverage * coverage * (3 - 2 * coverage)
    pressure = _smooth_noise(coverage.shape, 0.3 * box[3], rng)
    pressure = np.interp(pressure, (pressure.min(), pressure.max() + 1e-9), (rng.uniform(*pen.weakest), 1.0))
    ink = coverage * pressure * rng.uniform(*pen.darkness)
    # The edge of the ink's first pixel lands on the box's corner.
    corner = np.rint(box[:2] - (np.array(ink_corner) + FRAME_BORDER) * scale).astype(int)
    return _grained(ink.astype(np.float32), pen, box[3], rng), tuple(corner)


def _grained(ink, pen, digit_height, rng):
    """Darkness with the paper's tooth showing through it, for a pen with grain."""
    if pen.grain == 0:
        return ink
    tooth = _smooth_noise(ink.shape, max(1.0, digit_height / 200), rng)
    return np.clip(ink * (1 + pen.grain * tooth), 0, 1)


def _smooth_noise(shape, sigma, rng):
    """float32 (H, W) noise of unit deviation, correlated over about `sigma` px; writable.

    Made `sigma` times smaller and enlarged, so wide noise over a 12 MP page stays cheap.
    """
    factor = max(1.0, sigma)
    small = shape if factor == 1 else (math.ceil(shape[0] / factor) + 1, math.ceil(shape[1] / factor) + 1)
    noise = ndimage.gaussian_filter(rng.standard_normal(small, dtype=np.float32), sigma / factor)
    noise /= noise.std() + 1e-9
    if small == shape:
        return noise
    return np.array(Image.fromarray(noise).resize(shape[::-1], Image.Resampling.BILINEAR))


def _photograph(ink, corner, size, box, scene, rng):
    """The digit's ink patch -> uint8 (H, W, 3): on paper, with printed lines, lit, noisy, maybe JPEG.

    Built one colour channel at a time in one float buffer: a 12 MP page in float32 RGB would
    take 144 MB, and allocating it costs more than the arithmetic.
    """
    colour = rng.uniform(*scene.paper_levels) + rng.uniform(-1, 1) * np.array([4.0, 1.0, -4.0])  # warm or cool
    colour += rng.normal(0, 1.5, 3)
    light = _lit_paper(size, box, scene, rng)
    printed = _printed(scene.printed, size, box, rng.uniform(*scene.edge), rng)
    # Brightness noise only: a phone's processing smooths away most of the colour noise. Uniform
    # rather than normal: several times faster to draw, and alike to the eye at a few levels. The
    # half rounds to the nearest level when a channel is stored as uint8.
    noise = rng.random(size, dtype=np.float32)
    noise -= 0.5
    noise *= rng.uniform(*scene.noise) * math.sqrt(12)
    noise += 0.5
    rgb = np.empty((*size, 3), np.uint8)
    channel = np.empty(size, np.float32)
    for index in range(3):
        np.multiply(light, colour[index], out=channel)
        for coverage, absorption in printed:
            channel *= 1 - coverage * np.float32(absorption[index])
        _lay_ink(channel, ink, corner, scene.pen.absorption[index])
        channel += noise
        rgb[..., index] = np.clip(channel, 0, 255, out=channel)
    if scene.jpeg_quality:
        rgb = np.asarray(Image.open(io.BytesIO(jpeg_bytes(rgb, scene.jpeg_quality))).convert("RGB"))
    return rgb


def _lay_ink(channel, ink, corner, absorption):
    """Multiply one channel (H, W) by (1 - ink * absorption) where the patch lands, clipped to the page."""
    left, top = corner
    bottom, right = top + ink.shape[0], left + ink.shape[1]
    inside = channel[max(top, 0) : bottom, max(left, 0) : right]
    patch = ink[max(-top, 0) : max(-top, 0) + inside.shape[0], max(-left, 0) : max(-left, 0) + inside.shape[1]]
    inside *= 1 - patch * np.float32(absorption)


def _lit_paper(size, box, scene, rng):
    """float32 (H, W) around 1: the light on the page times the paper's texture.

    Built at the scale of the paper's fibres (a 150th of the digit's height, so fibres look the
    same on every photo of a digit, but at least a pixel) and enlarged once: on a 12 MP photo
    that is a tenth of the pixels.
    """
    fibre = max(1.0, box[3] / 150)
    shape = (max(2, math.ceil(size[0] / fibre)), max(2, math.ceil(size[1] / fibre)))
    paper = _lighting(size, shape, box, scene, rng)
    paper *= 1 + rng.uniform(0.006, 0.015) * _smooth_noise(shape, 1.0, rng)
    if shape == size:
        return paper
    return np.array(Image.fromarray(paper).resize(size[::-1], Image.Resampling.BILINEAR))


def _lighting(size, shape, box, scene, rng):
    """float32 `shape` light over a page of `size` px, 1 = full: a gradient, a vignette, maybe a
    shadow, and the paper's cloudy pulp, all smooth, so built small and enlarged."""
    height, width = size
    scale = LIGHTING_SIDE / max(size)
    y, x = np.indices((max(2, round(height * scale)), max(2, round(width * scale))), dtype=np.float32) / scale
    angle = rng.uniform(0, 2 * np.pi)
    across = (x - width / 2) * np.cos(angle) + (y - height / 2) * np.sin(angle)
    across = (across - across.min()) / (np.ptp(across) + 1e-9)
    darkest = rng.uniform(*scene.gradient)
    light = darkest + (1 - darkest) * across
    corner_distance = np.hypot(x - width / 2, y - height / 2) / np.hypot(width / 2, height / 2)
    light *= 1 - rng.uniform(*scene.vignette) * corner_distance**2
    if scene.shadow[1] > 0:
        light *= 1 - rng.uniform(*scene.shadow) * _shadow(x, y, box, rng)
    light *= 1 + rng.uniform(0.005, 0.015) * _smooth_noise(light.shape, 0.04 * min(size) * scale, rng)
    return np.array(Image.fromarray(light.astype(np.float32)).resize(shape[::-1], Image.Resampling.BILINEAR))


def _shadow(x, y, box, rng):
    """0-1 (h, w) where a hand's or a phone's shadow falls: one side of a wavy, soft edge that
    passes near the digit, so it often crosses it."""
    angle = rng.uniform(0, 2 * np.pi)
    normal = np.array([np.cos(angle), np.sin(angle)])
    through = box[:2] + box[2:] / 2 + normal * rng.uniform(-0.6, 0.6) * box[3]
    side = (x - through[0]) * normal[0] + (y - through[1]) * normal[1]
    along = -(x - through[0]) * normal[1] + (y - through[1]) * normal[0]
    reach = np.hypot(x.max(), y.max())  # the page's diagonal
    side += rng.uniform(0, 0.05) * reach * np.sin(along / reach * rng.uniform(3, 8) + rng.uniform(0, 2 * np.pi))
    softness = rng.uniform(0.01, 0.05) * reach
    return 1 / (1 + np.exp(-side / softness))


def _printed(kind, size, box, edge, rng):
    """[(coverage float32 (H, W), absorption (3,))]: the lines printed on the paper, faintest first."""
    if kind == "plain":
        return []
    digit_height = box[3]
    tilt = np.deg2rad(rng.uniform(0, 1.5) * rng.choice([-1, 1]))
    blue = np.array([0.35, 0.17, 0.04]) * rng.uniform(0.6, 1.2)
    grey = np.full(3, rng.uniform(0.15, 0.3))
    if kind == "ruled":
        spacing = rng.uniform(0.6, 1.0) * digit_height
        # The digit sits on a rule, so the next one up crosses it.
        baseline = box[1] + digit_height + rng.uniform(-0.05, 0.1) * digit_height
        rules = _lines(size, spacing, baseline, tilt, max(1.0, rng.uniform(0.008, 0.02) * spacing), edge)
        printed = [(rules, blue if rng.random() < 0.7 else grey)]
        if rng.random() < 0.5:  # A red margin line, left of the digit.
            margin = rng.uniform(0.05, max(0.06, box[0] / size[1] - 0.05)) * size[1]
            red = np.array([0.04, 0.45, 0.4]) * rng.uniform(0.6, 1.1)
            printed.append((_lines(size, 4 * max(size), margin, tilt, max(1.0, 0.004 * size[0]), edge, True), red))
        return printed
    if kind == "squared with a box":
        spacing = rng.uniform(0.3, 0.5) * digit_height
        line_width = max(1.0, rng.uniform(0.01, 0.025) * spacing)
        through = rng.uniform(0, spacing, 2)
        grid = np.maximum(_lines(size, spacing, through[1], tilt, line_width, edge),
                          _lines(size, spacing, through[0], tilt, line_width, edge, True))
        colour = blue * 0.6 if rng.random() < 0.5 else grey * 0.7
        # The form's box: a darker printed line a little outside the digit, or just touching it.
        margins = rng.uniform(0.0, 0.25, 4) * digit_height
        outline = (box[0] - margins[0], box[1] - margins[1], box[2] + margins[0] + margins[2],
                   box[3] + margins[1] + margins[3])
        frame = _rectangle(size, outline, tilt, max(1.0, rng.uniform(0.01, 0.03) * digit_height), edge)
        return [(grid, colour), (frame, np.full(3, rng.uniform(0.6, 0.85)))]
    raise ValueError(f"Unknown printing {kind!r}: choose plain, ruled or squared with a box.")


def _lines(size, spacing, through, tilt, line_width, edge, vertical=False):
    """float32 (H, W) coverage of parallel lines `spacing` px apart, tilted by `tilt` radians, one
    passing through y = `through` (x for vertical lines) in the middle of the image."""
    height, width = size
    y = np.arange(height, dtype=np.float32)[:, np.newaxis] - height / 2
    x = np.arange(width, dtype=np.float32)[np.newaxis, :] - width / 2
    if vertical:
        across = x * np.cos(tilt) + y * np.sin(tilt) - (through - width / 2)
    else:
        across = y * np.cos(tilt) - x * np.sin(tilt) - (through - height / 2)
    offset = np.abs((across + spacing / 2) % spacing - spacing / 2)
    return np.clip((line_width / 2 - offset) / edge + 0.5, 0, 1)


def _rectangle(size, outline, tilt, line_width, edge):
    """float32 (H, W) coverage of a rectangle's outline (left, top, width, height), tilted around its centre."""
    height, width = size
    centre_x, centre_y = outline[0] + outline[2] / 2, outline[1] + outline[3] / 2
    y = np.arange(height, dtype=np.float32)[:, np.newaxis] - centre_y
    x = np.arange(width, dtype=np.float32)[np.newaxis, :] - centre_x
    along = x * np.cos(tilt) + y * np.sin(tilt)
    across = y * np.cos(tilt) - x * np.sin(tilt)
    outside = np.maximum(np.abs(along) - outline[2] / 2, np.abs(across) - outline[3] / 2)
    return np.clip((line_width / 2 - np.abs(outside)) / edge + 0.5, 0, 1)
