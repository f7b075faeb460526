"""Look inside LeNet-5: one drawing's feature maps, F6 and output activations, and a saliency map, as pictures.

Everything comes from the model the app serves: its activations (c1, c3, f6, output) and the
gradient behind the saliency map, from the SavedModel through TensorFlow, or from the LiteRT
export's own weights in NumPy (lenet/numpy_lenet.py) when the app serves LiteRT or ONNX. Pictures
are NumPy uint8 arrays drawn with NumPy and PIL (no matplotlib: it would add seconds to the app's
start-up).
"""

import functools
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from lenet.config import (
    CLASS_NAMES,
    INPUT_NAME,
    INPUT_SHAPE,
    NUM_CLASSES,
    REEXPORT_COMMAND,
    RUNTIME_ENV,
)
from lenet.inference import ModelLoadError
from lenet.numpy_lenet import NumpyLeNet5
from lenet.reader import PREVIEW_SCALE, PROMPT
from lenet.tensorflow_import import import_tensorflow

# SmoothGrad (Smilkov et al., 2017) times the input: the gradient averaged over noisy copies of the
# image is far less speckled than a single one. 16 copies at a noise of 0.15 (on the [0, 1] pixel
# range) cost one batch of 17 through the model; more copies look the same.
SMOOTHGRAD_SAMPLES = 16
SMOOTHGRAD_NOISE = 0.15
SMOOTHGRAD_SEED = 0  # Fixed, so the same drawing always gets the same map.

# A probability that underflowed to 0 would make log p infinite; it counts as this instead.
SMALLEST_PROBABILITY = 1e-30

# Pictures are drawn at about the size they are shown, at most 360 px wide (a phone's width), so
# their labels stay legible without being scaled. Feature maps are upscaled by whole pixels.
C1_COLUMNS, C1_SCALE = 3, 4  # 6 maps of 28x28 -> 3 x 2 tiles of 112 px.
C3_COLUMNS, C3_SCALE = 4, 6  # 16 maps of 10x10 -> 4 x 4 tiles of 60 px.
TILE_GAP = 8  # px between tiles.
LABEL_HEIGHT = 16  # px above each tile for its channel index.
FONT_SIZE = 13
CHART_HEIGHT = 120  # px of bars, above the labels row.

# Transparent backgrounds and mid-grey text read on Gradio's light and dark themes alike. Orange
# (Gradio's accent) marks the answer; blue is its colour-blind-safe opposite.
TRANSPARENT = (0, 0, 0, 0)
TEXT_COLOR = (107, 114, 128, 255)
BAR_COLOR = (156, 163, 175, 255)
TOWARDS_COLOR = (249, 115, 22)
AGAINST_COLOR = (59, 130, 246)
# How bright the drawing itself shows under the saliency colours.
SALIENCY_BACKDROP = 0.3


@dataclass(frozen=True)
class Inside:
    """One 28x28 image's trip through LeNet-5; every array float32."""

    model_input: np.ndarray  # (28, 28) in [0, 1]
    c1: np.ndarray  # (28, 28, 6), after the activation
    c3: np.ndarray  # (10, 10, 16), after the activation
    f6: np.ndarray  # (84,)
    probabilities: np.ndarray  # (10,), summing to 1
    saliency: np.ndarray  # (28, 28): > 0 pushed towards the top class, < 0 away; 0 off the ink

    @property
    def top_class(self):
        return int(np.argmax(self.probabilities))


