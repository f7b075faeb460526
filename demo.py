"""Draw a digit, watch LeNet-5 read it: the Gradio app (layout and wiring; the logic is in lenet/).

    python demo.py        # then open http://127.0.0.1:7860
"""

import sys
from pathlib import Path

import gradio as gr

from lenet.config import served_model_dir
from lenet.inference import Classifier, ModelLoadError
from lenet.preprocess import InvalidImageError
from lenet.reader import PROMPT, DigitReader, describe_model
from lenet.components import DigitSketchpad, PreviewImage

try:
    classifier = Classifier(served_model_dir())
except ModelLoadError as error:
    # A half-working page that can never answer is worse than a clear refusal to start.
    sys.exit(f"error: {error}")
reader = DigitReader(classifier)

CANVAS_SIZE = (800, 800)
BRUSH_RADIUS = 18  # px on the 800 px canvas: a marker-like line that reads well at 28x28.
WEB = Path(__file__).resolve().parent / "lenet" / "web"


def predict(drawing):
    """Sketchpad value -> (gr.Label value, 28x28 preview); the prompt and no preview when blank."""
    try:
        reading = reader.read(drawing)
    except InvalidImageError as error:
        raise gr.Error(f"Could not read that drawing: {error}.") from error
    return reading.confidences(), reading.preview()


# Gradio keeps a copy of every upload; drawings are not kept longer than it takes to answer.
with gr.Blocks(title="LeNet-5 digit reader", analytics_enabled=False, delete_cache=(300, 300)) as demo:
    gr.Markdown(
        "# Draw a digit\n"
        "LeNet-5 reads it as you draw, after shrinking it to 28×28 the way MNIST digits were made. "
        f"Model: {describe_model(classifier.metadata)}",
        elem_id="intro",
    )
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            sketchpad = DigitSketchpad(
                label="Your digit", elem_id="sketchpad",
                canvas_size=CANVAS_SIZE,
                brush=gr.Brush(default_size=BRUSH_RADIUS, colors=["#000000"], color_mode="fixed"),
                eraser=gr.Eraser(default_size=BRUSH_RADIUS * 2),
                layers=False,
                transforms=(),
                buttons=[],
                type="numpy",
                image_mode="RGBA",
                height=560,
            )
        with gr.Column(scale=2, min_width=300):
            label = gr.Label(
                value=PROMPT, num_top_classes=10, label="What LeNet-5 reads", elem_id="probabilities",
            )
            preview = PreviewImage(
                label="What the model saw (28×28)", format="png", image_mode="L",
                interactive=False, height=200, buttons=["download"], elem_id="model-input",
            )

    sketchpad.change(
        predict, inputs=sketchpad, outputs=[label, preview], api_name="predict",
        trigger_mode="always_last", show_progress="hidden",
    )

    demo.load(fn=None, js=(WEB / "keep_brush_ready.js").read_text())

# A prediction takes about 2 ms of CPU; Gradio's transport costs far more. Four at a time keep two
# CPU cores busy while requests wait on I/O, and the classifier is safe to call from threads.
# Live prediction sends one event per stroke, so a bounded queue sheds load instead of lagging.
demo.queue(default_concurrency_limit=4, max_size=64)

if __name__ == "__main__":
    demo.launch(css_paths=[WEB / "app.css"])
