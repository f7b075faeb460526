"""Property tests of to_mnist: whatever arrives, a 28x28 image, None, or a clear InvalidImageError.

Hypothesis generates canvases from 1x1 to 4096x4096 (the largest the app accepts), including
slivers like 4096x3, in every dtype and channel layout to_mnist reads, as arrays, PIL images and
sketchpad dicts, with no ink, a speck, lines, noise or ink everywhere. Cases it found are kept as
explicit examples. The "ci" profile (tests/conftest.py, the default) keeps this file under a
minute; `pytest tests/test_preprocess_properties.py --hypothesis-profile=long` searches longer.
"""

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image, ImageDraw

from lenet import preprocess
from lenet.config import IMAGE_SIZE
from lenet.preprocess import MAX_WORKING_SIDE, InvalidImageError, to_mnist

INK_KINDS = ("none", "speck", "lines", "noise", "full")
# dtype -> how 8-bit ink (0-255) is written in it: the encodings to_mnist reads.
ENCODINGS = {
    np.bool_: lambda ink: ink > 127,
    np.uint8: lambda ink: ink,
    np.int8: lambda ink: ink // 2,  # int8 cannot hold 255: read as faint ink, still valid.
    np.int16: lambda ink: ink.astype(np.int16),
    np.uint16: lambda ink: ink.astype(np.uint16) * 257,  # 16-bit images span 0-65535.
    np.int32: lambda ink: ink.astype(np.int32) * 257,
    np.int64: lambda ink: ink.astype(np.int64),
    np.uint32: lambda ink: ink.astype(np.uint32),
    np.uint64: lambda ink: ink.astype(np.uint64) * 257,
    np.float16: lambda ink: ink.astype(np.float16) / 255,
    np.float32: lambda ink: ink.astype(np.float32) / 255,
    np.float64: lambda ink: ink.astype(np.float64),  # Floats in [0, 255] are read too.
}
PIL_MODES = ("1", "L", "LA", "La", "P", "PA", "RGB", "RGBA", "RGBa", "CMYK", "YCbCr", "LAB", "HSV", "I", "I;16", "F")


def assert_image_none_or_clear_error(drawing):
    """The contract: None, a float32 (28, 28) in [0, 1] without NaN, or InvalidImageError."""
    try:
        image = to_mnist(drawing)
    except InvalidImageError as error:
        assert len(str(error)) > 20, "the message must say what was wrong"
        return None
    if image is not None:
        assert image.shape == (IMAGE_SIZE, IMAGE_SIZE) and image.dtype == np.float32
        assert np.isfinite(image).all() and image.min() >= 0.0 and image.max() <= 1.0
        assert image.max() > 0.5  # Something was found, so something is shown.
    return image


# --- Strategies ----------------------------------------------------------------------------------


def sides(low, high):
    return st.integers(low, high)


# Four times the app's canvas: beyond it, uploads are bounded by pixels (lenet.photo), and the
# cost of finding the ink is bounded by MAX_WORKING_SIDE.
MAX_UPLOAD_SIDE = 4096

# Mostly small canvases (cheap), often slivers, sometimes anything up to the largest tried.
canvas_shapes = st.one_of(
    st.tuples(sides(1, 64), sides(1, 64)),
    st.tuples(sides(1, 8), sides(MAX_WORKING_SIDE, MAX_UPLOAD_SIDE)),
    st.tuples(sides(MAX_WORKING_SIDE, MAX_UPLOAD_SIDE), sides(1, 8)),
    st.tuples(sides(1, MAX_UPLOAD_SIDE), sides(1, MAX_UPLOAD_SIDE)),
)


