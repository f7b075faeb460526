import threading

import gradio as gr
import numpy as np
import pytest
from gradio.data_classes import FileData
from PIL import Image

from lenet.web.components import (
    DigitSketchpad,
    PhotoInput,
    PreviewImage,
    check_image_file,
    write_png_atomically,
)
from tests.paper_photos import png_bomb


def test_components_render_with_gradios_own_front_end():
    assert DigitSketchpad().get_block_name() == gr.Sketchpad().get_block_name() == "imageeditor"
    assert PreviewImage().get_block_name() == gr.Image().get_block_name() == "image"


def test_preview_png_is_named_by_content_and_reads_back(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (224, 224), dtype=np.uint8)
    first, second = write_png_atomically(pixels, tmp_path), write_png_atomically(pixels, tmp_path)
    assert first == second
    np.testing.assert_array_equal(np.asarray(Image.open(first)), pixels)
    assert [p.name for p in first.parent.iterdir()] == ["image.png"]  # No staging file left.


def test_concurrent_writes_of_the_same_preview_never_expose_a_partial_file(tmp_path):
    pixels = np.random.default_rng(1).integers(0, 256, (224, 224), dtype=np.uint8)
    path = write_png_atomically(pixels, tmp_path)
    size = path.stat().st_size
    sizes = []
    writers = [threading.Thread(target=lambda: [write_png_atomically(pixels, tmp_path) for _ in range(30)])
               for _ in range(4)]
    for writer in writers:
        writer.start()
    while any(writer.is_alive() for writer in writers):
        sizes.append(len(path.read_bytes()))
    for writer in writers:
        writer.join()
    assert set(sizes) <= {size}


def test_upload_check_bounds_pixels_not_sides_and_refuses_non_images(tmp_path):
    # Only the header is read: these files declare their size and hold almost nothing.
    with pytest.raises(gr.Error, match="8000×8000 pixels \\(64 megapixels\\); the limit is 50 megapixels"):
        check_image_file(png_bomb(8000, 8000))
    check_image_file(png_bomb(5712, 4284))  # A 24 MP phone photo, wider than the old 4096 px limit.
    with pytest.raises(gr.Error, match="hundreds of megapixels; the limit is 50 megapixels"):
        check_image_file(png_bomb())  # Beyond PIL's own bound, which stops it before its size is read.
    with pytest.raises(gr.Error, match="not an image"):
        check_image_file(b"GIF89a but not really")
    small = tmp_path / "small.png"
    Image.new("L", (800, 800)).save(small)
    check_image_file(FileData(path=str(small)))


def test_the_photo_input_hands_its_file_over_unopened(tmp_path):
    text = tmp_path / "not_a_photo.jpg"
    text.write_text("Gradio would open this with PIL and fail with its generic error")
    assert PhotoInput().get_block_name() == "image"
    assert PhotoInput(type="filepath").preprocess(FileData(path=str(text))) == str(text)
    assert PhotoInput(type="filepath").preprocess(None) is None
