"""The corrections folder reader (`--extra-data`): every file is read as a digit or named in a clear error.

Property tests: hypothesis writes files a folder of drawings may hold (damaged, truncated, random
bytes, other formats, sizes and modes, blank or inverted pictures) and checks the reader returns
28x28 uint8 digits or raises ExtraDataError naming the file, never another exception.
"""

import io
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image

from lenet.train.extra_data import (
    ExtraDataError,
    load_labelled_folders,
    read_digit_image,
)

FORMATS = {"PNG": ".png", "BMP": ".bmp", "GIF": ".gif", "WEBP": ".webp", "JPEG": ".jpg"}
MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16", "F")


def a_digit(size=28, inverted=False):
    pixels = np.zeros((size, size), np.uint8)
    pixels[size // 6 : size - size // 6, size // 2 - 2 : size // 2 + 2] = 255
    return 255 - pixels if inverted else pixels


def encoded(pixels, mode, file_format):
    image = Image.fromarray(pixels).convert(mode) if mode != "LA" else Image.fromarray(
        np.dstack([pixels, np.full_like(pixels, 255)]))
    buffer = io.BytesIO()
    image.save(buffer, format=file_format)
    return buffer.getvalue()


@st.composite
def picture_files(draw):
    """(file bytes, suffix, what it shows if undamaged or None): a picture, maybe damaged."""
    size = draw(st.sampled_from([28, 28, 28, 1, 27, 29, 100]))
    content = draw(st.sampled_from(["digit", "inverted", "blank", "noise"]))
    if content == "noise":
        pixels = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).integers(0, 256, (size, size), np.uint8)
    else:
        pixels = a_digit(size, inverted=content == "inverted") * (content != "blank")
    file_format = draw(st.sampled_from(list(FORMATS)))
    mode = draw(st.sampled_from(MODES))
    try:
        data = encoded(pixels, mode, file_format)
    except (OSError, ValueError, KeyError):
        data = encoded(pixels, "L", file_format)  # This format cannot hold this mode.
    damage = draw(st.sampled_from(["none", "truncated", "flipped byte", "random bytes"]))
    if damage == "truncated":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif damage == "flipped byte":
        position = draw(st.integers(0, len(data) - 1))
        data = data[:position] + bytes([data[position] ^ draw(st.integers(1, 255))]) + data[position + 1 :]
    elif damage == "random bytes":
        data = draw(st.binary(max_size=200))
    return data, FORMATS[file_format], content if damage == "none" else None


def png_declaring(width, height):
    """A PNG header claiming width x height, with no pixel data: a decompression bomb's front."""
    header = b"IHDR" + width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + (13).to_bytes(4, "big") + header + zlib.crc32(header).to_bytes(4, "big")


@example((png_declaring(100_000, 100_000), ".png", None)).via("a decompression bomb's header")
@example((encoded(a_digit(), "I;16", "PNG"), ".png", "digit")).via("16-bit grey")
@example((encoded(a_digit(), "RGBA", "PNG"), ".png", "digit")).via("RGBA")
@given(picture_files())
def test_any_file_is_read_as_a_digit_or_named_in_a_clear_error(file):
    data, suffix, content = file
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "3" / f"drawing{suffix}"
        path.parent.mkdir()
        path.write_bytes(data)
        try:
            images, labels = load_labelled_folders([folder])
        except ExtraDataError as error:
            assert "drawing" in str(error) and len(str(error)) > 40
            return
    assert images.shape == (1, 28, 28) and images.dtype == np.uint8 and labels.tolist() == [3]
    assert content not in ("blank", "inverted"), f"a {content} picture must not become a training digit"


@pytest.mark.parametrize("pixels, mode, message", [
    (a_digit(), "I;16", "16-bit"),
    (np.zeros((28, 28), np.uint8), "L", "blank"),
    (a_digit(inverted=True), "L", "dark ink on a light background"),
])
def test_pictures_that_would_train_a_wrong_digit_are_refused(tmp_path, pixels, mode, message):
    path = tmp_path / "drawing.png"
    path.write_bytes(encoded(pixels, mode, "PNG"))
    with pytest.raises(ExtraDataError, match=message):
        read_digit_image(path)


def test_ink_in_transparency_is_refused(tmp_path):
    path = tmp_path / "drawing.png"
    Image.fromarray(np.dstack([np.zeros((28, 28, 3), np.uint8), a_digit()])).save(path)
    with pytest.raises(ExtraDataError, match="transparen"):
        read_digit_image(path)


def test_an_opaque_rgb_digit_is_read_like_grey(tmp_path):
    path = tmp_path / "drawing.png"
    Image.fromarray(a_digit()).convert("RGBA").save(path)
    np.testing.assert_array_equal(read_digit_image(path), a_digit())
