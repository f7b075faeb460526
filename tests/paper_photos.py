"""Photos of digits on paper that the tests make themselves: plain on purpose, each trouble alone."""

import struct
import zlib

import numpy as np
from PIL import Image, ImageDraw

from benchmarks.drawing import STROKES

WHITE_PAPER = (235, 232, 225)
BLACK_INK = (40, 40, 45)
BLUE_INK = (60, 80, 190)
RULE_BLUE = (150, 180, 225)


def paper_photo(digit="7", size=(600, 450), ink=BLACK_INK, stroke=0.03, gradient=0.0, faint=None,
                rules=None, seed=0):
    """-> uint8 (H, W, 3): STROKES[digit] written on paper, about half the picture tall.

    `gradient`: the light falls off by this share from left to right. `faint`: (darkest, weakest)
    share of the paper's light the ink takes, varying along the stroke, instead of `ink`.
    `rules`: spacing of ruled lines in digit heights. `stroke` is the pen's width in digit heights.
    """
    width, height = size
    rng = np.random.default_rng(seed)
    paper = np.empty((height, width, 3), np.float32)
    paper[:] = np.array(WHITE_PAPER, np.float32) / 255
    digit_height, top = 0.5 * height, 0.25 * height
    if rules:
        picture = Image.fromarray(np.rint(paper * 255).astype(np.uint8))
        pen = ImageDraw.Draw(picture)
        for y in np.arange(top - digit_height, height, rules * digit_height):
            pen.line([(0, y), (width, y + 0.01 * width)], fill=RULE_BLUE, width=max(1, round(0.004 * height)))
        paper = np.asarray(picture, np.float32) / 255
    absorbed = _written(digit, size, max(2, round(stroke * digit_height)), joint="curve") / np.float32(255)
    if faint:
        darkest, weakest = faint
        # Pressure fades from the strongest, top left, to the weakest, bottom right.
        fade = np.linspace(darkest, weakest, width, dtype=np.float32)[np.newaxis, :]
        darkness = absorbed * fade
        photo = paper * (1 - darkness[:, :, np.newaxis])
    else:
        ink_colour = np.array(ink, np.float32) / 255
        photo = paper * (1 - absorbed[:, :, np.newaxis]) + ink_colour * absorbed[:, :, np.newaxis]
    light = 1 - gradient * np.linspace(0, 1, width, dtype=np.float32)[np.newaxis, :, np.newaxis]
    photo = photo * light + rng.normal(0, 0.01, photo.shape).astype(np.float32)
    return np.rint(np.clip(photo, 0, 1) * 255).astype(np.uint8)


def stroke_mask(digit="7", size=(600, 450), stroke=0.03):
    """bool (H, W): where paper_photo's pen went, shrunk to its centre line's neighbourhood."""
    return _written(digit, size, max(1, round(stroke * 0.5 * size[1] / 3))) > 0


def _written(digit, size, pen_width, joint=None):
    """uint8 (H, W): STROKES[digit] drawn with a pen `pen_width` px wide where paper_photo writes
    it, half the picture tall, its top left at (40 %, 25 %) of the picture."""
    width, height = size
    digit_height = 0.5 * height
    left, top = 0.4 * width, 0.25 * height
    mask = Image.new("L", size, 0)
    pen = ImageDraw.Draw(mask)
    for path in STROKES[digit]:
        points = [(left + x * 0.6 * digit_height, top + y * digit_height) for x, y in path]
        pen.line(points, fill=255, width=pen_width, joint=joint)
    return np.asarray(mask)


def jpeg_file(picture, path, orientation=None, quality=90):
    """Save uint8 (H, W, 3) as a JPEG at `path`. With an EXIF `orientation` (6: the camera was
    turned a quarter clockwise), the pixels are stored turned, as such a camera stores them."""
    image = Image.fromarray(picture)
    if orientation is None:
        image.save(path, quality=quality)
        return path
    stored = {6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270, 3: Image.Transpose.ROTATE_180}
    exif = Image.Exif()
    exif[0x0112] = orientation
    image.transpose(stored[orientation]).save(path, quality=quality, exif=exif)
    return path


def png_bomb(width=100_000, height=100_000):
    """-> bytes of a PNG that declares width x height grey pixels, all zero: a few hundred bytes
    that would decode to width * height bytes."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * (width + 1) * 16)  # Only the first rows: enough to be believed.
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
