"""Draw a digit, watch LeNet-5 read it: the Gradio app (layout and wiring; the logic is in lenet/).

    python demo.py        # then open http://127.0.0.1:7860
    LENET_RUNTIME=onnx python demo.py   # the same app on lenet5.onnx (savedmodel: TensorFlow; default litert)
"""

import sys
from pathlib import Path

import gradio as gr

from lenet.config import BRUSH_RADIUS, CANVAS_SIZE, served_model_dir, served_runtime
from lenet.explain import PICTURE_TITLES, Explainer, look_inside
from lenet.inference import Classifier, ModelLoadError
from lenet.photo import READABLE_FORMATS, open_photo
from lenet.preprocess import InvalidImageError
from lenet.reader import PROMPT, DigitReader, describe_model
from lenet.web.cache_cleanup import make_cache_cleanup_safe
from lenet.web.components import DigitSketchpad, PhotoInput, PreviewImage
from lenet.web.corrections import (
    CorrectionError,
    corrections_dir,
    corrections_enabled,
    describe_corrections,
    save_number_correction,
)
from lenet.web.readout import digit_readout

try:
    classifier = Classifier(served_model_dir(), served_runtime())
    explainer = Explainer(classifier)
except ModelLoadError as error:
    # A half-working page that can never answer is worse than a clear refusal to start.
    sys.exit(f"error: {error}")
reader = DigitReader(classifier)

WEB = Path(__file__).resolve().parent / "lenet" / "web"
# What the page does on "Clear canvas", and before sending a drawing (lenet/web/cleared_canvas.js).
REMEMBER_CLEARED = "() => { if (window.lenetCanvas) window.lenetCanvas.clearedAt = performance.now(); }"
NOTHING_IF_CLEARED = "(drawing) => window.lenetCanvas?.clearedAt > window.lenetCanvas?.drawnAt ? null : drawing"


def read_drawing(drawing):
    """Sketchpad value -> (gr.Label value, 28x28 previews side by side, per-digit readout, the Reading).

    The label is the number read; the prompt, no preview and no readout when blank. The page gets
    all four in one answer; the Reading goes to a gr.State, for "Look inside" and corrections.
    """
    return _shown(_read(drawing))


def read_photo(path):
    """Path of a photo or scan (the photo input's value) -> what read_drawing returns; nothing
    changes when the photo is removed."""
    if path is None:
        return (gr.skip(),) * 4
    return _shown(_read_photo(path))


def predict(drawing):
    """Sketchpad value -> (gr.Label value, 28x28 previews side by side): the /predict endpoint."""
    reading = _read(drawing)
    return reading.confidences(), reading.preview()


def predict_photo(path):
    """Image file (a photo or scan of digits on paper) -> what /predict returns: the
    /predict_photo endpoint."""
    if path is None:
        raise gr.Error(f"Send an image file: a {READABLE_FORMATS} photo of digits on paper.")
    reading = _read_photo(path)
    return reading.confidences(), reading.preview()


def _shown(reading):
    return reading.confidences(), reading.preview(), digit_readout(reading), reading


def _read(drawing):
    try:
        return reader.read(drawing)
    except InvalidImageError as error:
        raise gr.Error(f"Could not read that drawing: {error}.") from error


def _read_photo(path):
    try:
        return reader.read(open_photo(path))
    except InvalidImageError as error:
        raise gr.Error(f"Could not read that photo: {error}.", print_exception=False) from error


def correct(drawing, number):
    """Sketchpad value, the right number as typed ("7", "2026") -> a note of where each digit was
    saved: the /correct endpoint."""
    try:
        return _save_correction(reader.read(drawing).model_inputs, number)
    except InvalidImageError as error:
        raise gr.Error(str(error)) from error


def correct_reading(reading, number):
    """The page's Reading (of a drawing or a photo), the right number as typed -> the same note."""
    if reading is None:
        raise gr.Error("Draw a digit or give a photo first, then type the right number.")
    return _save_correction(reading.model_inputs, number)


