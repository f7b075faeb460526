"""Classifier speed: single-image latency next to model.predict, and batch throughput on MNIST test.

    python -m benchmarks.bench_classifier [--model-dir saved_model] [--repeats 2000]
"""

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np

from benchmarks.timing import measure, summary
from lenet.config import DEFAULT_MODEL_DIR, KERAS_FILENAME
from lenet.inference import Classifier
from lenet.train.data import load_mnist
from lenet.train.pipeline import to_model_input


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default=str(DEFAULT_MODEL_DIR), help="SavedModel folder (default: saved_model)")
    parser.add_argument("--repeats", type=int, default=2000, help="timed single-image calls (default: 2000)")
    args = parser.parse_args()

    _, (x_test, y_test) = load_mnist()
    images = to_model_input(x_test)
    classifier = Classifier(args.model_dir)
    keras_model = keras.models.load_model(Path(args.model_dir) / KERAS_FILENAME)
    one = images[0, ..., 0]

    ours = measure(lambda: classifier.predict(one), args.repeats)
    # model.predict is far slower; fewer calls give a stable median.
    theirs = measure(lambda: keras_model.predict(one[np.newaxis, ..., np.newaxis], verbose=0), 200, warmup=5)
    print(f"single image, Classifier.predict : {summary(ours)}")
    print(f"single image, keras model.predict: {summary(theirs)}")
    print(f"model.predict / Classifier (p50) : {np.median(theirs) / np.median(ours):.0f}x")

    for batch_size in (1000, 10000):
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            probabilities = np.concatenate([
                classifier.predict_batch(images[i:i + batch_size]) for i in range(0, len(images), batch_size)
            ])
            runs.append(time.perf_counter() - started)
        accuracy = np.mean(probabilities.argmax(axis=1) == y_test)
        print(f"batch throughput (batches of {batch_size:>5}): {len(images) / min(runs):,.0f} images/s "
              f"(best of 5; accuracy {accuracy:.2%})")


if __name__ == "__main__":
    main()
