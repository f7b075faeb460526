"""Gradio 6.31's sketchpad and image components, with the fixes the app needs.

DigitSketchpad: Gradio decodes the drawing's files before the prediction function runs, so a
truncated PNG, a text file named .png or a huge image would fail inside Gradio with its generic
"error" and no hint of what to do. Checking the size before decoding also bounds time and memory.

PhotoInput: gr.Image opens an upload with PIL before the function runs, which refuses a large
photo with a generic error and ignores the bound on pixels; it hands over the file's path, and
lenet.photo opens it (upright, reduced as it decodes, bounded, with a clear message).

PreviewImage: gr.Image rewrites a cached picture in place each time it is returned, so under
concurrent requests for the same drawing a download can read the file half-written ("Too little
data for declared Content-Length"). Writing to a temporary name and renaming is atomic.
"""

import hashlib
import io
import os
import tempfile
from pathlib import Path

import gradio as gr
import numpy as np
from gradio.data_classes import FileData, ImageData
from PIL import Image

from lenet.photo import READABLE_FORMATS, opened_image
from lenet.preprocess import InvalidImageError


class DigitSketchpad(gr.Sketchpad):
    """gr.Sketchpad whose uploads are checked: unreadable or too large -> gr.Error with the reason."""

    # Render with the sketchpad's own front end, exactly as gr.Sketchpad does.
    def get_block_name(self):
        return "imageeditor"

    def get_block_class(self):
        return "imageeditor"

    def convert_and_format_image(self, file, flatten_on_white=False):
        if file is not None:
            check_image_file(file)
        try:
            return super().convert_and_format_image(file, flatten_on_white)
        except (OSError, SyntaxError, ValueError) as error:  # PIL's ways of saying "damaged".
            raise gr.Error(
                f"The drawing's image file is damaged ({error}). Send a complete {READABLE_FORMATS} image.",
                print_exception=False,
            ) from error


def check_image_file(file):
    """FileData or bytes -> None; raise gr.Error if it is not an image or has more than
    MAX_PHOTO_PIXELS pixels (read from its header, before any pixel is decoded)."""
    try:
        with opened_image(file.path if isinstance(file, FileData) else file):
            pass
    except InvalidImageError as error:
        raise gr.Error(f"Could not read that drawing: {error}.", print_exception=False) from error


class PhotoInput(gr.Image):
    """gr.Image (upload, camera, clipboard) that passes its file's path on unopened, for
    lenet.photo.open_photo; a picture larger than MAX_PHOTO_PIXELS is refused there."""

    def get_block_name(self):
        return "image"

    def get_block_class(self):
        return "image"

    def preprocess(self, payload):
        if payload is None:
            return None
        if payload.path is None:
            raise gr.Error("The photo did not arrive whole. Give it again.", print_exception=False)
        return payload.path


class PreviewImage(gr.Image):
    """gr.Image for numpy pictures, written to Gradio's cache atomically as PNG."""

    def get_block_name(self):
        return "image"

    def get_block_class(self):
        return "image"

    def postprocess(self, value):
        if value is None:
            return None
        path = write_png_atomically(np.asarray(value), Path(self.GRADIO_CACHE))
        return ImageData(path=str(path), orig_name=path.name)


def write_png_atomically(pixels, cache_dir):
    """uint8 (H, W) or (H, W, C) -> path of a PNG of it under cache_dir, named by its content."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    data = buffer.getvalue()
    folder = cache_dir / hashlib.sha256(data).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "image.png"
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as staging:
        staging.write(data)
    os.replace(staging.name, path)
    return path
