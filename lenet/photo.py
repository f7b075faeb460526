"""Open a photo or scan file as the reader's picture: upright, bounded in cost, no larger than needed.

A phone's photo is 12 to 24 megapixels; the reader works on at most MAX_WORKING_SIDE pixels a side.
A JPEG is decoded straight at 1/2, 1/4 or 1/8 of its size (its DCT allows it), which costs a
fraction of a full decode. The EXIF orientation a phone writes is honoured. A file declaring more
than MAX_PHOTO_PIXELS is refused from its header, before any pixel is decoded (a decompression
bomb: a few kilobytes that would decode to gigabytes).
"""

import io
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from lenet.preprocess import MAX_WORKING_SIDE, InvalidImageError

# Twice a 24 MP phone photo: a 48 MP one still reads; beyond that, the decoding alone would cost
# seconds and hundreds of megabytes.
MAX_PHOTO_PIXELS = 50_000_000
READABLE_FORMATS = "JPEG, PNG or WebP"


def open_photo(source):
    """Path or bytes of an image file -> uint8 (H, W, 3) RGB, upright, its long side averaged down
    to MAX_WORKING_SIDE if longer (a JPEG is decoded reduced first).

    Raises InvalidImageError, saying what to send, for a file that is not an image, is damaged,
    or declares more than MAX_PHOTO_PIXELS.
    """
    with opened_image(source) as image:
        # draft picks the smallest DCT scale that keeps the size asked for.
        image.draft("RGB", _reduced_size(image.size))
        upright = ImageOps.exif_transpose(image).convert("RGB")
        # The reader works on at most MAX_WORKING_SIDE: averaged down to it here, in C.
        size = _reduced_size(upright.size)
        if size != upright.size:
            upright = upright.resize(size, Image.Resampling.BOX)
        return np.asarray(upright)


@contextmanager
def opened_image(source):
    """Path or bytes of an image file -> the PIL image, its header read and its size checked, no
    pixel decoded yet. Whatever fails inside, while opening or decoding, becomes an
    InvalidImageError that says what to send."""
    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else Path(source)
    try:
        with warnings.catch_warnings():
            # PIL warns of large images; the bound here is stricter and says what to do.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                _check_photo_size(image.size)
                yield image
    except InvalidImageError:
        raise
    except Image.DecompressionBombError as error:
        # PIL's own bound, far above ours, stops it before its size can be read.
        raise InvalidImageError(too_large("the image declares hundreds of megapixels")) from error
    except (OSError, SyntaxError, ValueError) as error:
        # The error's own text can name the server's temporary file: only its kind is shown.
        raise InvalidImageError(
            f"the file is not an image that can be read, or it is damaged ({type(error).__name__}); "
            f"send a {READABLE_FORMATS} image"
        ) from error


def _check_photo_size(size):
    """(width, height) from an image header -> None; InvalidImageError if over MAX_PHOTO_PIXELS."""
    width, height = size
    if width * height > MAX_PHOTO_PIXELS:
        raise InvalidImageError(
            too_large(f"the image is {width}×{height} pixels ({width * height / 1e6:.0f} megapixels)")
        )


def too_large(what):
    """What was too large ("the image is 8000×8000 pixels") -> the message naming the limit."""
    return (f"{what}; the limit is {MAX_PHOTO_PIXELS / 1e6:.0f} megapixels. Send a smaller photo (a "
            "phone's default of 12 or 24 megapixels reads), or crop it to the digits")


def _reduced_size(size):
    """(width, height) -> the smallest size worth decoding: the long side at MAX_WORKING_SIDE."""
    width, height = size
    scale = min(1.0, MAX_WORKING_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))