@st.composite
def inks(draw, shape=None):
    """uint8 (H, W) ink, 255 = full: none, a speck, lines, noise or everything."""
    height, width = shape or draw(canvas_shapes)
    kind = draw(st.sampled_from(INK_KINDS))
    ink = np.zeros((height, width), np.uint8)
    if kind == "speck":
        size = draw(st.integers(1, 4))
        row, column = draw(st.integers(0, height - 1)), draw(st.integers(0, width - 1))
        ink[row : row + size, column : column + size] = draw(st.integers(1, 255))
    elif kind == "lines":
        layer = Image.new("L", (width, height), 0)
        pen = ImageDraw.Draw(layer)
        points = st.tuples(st.floats(0, 1), st.floats(0, 1))
        for stroke in draw(st.lists(st.lists(points, min_size=1, max_size=5), min_size=1, max_size=3)):
            path = [(x * (width - 1), y * (height - 1)) for x, y in stroke]
            pen.line(path + path[-1:], fill=draw(st.integers(1, 255)), width=draw(st.integers(1, 60)))
        ink = np.asarray(layer)
    elif kind == "noise":
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        density = draw(st.sampled_from([0.001, 0.1, 0.5, 1.0]))
        ink = (rng.integers(0, 256, (height, width), np.uint8) * (rng.random((height, width)) < density))
        ink = ink.astype(np.uint8)
    elif kind == "full":
        ink[:] = draw(st.integers(1, 255))
    return ink


@st.composite
def arrays(draw, shape=None):
    """A numpy picture of some ink, in any dtype and channel layout to_mnist reads."""
    ink = draw(inks(shape))
    if draw(st.booleans()):
        ink = 255 - ink  # Dark ink on a light background.
    channels = draw(st.sampled_from([None, 1, 2, 3, 4]))
    encode = ENCODINGS[draw(st.sampled_from(list(ENCODINGS)))]
    if channels is None:
        return encode(ink)
    if channels in (1, 3):
        return encode(np.repeat(ink[:, :, np.newaxis], channels, axis=2))
    # With alpha: the ink is in the alpha (colour under it arbitrary), or the picture is opaque or
    # uniformly faded and the colour carries the ink.
    colour_channels = channels - 1
    if draw(st.booleans()):
        colour = np.full((*ink.shape, colour_channels), draw(st.integers(0, 255)), np.uint8)
        return encode(np.dstack([colour, ink]))
    colour = np.repeat(ink[:, :, np.newaxis], colour_channels, axis=2)
    return encode(np.dstack([colour, np.full(ink.shape, draw(st.integers(1, 255)), np.uint8)]))


@st.composite
def pil_images(draw, shape=None):
    """A PIL picture of some ink in any mode, converted the way an upload might arrive."""
    ink = draw(inks(shape))
    if draw(st.booleans()):
        ink = 255 - ink
    base = Image.fromarray(np.dstack([ink] * 3)) if draw(st.booleans()) else Image.fromarray(ink)
    mode = draw(st.sampled_from(PIL_MODES))
    if draw(st.booleans()):  # Ink in the alpha channel, as a sketchpad layer carries it.
        base = Image.fromarray(np.dstack([np.zeros((*ink.shape, 3), np.uint8), ink]))
    # Premultiplied modes are made only from their plain versions.
    return base.convert({"La": "LA", "RGBa": "RGBA"}.get(mode, base.mode)).convert(mode)


images = st.one_of(arrays(), pil_images())


@st.composite
def sketchpad_values(draw):
    """A Gradio sketchpad dict with keys missing, None, empty or mismatched layers."""
    shape = draw(canvas_shapes)
    same_size = st.one_of(arrays(shape), pil_images(shape))
    value = {}
    for key in ("background", "composite"):
        choice = draw(st.sampled_from(["missing", "None", "same size", "any size"]))
        if choice != "missing":
            value[key] = {"None": None, "same size": same_size, "any size": images}[choice]
            value[key] = draw(value[key]) if value[key] is not None else None
    layers = draw(st.sampled_from(["missing", "None", "empty", "same size", "mixed sizes", "with None"]))
    if layers == "None":
        value["layers"] = None
    elif layers == "empty":
        value["layers"] = []
    elif layers != "missing":
        layer = {"same size": same_size, "mixed sizes": images, "with None": st.none() | same_size}[layers]
        value["layers"] = draw(st.lists(layer, min_size=1, max_size=3))
    return value


