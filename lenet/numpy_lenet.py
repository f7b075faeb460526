"""LeNet-5 in NumPy, from the weights in lenet5.tflite: its activations, and the gradient of a
score with respect to the input, for "Look inside" without TensorFlow.

The app serves predictions through LiteRT, whose interpreter gives neither a layer's output nor a
gradient. LeNet-5 is small enough to run by hand: five weighted layers, read from the exported
file and checked against LiteRT's own answers when loaded, so the pictures show the model served.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from lenet.config import INPUT_SHAPE, NUM_CLASSES, TFLITE_FILENAME

KERNEL = 5  # C1, C3 and C5 all convolve 5x5.
# The exported weights by their shapes, which differ for every layer: LiteRT stores a convolution's
# kernel as (out, height, width, in) and a dense layer's as (out, in).
WEIGHT_SHAPES = {
    "c1": ((6, KERNEL, KERNEL, 1), (6,)),
    "c3": ((16, KERNEL, KERNEL, 6), (16,)),
    "c5": ((120, KERNEL, KERNEL, 16), (120,)),
    "f6": ((84, 120), (84,)),
    "output": ((NUM_CLASSES, 84), (NUM_CLASSES,)),
}
# LiteRT's probabilities and these must agree this closely on the probe images, or the file is not
# the LeNet-5 this module knows (another layout, another variant).
AGREEMENT = 1e-4


class WeightsError(ValueError):
    """The exported file's weights are not those of the LeNet-5 this module runs."""


@dataclass(frozen=True)
class Pass:
    """One forward pass of a batch: what each layer gave, and what the backward pass needs."""

    c1: np.ndarray  # (N, 28, 28, 6), after the activation
    c3: np.ndarray  # (N, 10, 10, 16), after the activation
    f6: np.ndarray  # (N, 84)
    probabilities: np.ndarray  # (N, 10)
    _cache: tuple


