"""From a drawing to what the app shows: the number read, how sure the model is of each digit, and
the 28x28 images the model saw."""

import heapq
from dataclasses import dataclass

import numpy as np

from lenet.config import CLASS_NAMES, IMAGE_SIZE, NUM_CLASSES
from lenet.lattice import best_path
from lenet.segment import candidate_digits

PROMPT = "Draw a digit"
PREVIEW_SCALE = 8  # 28x28 shown as 224x224, blocky on purpose: these are the model's pixels.
# Between two digits' images in the preview: one model pixel of mid-grey, so each 28x28 input
# stands apart from its neighbours.
PREVIEW_GAP = PREVIEW_SCALE
PREVIEW_GAP_LEVEL = 96
# Readings of a whole number listed with their probabilities (gr.Label shows at most ten); those
# less likely than LEAST_LIKELY are left out, as they would only show as 0%.
TOP_READINGS = 10
LEAST_LIKELY = 0.001


@dataclass(frozen=True)
class Reading:
    """What the model made of one drawing: one row per digit, left to right; no rows when blank."""

    model_inputs: np.ndarray  # (k, 28, 28) float32 in [0, 1]
    probabilities: np.ndarray  # (k, 10) float32, each row summing to 1

    @property
    def is_blank(self):
        return len(self.probabilities) == 0

    @property
    def label(self):
        """The number read, left to right ("2026"), or the prompt when nothing was drawn."""
        if self.is_blank:
            return PROMPT
        return "".join(CLASS_NAMES[digit] for digit in self.probabilities.argmax(axis=1))

    def digits(self):
        """[(digit read, its probability)] for each digit, left to right."""
        best = self.probabilities.argmax(axis=1)
        return [(CLASS_NAMES[digit], float(row[digit])) for digit, row in zip(best, self.probabilities)]

    def confidences(self):
        """gr.Label's value: the prompt when blank; the ten digits' probabilities for one digit;
        for a number, its most likely readings with their probabilities."""
        if self.is_blank:
            return PROMPT
        if len(self.probabilities) == 1:
            return {name: float(p) for name, p in zip(CLASS_NAMES, self.probabilities[0])}
        readings = top_readings(self.probabilities, TOP_READINGS)
        best = self.label
        return {number: p for number, p in readings.items() if p >= LEAST_LIKELY or number == best}

    def preview(self):
        """uint8 (224, k * 224 + gaps): each digit's input upscaled with nearest neighbour, side
        by side in reading order; None when nothing was drawn."""
        if self.is_blank:
            return None
        pixels = np.rint(self.model_inputs * 255).astype(np.uint8)
        tile = PREVIEW_SCALE * IMAGE_SIZE
        picture = np.full((tile, len(pixels) * (tile + PREVIEW_GAP) - PREVIEW_GAP), PREVIEW_GAP_LEVEL, np.uint8)
        block = np.ones((PREVIEW_SCALE, PREVIEW_SCALE), np.uint8)
        for index, digit in enumerate(pixels):
            left = index * (tile + PREVIEW_GAP)
            picture[:, left : left + tile] = np.kron(digit, block)
        return picture


def top_readings(probabilities, count):
    """(k, 10) per-digit probabilities -> {number: probability} of the `count` likeliest numbers.

    A number's probability is the product of its digits' (the model reads each digit on its
    own). Exact, by beam search: a prefix of one of the `count` best numbers is among the
    `count` best prefixes of its length.
    """
    beam = [(1.0, "")]
    for row in np.asarray(probabilities, np.float64):
        beam = heapq.nlargest(count, ((p * row[digit], prefix + CLASS_NAMES[digit])
                                      for p, prefix in beam for digit in range(NUM_CLASSES)))
    return {number: float(p) for p, number in beam}


class DigitReader:
    """Find a drawing's candidate digits, classify them all in one batch, and read the number along
    the path of candidates the network finds most digit-like."""

    def __init__(self, classifier):
        self.classifier = classifier

    def read(self, drawing):
        """Sketchpad value, PIL image or array -> Reading. Raises preprocess.InvalidImageError."""
        lattice = candidate_digits(drawing)
        if lattice is None:
            empty = np.zeros((0, IMAGE_SIZE, IMAGE_SIZE), np.float32)
            return Reading(empty, np.zeros((0, NUM_CLASSES), np.float32))
        probabilities = self.classifier.predict_batch(lattice.images)
        path = best_path(lattice, probabilities)
        return Reading(lattice.images[path], probabilities[path])


def is_cleared(drawing):
    """Whether a sketchpad value is the canvas emptied by "Clear canvas" (or no value at all): no
    background, no layers, no composite. A canvas with strokes erased still has its layer: not this."""
    if drawing is None:
        return True
    return (isinstance(drawing, dict) and drawing.get("background") is None
            and not drawing.get("layers") and drawing.get("composite") is None)


# How the page names the runtime serving the model, when it is not the SavedModel.
RUNTIME_NAMES = {"litert": "LiteRT (lenet5.tflite)", "onnx": "ONNX Runtime (lenet5.onnx)"}


def describe_model(metadata, runtime="savedmodel"):
    """One line for the page: what the model is, how well it did on MNIST test, and which runtime serves it."""
    details = ", ".join(
        part for part in (
            metadata.get("variant"),
            f"{metadata['parameters']:,} weights" if "parameters" in metadata else None,
        ) if part
    )
    accuracy = metadata.get("test_accuracy")
    measured = f"{accuracy:.2%} on the 10,000 MNIST test digits" if accuracy else "test accuracy unknown"
    served = f" Served by {RUNTIME_NAMES[runtime]}." if runtime in RUNTIME_NAMES else ""
    return f"LeNet-5{f' ({details})' if details else ''}: {measured}.{served}"
