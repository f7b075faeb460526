"""Opening photo files (lenet/photo.py): upright, reduced as they decode, bounded by pixels."""

import numpy as np
import pytest
from PIL import Image

from lenet.photo import MAX_PHOTO_PIXELS, open_photo
from lenet.preprocess import MAX_WORKING_SIDE, InvalidImageError
from tests.paper_photos import jpeg_file, paper_photo, png_bomb

PHONE_24MP = (5712, 4284)


def test_a_24_megapixel_photo_opens_reduced_to_the_readers_working_size(tmp_path):
    path = jpeg_file(paper_photo("7", (1428, 1071)), tmp_path / "photo.jpg")
    Image.open(path).resize(PHONE_24MP).save(path, quality=90)
    opened = open_photo(path)
    assert opened.dtype == np.uint8 and opened.shape[2] == 3
    # The reader's working size, not 24 million pixels.
    assert opened.shape[:2] == (round(MAX_WORKING_SIDE * PHONE_24MP[1] / PHONE_24MP[0]), MAX_WORKING_SIDE)


def test_a_small_picture_opens_at_its_own_size(tmp_path):
    picture = paper_photo("7", (300, 200))
    path = tmp_path / "small.png"
    Image.fromarray(picture).save(path)
    assert (open_photo(path) == picture).all()
    assert (open_photo(path.read_bytes()) == picture).all()


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_the_exif_orientation_turns_the_photo_upright(tmp_path, orientation):
    picture = paper_photo("7", (400, 300))
    opened = open_photo(jpeg_file(picture, tmp_path / "turned.jpg", orientation=orientation))
    assert opened.shape == picture.shape
    # JPEG changes pixels a little; upright, the photo matches the original closely.
    assert np.abs(opened.astype(int) - picture).mean() < 3


@pytest.mark.parametrize("content, message", [
    (b"this is text, not a photo", "not an image that can be read"),
    (b"", "not an image that can be read"),
    (png_bomb(), "hundreds of megapixels; the limit is"),
], ids=["text", "empty", "10 gigapixel PNG bomb"])
def test_files_that_are_not_readable_photos_get_a_clear_message(content, message):
    with pytest.raises(InvalidImageError, match=message):
        open_photo(content)


def test_a_truncated_jpeg_gets_a_clear_message(tmp_path):
    path = jpeg_file(paper_photo("7"), tmp_path / "photo.jpg")
    with pytest.raises(InvalidImageError, match="damaged"):
        open_photo(path.read_bytes()[: path.stat().st_size // 3])


def test_the_bound_is_in_pixels_and_says_what_to_send():
    with pytest.raises(InvalidImageError, match="8000×8000 pixels") as refused:
        open_photo(png_bomb(8000, 8000))
    assert f"the limit is {MAX_PHOTO_PIXELS / 1e6:.0f} megapixels" in str(refused.value)