def _save_correction(model_inputs, number):
    if not corrections_enabled():
        raise gr.Error(describe_corrections(False, None))
    try:
        paths = save_number_correction(model_inputs, number, corrections_dir())
    except CorrectionError as error:
        raise gr.Error(str(error)) from error
    saved = ", ".join(f"a {path.parent.name} as `{path}`" for path in paths)
    return f"Saved {saved}. Thank you!"


def explain(drawing):
    """Sketchpad value -> (caption, six pictures of its trip through LeNet-5); the prompt and no
    pictures when blank. The /explain endpoint, for API callers who send a drawing."""
    return look_inside(explainer, _read(drawing))


def explain_reading(reading, inside_open=True):
    """The page's Reading (made by read_drawing) -> what explain returns, while "Look inside" is open;
    otherwise nothing changes. The drawing is not split or classified a second time."""
    return look_inside(explainer, reading) if inside_open else gr.skip()


# Gradio keeps a copy of every upload; drawings are not kept longer than it takes to answer.
make_cache_cleanup_safe()  # Gradio's own cleanup stops for good on a busy server.
with gr.Blocks(title="LeNet-5 digit reader", analytics_enabled=False, delete_cache=(300, 300)) as demo:
    gr.Markdown(
        "# Draw a digit, or a number\n"
        "LeNet-5 reads it as you draw, digit by digit, after shrinking each to 28×28 the way MNIST digits were made. "
        "Or give it a photo of digits written on paper. "
        f"Model: {describe_model(classifier.metadata, classifier.runtime)}",
        elem_id="intro",
    )
    with gr.Row(equal_height=False):
        # Half the width on a laptop: the canvas fits at 100 %, and a wider frame would only cost
        # every pointer move more rendering.
        with gr.Column(scale=1, min_width=320):
            # Drawing first; a photo or scan of digits on paper, from a file, the camera or the
            # clipboard, one tab away, so that on a phone the answer stays right under the canvas.
            with gr.Tabs(elem_id="inputs"):
                with gr.Tab("Draw", elem_id="draw-tab"):
                    sketchpad = DigitSketchpad(
                        label="Your digit or number", elem_id="sketchpad",
                        canvas_size=CANVAS_SIZE,
                        brush=gr.Brush(default_size=BRUSH_RADIUS, colors=["#000000"], color_mode="fixed"),
                        eraser=gr.Eraser(default_size=BRUSH_RADIUS * 2),
                        layers=False,
                        transforms=(),
                        buttons=[],
                        type="numpy",
                        image_mode="RGBA",
                        height=420,
                    )
                with gr.Tab("Photo of paper", elem_id="photo-tab"):
                    # Read like a drawing, after its own ink extraction (lenet/paper.py).
                    photo = PhotoInput(
                        label="A photo or scan of digits on paper", elem_id="photo", type="filepath",
                        sources=["upload", "webcam", "clipboard"], height=360, buttons=[],
                    )
        with gr.Column(scale=1, min_width=300):
            label = gr.Label(
                value=PROMPT, num_top_classes=10, label="What LeNet-5 reads", elem_id="probabilities",
            )
            reading = gr.State()
            readout = gr.HTML(elem_id="digit-readout", padding=False)
            preview = PreviewImage(
                label="What the model saw (28×28 a digit)", format="png", image_mode="L",
                interactive=False, height=200, buttons=["download"], elem_id="model-input",
            )
            with gr.Group(elem_id="correction"):
                right_number = gr.Textbox(label="Wrong answer? Type the right number", placeholder="e.g. 2026",
                                          max_lines=1, elem_id="right-number", interactive=corrections_enabled())
                save_correction_button = gr.Button("Save as a correction", size="sm",
                                                   interactive=corrections_enabled())
                correction_note = gr.Markdown(describe_corrections(corrections_enabled(), corrections_dir()),
                                              elem_id="correction-note", padding=True)

    # Closed at first: the live answer stays alone on the first screen (a phone's too), and only
    # those who open it pay for explaining each drawing (a model pass with gradients and six PNGs).
    with gr.Accordion("Look inside: your digit (in a number, the least sure one) going through LeNet-5", open=False, elem_id="look-inside") as inside:
        inside_open = gr.State(False)
        inside_caption = gr.Markdown(PROMPT, elem_id="inside-caption")
        # In the order the data flows, three a row on a laptop; one a row on a phone, where each
        # picture (drawn at most 370 px wide) shows at about its own size.
        titles = list(PICTURE_TITLES.values())
        inside_pictures = []
        for row_titles in (titles[:3], titles[3:]):
            with gr.Row(equal_height=True, elem_classes="inside-pictures"):
                inside_pictures += [
                    PreviewImage(label=title, format="png", interactive=False, buttons=["download"], min_width=300)
                    for title in row_titles
                ]

    # One canvas export and one answer per stroke. An export can land after "Clear canvas" (it takes
    # a second in software WebGL); the page then sends no drawing, so no old answer stays over a
    # blank canvas (lenet/web/cleared_canvas.js).
    prediction = sketchpad.change(
        read_drawing, inputs=sketchpad, outputs=[label, preview, readout, reading], api_visibility="private",
        trigger_mode="always_last", show_progress="hidden", js=NOTHING_IF_CLEARED,
    )
    sketchpad.clear(None, js=REMEMBER_CLEARED)
    photo_reading = photo.change(
        read_photo, inputs=photo, outputs=[label, preview, readout, reading], api_visibility="private",
        trigger_mode="always_last", show_progress="minimal",
    )
    # Explaining starts once the answer is out, so it never delays it, and it explains the Reading
    # that answer made; one explanation at a time leaves the second core to predictions.
    explained = dict(outputs=[inside_caption, *inside_pictures], show_progress="hidden",
                     concurrency_limit=1, concurrency_id="explain")
    for answered in (prediction, photo_reading):
        answered.then(explain_reading, inputs=[reading, inside_open], api_visibility="private", **explained)
    inside.expand(lambda: True, outputs=inside_open, api_visibility="private").then(
        explain_reading, inputs=reading, api_visibility="private", **explained,
    )
    inside.collapse(lambda: False, outputs=inside_open, api_visibility="private")
    # API callers send a drawing and get what they always got; a button the page never shows serves them.
    api = gr.Button(visible=False)
    api.click(predict, inputs=sketchpad, outputs=[label, preview], api_name="predict", show_progress="hidden")
    api.click(explain, inputs=sketchpad, api_name="explain", **explained)
    api.click(predict_photo, inputs=photo, outputs=[label, preview], api_name="predict_photo", show_progress="hidden")
    api.click(correct, inputs=[sketchpad, right_number], outputs=correction_note, api_name="correct")

    save_correction_button.click(correct_reading, inputs=[reading, right_number], outputs=correction_note,
                                 api_visibility="private")

    keep_brush_ready = (WEB / "keep_brush_ready.js").read_text()
    demo.load(fn=None, js=keep_brush_ready.replace("__CANVAS_WIDTH__", str(CANVAS_SIZE[0]))
              .replace("__CANVAS_HEIGHT__", str(CANVAS_SIZE[1])))
    demo.load(fn=None, js=(WEB / "cleared_canvas.js").read_text())

# A prediction costs far less CPU than Gradio's transport around it. Four at a time keep two
# CPU cores busy while requests wait on I/O, and the classifier is safe to call from threads.
# Live prediction sends one event per stroke, so a bounded queue sheds load instead of lagging.
demo.queue(default_concurrency_limit=4, max_size=64)

if __name__ == "__main__":
    demo.launch(css_paths=[WEB / "app.css"])
