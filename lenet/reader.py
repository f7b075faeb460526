"""From a drawing to what the app shows: a probability per digit and the 28x28 image the model saw."""

from dataclasses import dataclass

import numpy as np

from lenet.config import CLASS_NAMES
from lenet.preprocess import to_mnist

PROMPT = "Draw a digit"
PREVIEW_SCALE = 8  # 28x28 shown as 224x224, blocky on purpose: these are the model's pixels.


@dataclass(frozen=True)
class Reading:
    """What the model made of one drawing; both fields are None when nothing was drawn."""

    model_input: np.ndarray | None  # (28, 28) float32 in [0, 1]
    probabilities: np.ndarray | None  # (10,) float32, summing to 1

    @property
    def is_blank(self):
        return self.probabilities is None

    def confidences(self):
        """{class name: probability} for gr.Label, or the prompt when nothing was drawn."""
        if self.is_blank:
            return PROMPT
        return {name: float(p) for name, p in zip(CLASS_NAMES, self.probabilities)}

    def preview(self):
        """(224, 224) uint8 upscaled with nearest neighbour, or None when nothing was drawn."""
        if self.model_input is None:
            return None
        pixels = np.rint(self.model_input * 255).astype(np.uint8)
        return np.kron(pixels, np.ones((PREVIEW_SCALE, PREVIEW_SCALE), np.uint8))


class DigitReader:
    """Preprocess a drawing the way MNIST was made, then classify it."""

    def __init__(self, classifier):
        self.classifier = classifier

    def read(self, drawing):
        """Sketchpad value, PIL image or array -> Reading. Raises preprocess.InvalidImageError."""
        model_input = to_mnist(drawing)
        if model_input is None:
            return Reading(None, None)
        return Reading(model_input, self.classifier.predict(model_input))


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
