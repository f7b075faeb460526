"""The floor the app is measured against: a plain Gradio sketchpad page with the app's settings
whose answer is a constant. What Gradio itself costs; whatever the app adds shows above it.

    python -m benchmarks.floor_page      # then open http://127.0.0.1:7860

The same canvas, brush, event (change, always_last) and outputs (a label and a preview image) as
demo.py's /predict, and the same API name, so one client and one browser script drive both.
"""

import itertools

import gradio as gr
import numpy as np

from lenet.config import BRUSH_RADIUS, CANVAS_SIZE
from lenet.reader import PROMPT, is_cleared

ANSWER = {"7": 1.0}
answers = itertools.count()


def constant_answer(drawing):
    """A drawing -> the same label, and a blank preview (one pixel counts the answers, so that the
    page shows each answer as new); the prompt and no preview on a cleared canvas, as the app does."""
    if is_cleared(drawing):
        return PROMPT, None
    preview = np.zeros((224, 224), np.uint8)
    preview[0, 0] = next(answers) % 256
    return ANSWER, preview


with gr.Blocks(title="Plain sketchpad", analytics_enabled=False) as demo:
    with gr.Row(equal_height=False):
        sketchpad = gr.Sketchpad(
            label="Your digit or number", elem_id="sketchpad", canvas_size=CANVAS_SIZE,
            brush=gr.Brush(default_size=BRUSH_RADIUS, colors=["#000000"], color_mode="fixed"),
            layers=False, transforms=(), buttons=[], type="numpy", image_mode="RGBA", height=420,
        )
        with gr.Column():
            label = gr.Label(num_top_classes=10, label="Answer", elem_id="probabilities")
            preview = gr.Image(label="Preview", format="png", image_mode="L", interactive=False,
                               elem_id="model-input")
    sketchpad.change(constant_answer, inputs=sketchpad, outputs=[label, preview], api_name="predict",
                     trigger_mode="always_last", show_progress="hidden")

if __name__ == "__main__":
    demo.launch()