class Explainer:
    """Activations and saliency of the model a Classifier serves.

    Served through the SavedModel, TensorFlow differentiates its `activations` signature; through
    LiteRT or ONNX, lenet/numpy_lenet.py runs the weights of lenet5.tflite (checked at load to
    give that runtime's answers), so Look inside needs no TensorFlow. Thread-safe: both are pure
    functions of their input.
    """

    def __init__(self, classifier):
        self.classifier = classifier
        if classifier.runtime == "savedmodel":
            self._activations_and_gradients = _tensorflow_pass(classifier)
        else:
            self._activations_and_gradients = _numpy_pass(classifier)

    def explain(self, model_input, samples=SMOOTHGRAD_SAMPLES, noise=SMOOTHGRAD_NOISE):
        """(28, 28) float in [0, 1] -> Inside; saliency from `samples` copies with Gaussian `noise` added.

        samples=1, noise=0 gives plain gradient x input.
        """
        model_input = np.asarray(model_input, np.float32)
        if model_input.shape != INPUT_SHAPE[:2]:
            raise ValueError(f"Expected one {INPUT_SHAPE[0]}x{INPUT_SHAPE[1]} image, got shape {model_input.shape}.")
        if samples < 1:
            raise ValueError(f"SmoothGrad needs at least 1 sample, got {samples}.")
        noisy = model_input + np.random.default_rng(SMOOTHGRAD_SEED).normal(0, noise, (samples, *model_input.shape))
        # One batch: the drawing itself (for the activations), then its noisy copies.
        images = np.concatenate([model_input[np.newaxis], noisy])[..., np.newaxis].astype(np.float32)
        first, gradients = self._activations_and_gradients(images)  # gradients: (samples, 28, 28)
        return Inside(
            model_input=model_input, c1=first["c1"], c3=first["c3"], f6=first["f6"],
            probabilities=first["output"], saliency=gradients.mean(axis=0) * model_input,
        )


def _tensorflow_pass(classifier):
    """(1 + n, 28, 28, 1) -> (image 0's activations, gradients of its top class's score for images 1..n),
    by TensorFlow, through the SavedModel's activations signature."""
    tf = import_tensorflow()  # Imported here, as in lenet/inference.py.
    # The model the app serves, loaded once by the Classifier; raises ModelLoadError for a model
    # exported before the activations signature existed.
    activations = classifier.signature("activations")

    # Traced once, on the first call: each later call then runs as one graph, faster than eagerly.
    @tf.function(input_signature=[tf.TensorSpec((None, *INPUT_SHAPE), tf.float32)])
    def activations_and_gradients(images):
        with tf.GradientTape() as tape:
            tape.watch(images)
            outputs = activations(**{INPUT_NAME: images})
            top = tf.argmax(outputs["output"][0])  # The answer for image 0, the drawing itself.
            # log p_top - mean(log p) equals logit_top - mean(logits), as softmax subtracts one
            # constant from every logit; unlike p_top, its gradient does not vanish when the model is sure.
            log_p = tf.math.log(tf.maximum(outputs["output"][1:], SMALLEST_PROBABILITY))
            score = log_p[:, top] - tf.reduce_mean(log_p, axis=1)
        return outputs, tape.gradient(score, images)[1:]

    def run(images):
        outputs, gradients = activations_and_gradients(images)
        return {name: tensor[0].numpy() for name, tensor in outputs.items()}, gradients.numpy()[..., 0]

    return run


def _numpy_pass(classifier):
    """What _tensorflow_pass gives, from lenet5.tflite's weights run in NumPy."""
    try:
        model = NumpyLeNet5.from_tflite(classifier.model_dir, classifier.metadata.get("variant", "modern"),
                                        classifier.predict_batch)
    except (OSError, ValueError) as error:  # WeightsError is a ValueError; a damaged file raises either.
        raise ModelLoadError(
            f"Cannot look inside the model in {classifier.model_dir}: {error}. Write its exports again with "
            f"`{REEXPORT_COMMAND}`, or serve it with {RUNTIME_ENV}=savedmodel."
        ) from error

    def run(images):
        forward = model.forward(images)
        top = int(forward.probabilities[0].argmax())  # The answer for image 0, the drawing itself.
        # The score of _tensorflow_pass, logit_top - mean(logits), as weights on the logits.
        score = np.full((len(images), NUM_CLASSES), -1 / NUM_CLASSES, np.float32)
        score[:, top] += 1
        first = {"c1": forward.c1[0], "c3": forward.c3[0], "f6": forward.f6[0], "output": forward.probabilities[0]}
        return first, model.input_gradient(forward, score)[1:]

    return run