class NumpyLeNet5:
    """LeNet-5's forward pass and input gradient, with the weights and variant of an export."""

    def __init__(self, weights, variant):
        if variant not in ("modern", "classic"):
            raise WeightsError(f"unknown LeNet-5 variant {variant!r}")
        self.weights = weights  # {layer: (kernel, bias)}, float32, in LiteRT's layouts
        self.variant = variant

    @classmethod
    def from_tflite(cls, model_dir, variant, probe):
        """Read lenet5.tflite in `model_dir`; `probe(images)` -> LiteRT's probabilities, to check them against.

        Raises WeightsError when the weights cannot be found or do not give LiteRT's answers.
        """
        from ai_edge_litert.interpreter import Interpreter

        interpreter = Interpreter(model_path=str(Path(model_dir) / TFLITE_FILENAME))
        interpreter.allocate_tensors()
        by_shape = {}
        for detail in interpreter.get_tensor_details():
            shape = tuple(int(size) for size in detail["shape"])
            if detail["dtype"] == np.float32 and shape in {s for pair in WEIGHT_SHAPES.values() for s in pair}:
                by_shape.setdefault(shape, []).append(detail["index"])
        weights = {}
        for layer, shapes in WEIGHT_SHAPES.items():
            found = [by_shape.get(shape, []) for shape in shapes]
            if any(len(indices) != 1 for indices in found):
                raise WeightsError(f"{TFLITE_FILENAME} has no single {layer} kernel {shapes[0]} and bias {shapes[1]}")
            weights[layer] = tuple(interpreter.get_tensor(indices[0]).astype(np.float32) for indices in found)
        model = cls(weights, variant)
        images = np.random.default_rng(0).random((4, *INPUT_SHAPE), np.float32)
        images[0] = 0
        difference = np.abs(model.forward(images).probabilities - probe(images)).max()
        if not difference <= AGREEMENT:
            raise WeightsError(f"its weights run by hand differ from LiteRT's answers by {difference:.1e}")
        return model

    def forward(self, images):
        """(N, 28, 28, 1) float in [0, 1] -> Pass."""
        x = np.asarray(images, np.float32)
        c1_in = np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)))  # 'same' padding keeps C1 at 28x28.
        c1 = self._activate(_convolve(c1_in, *self.weights["c1"]))
        s2, s2_route = self._pool(c1)
        c3 = self._activate(_convolve(s2, *self.weights["c3"]))
        s4, s4_route = self._pool(c3)
        c5 = self._activate(_convolve(s4, *self.weights["c5"]))[:, 0, 0, :]  # -> (N, 120)
        f6 = self._activate(c5 @ self.weights["f6"][0].T + self.weights["f6"][1])
        logits = f6 @ self.weights["output"][0].T + self.weights["output"][1]
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        cache = (c1_in, c1, s2, s2_route, c3, s4, s4_route, c5, f6)
        return Pass(c1, c3, f6, probabilities, cache)

    def input_gradient(self, forward, logit_weights):
        """d(sum over n of logit_weights[n] . logits[n]) / d images: (N, 10) -> (N, 28, 28) float32."""
        c1_in, c1, s2, s2_route, c3, s4, s4_route, c5, f6 = forward._cache
        grad_f6 = self._activation_slope(f6) * (np.asarray(logit_weights, np.float32) @ self.weights["output"][0])
        grad_c5 = self._activation_slope(c5) * (grad_f6 @ self.weights["f6"][0])
        grad_s4 = _convolve_backward(grad_c5[:, np.newaxis, np.newaxis, :], self.weights["c5"][0])
        grad_c3 = self._activation_slope(c3) * self._unpool(grad_s4, s4_route, c3.shape)
        grad_s2 = _convolve_backward(grad_c3, self.weights["c3"][0])
        grad_c1 = self._activation_slope(c1) * self._unpool(grad_s2, s2_route, c1.shape)
        grad_input = _convolve_backward(grad_c1, self.weights["c1"][0])[:, 2:-2, 2:-2, 0]
        return grad_input

    def _activate(self, x):
        return np.maximum(x, 0) if self.variant == "modern" else np.tanh(x)

    def _activation_slope(self, activated):
        """The activation's derivative, from its output."""
        return (activated > 0).astype(np.float32) if self.variant == "modern" else 1 - activated**2

    def _pool(self, x):
        """2x2 pooling, stride 2 -> (pooled, route): max pooling for modern, average for classic."""
        n, h, w, c = x.shape
        blocks = x.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 5, 2, 4).reshape(n, h // 2, w // 2, c, 4)
        if self.variant == "classic":
            return blocks.mean(axis=-1), None
        route = blocks.argmax(axis=-1)
        return np.take_along_axis(blocks, route[..., np.newaxis], axis=-1)[..., 0], route

    def _unpool(self, grad, route, shape):
        """Spread a pooled gradient back over its 2x2 blocks (to the maximum, or evenly)."""
        n, h, w, c = shape
        if route is None:
            blocks = np.repeat(grad[..., np.newaxis], 4, axis=-1) / 4
        else:
            blocks = np.zeros((*grad.shape, 4), np.float32)
            np.put_along_axis(blocks, route[..., np.newaxis], grad[..., np.newaxis], axis=-1)
        return blocks.reshape(n, h // 2, w // 2, c, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(shape)


def _convolve(x, kernel, bias):
    """'valid' 5x5 convolution: (N, H, W, in) and kernel (out, 5, 5, in) -> (N, H-4, W-4, out)."""
    return _correlate(x, kernel) + bias


def _convolve_backward(grad, kernel):
    """The gradient of _convolve's input: (N, H-4, W-4, out) -> (N, H, W, in)."""
    padded = np.pad(grad, ((0, 0), (KERNEL - 1, KERNEL - 1), (KERNEL - 1, KERNEL - 1), (0, 0)))
    # Every output took a 5x5 window of inputs: the input's gradient correlates the output's with
    # the kernel turned by 180 degrees, its in and out channels swapped.
    return _correlate(padded, kernel[:, ::-1, ::-1, :].transpose(3, 1, 2, 0))


def _correlate(x, kernel):
    """(N, H, W, in) and (out, 5, 5, in) -> (N, H-4, W-4, out): each 5x5 window times the kernel,
    as one matrix product (BLAS) over all windows."""
    windows = sliding_window_view(x, (KERNEL, KERNEL), axis=(1, 2))  # (N, H-4, W-4, in, 5, 5)
    n, h, w, channels = windows.shape[:4]
    columns = windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * h * w, KERNEL * KERNEL * channels)
    return (columns @ kernel.reshape(len(kernel), -1).T).reshape(n, h, w, len(kernel))