def transparent_layer(shape):
    return np.zeros((*shape, 4), np.uint8)


def sliver_with_a_line():
    layer = transparent_layer((3, 4000))
    layer[1, 100:3900, 3] = 255
    return layer


# --- Properties ----------------------------------------------------------------------------------


# The two slivers a user found (issue 14): integer shrinking made a side zero pixels.
@example(transparent_layer((4096, 3))).via("4096x3 blank canvas")
@example({"layers": [sliver_with_a_line()]}).via("3x4000 sketchpad with a line")
@example(np.full((4096, 3), 255, np.uint8)).via("4096x3 white")
@example(sliver_with_a_line()[:, :, 3].T.copy()).via("4000x3 line, light on dark")
@example(Image.new("LA", (9, 9)).convert("La")).via("premultiplied grey + alpha, converted to nothing else")
@given(st.one_of(images, sketchpad_values()))
def test_any_drawing_gives_an_image_none_or_a_clear_error(drawing):
    assert_image_none_or_clear_error(drawing)


def test_a_damaged_file_opened_with_pil_gets_a_clear_error(tmp_path):
    # PIL opens lazily: a truncated PNG only fails when its pixels are read, inside to_mnist.
    noise = np.random.default_rng(0).integers(0, 256, (200, 200), np.uint8)
    Image.fromarray(noise).save(tmp_path / "whole.png")
    data = (tmp_path / "whole.png").read_bytes()
    (tmp_path / "half.png").write_bytes(data[: len(data) // 2])
    with Image.open(tmp_path / "half.png") as truncated, pytest.raises(InvalidImageError, match="cannot be read"):
        to_mnist(truncated)


@given(
    hnp.arrays(
        dtype=st.sampled_from([np.uint8, np.uint16, np.int32, np.float32, np.float64, np.bool_]),
        shape=st.tuples(sides(1, 40), sides(1, 40))
        | st.tuples(sides(1, 40), sides(1, 40), st.sampled_from([1, 2, 3, 4])),
    )
)
def test_any_values_give_an_image_none_or_a_clear_error(array):
    # Arbitrary values, NaN, negative and out-of-range included, not only well-formed pictures.
    assert_image_none_or_clear_error(array)


@given(st.tuples(sides(1, 100_000), sides(1, 100_000)))
def test_shrinking_keeps_every_side_between_one_pixel_and_max_side(shape):
    # What bounds the cost of a huge canvas, and what must never make a sliver vanish.
    height, width = preprocess._shrunk_shape(shape)
    assert 1 <= height <= MAX_WORKING_SIDE and 1 <= width <= MAX_WORKING_SIDE
    assert height == math.ceil(shape[0] / preprocess._shrink_factor(shape))


@given(
    hnp.arrays(np.uint8, st.tuples(sides(1, 60), sides(1, 60)) | st.tuples(sides(1, 60), sides(1, 60), st.just(3))),
    st.integers(1, 20),
)
def test_shrinking_combines_every_pixel_of_each_block(array, max_side):
    """Against a direct computation: each output pixel is its block's mean / maximum."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(preprocess, "MAX_WORKING_SIDE", max_side)
        factor = preprocess._shrink_factor(array.shape)
        means, maxima = preprocess._shrink(array, np.add), preprocess._shrink(array, np.maximum)
    rows, columns = range(0, array.shape[0], factor), range(0, array.shape[1], factor)
    blocks = [[array[r : r + factor, c : c + factor] for c in columns] for r in rows]
    np.testing.assert_allclose(means, [[b.mean(axis=(0, 1)) for b in row] for row in blocks], rtol=1e-5)
    np.testing.assert_array_equal(maxima, [[b.max(axis=(0, 1)) for b in row] for row in blocks])
