"""Quantized LiteRT files next to the float32 one: size, MNIST test accuracy, agreement, single-image latency.

    python -m benchmarks.bench_quantized [--model-dir saved_model] [--repeats 2000]

Converts the SavedModel's serving signature three more ways (dynamic-range int8 weights, float16
weights, full int8 calibrated on 200 training images) in memory; nothing is written.
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

from benchmarks.timing import measure, summary
from lenet.config import DEFAULT_MODEL_DIR, INPUT_NAME, OUTPUT_NAME
from lenet.train.data import load_mnist
from lenet.train.export import litert_converter
from lenet.train.pipeline import to_model_input

CALIBRATION_IMAGES = 200  # Every 300th training image: all digits, never the test set.


def quantized(model_dir, kind, calibration):
    """The LiteRT flatbuffer (bytes) of the SavedModel, quantized as `kind`."""
    converter = litert_converter(model_dir)
    if kind != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if kind == "float16 weights":
        converter.target_spec.supported_types = [tf.float16]
    if kind == "full int8":
        converter.representative_dataset = lambda: ([image[np.newaxis]] for image in calibration)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return converter.convert()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default=str(DEFAULT_MODEL_DIR), help="SavedModel folder (default: saved_model)")
    parser.add_argument("--repeats", type=int, default=2000, help="timed single-image calls (default: 2000)")
    args = parser.parse_args()

    (x_train, _), (x_test, y_test) = load_mnist()
    images = to_model_input(x_test)
    calibration = to_model_input(x_train[:: len(x_train) // CALIBRATION_IMAGES])
    reference = None
    for kind in ("float32", "dynamic-range int8", "float16 weights", "full int8"):
        flatbuffer = quantized(args.model_dir, kind, calibration)
        run = Interpreter(model_content=flatbuffer).get_signature_runner("serving_default")
        probabilities = np.concatenate([run(**{INPUT_NAME: images[i:i + 1000]})[OUTPUT_NAME]
                                        for i in range(0, len(images), 1000)])
        reference = probabilities if reference is None else reference
        single = measure(lambda: run(**{INPUT_NAME: images[:1]}), args.repeats)
        print(f"{kind:>18}: {len(flatbuffer) / 1e3:.0f} kB, MNIST test {np.mean(probabilities.argmax(1) == y_test):.2%}, "
              f"{np.sum(probabilities.argmax(1) != reference.argmax(1))} top-1 answers differ from float32, "
              f"max |Δp| {np.max(np.abs(probabilities - reference)):.4f}, single image {summary(single)}")


if __name__ == "__main__":
    main()