# Each picture's title, in the order `pictures` returns them.
PICTURE_TITLES = {
    "input": "Input: the 28×28 pixels",
    "c1": "C1: 6 feature maps, 28×28",
    "c3": "C3: 16 feature maps, 10×10",
    "f6": "F6: 84 units",
    "output": "Output: 10 probabilities",
    "saliency": "Saliency: what made the answer",
}


def look_inside(explainer, reading):
    """A Reading (lenet.reader) -> (Markdown caption, *pictures(...)); (PROMPT, None x 6) when blank or None.

    The reading's own model inputs and probabilities are used: nothing is split or classified
    again. A number is explained by the digit the model is least sure of: where a wrong reading
    comes from, and the one a user wonders about.
    """
    if reading is None or reading.is_blank:
        return (PROMPT,) + (None,) * len(PICTURE_TITLES)
    if len(reading.model_inputs) == 1:
        inside = explainer.explain(reading.model_inputs[0])
        return (caption(inside),) + pictures(inside)
    unsure = int(reading.probabilities.max(axis=1).argmin())
    inside = explainer.explain(reading.model_inputs[unsure])
    chosen = (f"LeNet-5 reads the number **{reading.label}**, one digit at a time; these pictures follow digit "
              f"{unsure + 1} of {len(reading.model_inputs)}, the one it is least sure of. ")
    return (chosen + caption(inside),) + pictures(inside)


def pictures(inside):
    """Inside -> uint8 pictures (input, C1 grid, C3 grid, F6 bars, output bars, saliency), gray, RGB or RGBA."""
    top = inside.top_class
    return (
        upscale(np.rint(inside.model_input * 255).astype(np.uint8), PREVIEW_SCALE),
        map_grid(inside.c1, C1_COLUMNS, C1_SCALE),
        map_grid(inside.c3, C3_COLUMNS, C3_SCALE),
        bar_chart(inside.f6, {unit: str(unit) for unit in range(0, len(inside.f6), 20)}, bar_width=3, gap=1),
        bar_chart(inside.probabilities, dict(enumerate(CLASS_NAMES)), bar_width=22, gap=8,
                  highlight=top, full_scale=1.0, scale_text="100%", annotate=f"{inside.probabilities[top]:.1%}"),
        saliency_picture(inside.model_input, inside.saliency),
    )


def caption(inside):
    """Inside -> one Markdown paragraph: the answer and how to read the pictures."""
    digit = CLASS_NAMES[inside.top_class]
    return (
        f"LeNet-5 reads **{digit}** ({inside.probabilities[inside.top_class]:.1%}). "
        "The maps of a layer share one scale: black is 0, white the layer's strongest response to this drawing. "
        f"Saliency: orange pixels pushed the answer towards {digit}, blue ones away from it."
    )


def upscale(pixels, scale):
    """(h, w) or (h, w, c) array -> (h * scale, w * scale[, c]), each pixel a scale x scale block."""
    return np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)


def layer_gray(maps):
    """(h, w, c) activations -> uint8 (h, w, c) on one scale for the whole layer.

    One scale for all the layer's maps keeps them comparable (a weak map looks weak): 0 is black
    and the largest activation white; with negative values (tanh), 0 is mid-grey and the largest
    |activation| sets both ends.
    """
    maps = np.asarray(maps, np.float32)
    peak = float(np.abs(maps).max())
    if peak == 0:
        return np.zeros(maps.shape, np.uint8)
    levels = maps / peak if maps.min() >= 0 else (maps / peak + 1) / 2
    return np.rint(levels * 255).astype(np.uint8)


def map_grid(maps, columns, scale):
    """(h, w, c) activations -> RGBA uint8 grid of c gray tiles, `columns` a row, each under its channel index."""
    gray = layer_gray(maps)
    height, width, count = gray.shape
    tile_width, cell_height = width * scale, LABEL_HEIGHT + height * scale
    rows = math.ceil(count / columns)
    canvas = Image.new("RGBA", (columns * tile_width + (columns - 1) * TILE_GAP,
                                rows * cell_height + (rows - 1) * TILE_GAP), TRANSPARENT)
    pen = ImageDraw.Draw(canvas)
    for channel in range(count):
        row, column = divmod(channel, columns)
        left, top = column * (tile_width + TILE_GAP), row * (cell_height + TILE_GAP)
        canvas.paste(Image.fromarray(upscale(gray[:, :, channel], scale)), (left, top + LABEL_HEIGHT))
        pen.text((left + tile_width / 2, top + LABEL_HEIGHT - 3), str(channel), fill=TEXT_COLOR,
                 font=_font(), anchor="ms")
    return np.asarray(canvas)


