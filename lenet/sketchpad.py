"""The app's sketchpad: Gradio's own, except that a broken or oversized upload gets a clear message.

Gradio decodes the drawing's files before the prediction function runs, so a truncated PNG, a
text file named .png or a huge image would fail inside Gradio with its generic "error" and no
hint of what to do. Checking the size before decoding also bounds time and memory.
"""

import io

import gradio as gr
from gradio.data_classes import FileData
from PIL import Image

# Four times the canvas: larger drawings are refused before any pixel is decoded.
MAX_SIDE = 4096
READABLE_FORMATS = "PNG, WebP or JPEG"


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
    """FileData or bytes -> None; raise gr.Error if it is not an image or larger than MAX_SIDE."""
    source = file.path if isinstance(file, FileData) else io.BytesIO(file)
    try:
        with Image.open(source) as image:
            width, height = image.size
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise gr.Error(
            f"The drawing is not an image that can be read ({type(error).__name__}). "
            f"Send a {READABLE_FORMATS} image.",
            print_exception=False,
        ) from error
    if max(width, height) > MAX_SIDE:
        raise gr.Error(
            f"The drawing is {width}×{height} pixels; the limit is {MAX_SIDE}×{MAX_SIDE}. "
            "Send a smaller image.",
            print_exception=False,
        )