def bar_chart(values, labels, bar_width, gap, highlight=None, full_scale=None, scale_text=None, annotate=None):
    """(n,) floats -> RGBA uint8 bar chart: bars up from 0 (down when negative), `labels` {index: text} below.

    A bar of `full_scale` (default: the largest |value|) is CHART_HEIGHT tall; `scale_text` (default:
    the number) and 0 mark the axis. Bar `highlight` is orange with `annotate` above it, the rest grey.
    """
    values = np.asarray(values, np.float32)
    full_scale = full_scale or float(np.abs(values).max()) or 1.0
    scale_text = scale_text or f"{full_scale:.3g}"
    font = _font()
    axis_right = math.ceil(font.getlength(scale_text)) + 2  # The axis text's right edge.
    # Room on both sides for an annotation wider than its bar, over the first or last bar.
    overhang = max(0, math.ceil(font.getlength(annotate or "") / 2 - bar_width / 2 - gap // 2))
    gutter = axis_right + 4 + overhang
    headroom = FONT_SIZE + 4 if annotate else 4  # Room for the annotation above a full bar.
    zero = headroom + CHART_HEIGHT  # The baseline's y.
    below = CHART_HEIGHT if values.min() < 0 else 0
    canvas = Image.new("RGBA", (gutter + len(values) * (bar_width + gap) + overhang,
                                zero + below + LABEL_HEIGHT + 2), TRANSPARENT)
    pen = ImageDraw.Draw(canvas)
    pen.text((axis_right, headroom), scale_text, fill=TEXT_COLOR, font=font, anchor="rt")
    pen.text((axis_right, zero), "0", fill=TEXT_COLOR, font=font, anchor="rs")
    pen.line((gutter, zero, canvas.width, zero), fill=TEXT_COLOR)
    for index, value in enumerate(values):
        left = gutter + gap // 2 + index * (bar_width + gap)
        length = round(min(abs(float(value)) / full_scale, 1.0) * CHART_HEIGHT)
        if length:
            top, bottom = (zero - length, zero - 1) if value > 0 else (zero + 1, zero + length)
            color = TOWARDS_COLOR + (255,) if index == highlight else BAR_COLOR
            pen.rectangle((left, top, left + bar_width - 1, bottom), fill=color)
        center = left + bar_width / 2
        if index in labels:
            pen.text((center, canvas.height - 3), labels[index], fill=TEXT_COLOR, font=font, anchor="ms")
        if index == highlight and annotate:
            pen.text((center, zero - length - 4), annotate, fill=TEXT_COLOR, font=font, anchor="ms")
    return np.asarray(canvas)


def saliency_picture(model_input, saliency, scale=PREVIEW_SCALE):
    """(28, 28) input in [0, 1] and signed saliency -> RGB uint8 (28 * scale, 28 * scale, 3).

    The drawing shows in dim grey; a pixel turns orange as it pushed towards the answer and blue
    as it pushed away, in proportion to the largest |saliency| of this drawing.
    """
    peak = float(np.abs(saliency).max()) or 1.0
    strength = (np.asarray(saliency, np.float32) / peak)[..., np.newaxis]  # (28, 28, 1) in [-1, 1]
    backdrop = SALIENCY_BACKDROP * 255 * np.asarray(model_input, np.float32)[..., np.newaxis]
    color = np.where(strength >= 0, np.float32(TOWARDS_COLOR), np.float32(AGAINST_COLOR))
    weight = np.abs(strength)
    rgb = backdrop * (1 - weight) + color * weight
    return upscale(np.rint(rgb).astype(np.uint8), scale)


@functools.cache
def _font():
    # Pillow's built-in font, so the pictures look the same on any machine (no system fonts needed).
    return ImageFont.load_default(size=FONT_SIZE)
