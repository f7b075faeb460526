"""The three runtimes side by side: single-image latency, batch throughput, import + load time, installed size.

    python -m benchmarks.bench_runtimes [--model-dir saved_model] [--repeats 2000] [--starts 3]

Every runtime is measured in this one run, through the same Classifier, so their ratios hold even
when the machine is shared. Import + load is timed in a fresh interpreter: `from lenet.inference
import Classifier`, loading the file and the first answer.
"""

import argparse
import os
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np
from packaging.requirements import Requirement

from benchmarks.timing import measure, summary
from lenet.config import (
    DEFAULT_MODEL_DIR,
    ONNX_FILENAME,
    PROJECT_ROOT,
    RUNTIMES,
    TFLITE_FILENAME,
)
from lenet.inference import Classifier
from lenet.train.data import load_mnist
from lenet.train.pipeline import to_model_input

# The pip package each runtime needs (the first one installed of the names given).
RUNTIME_PACKAGES = {"savedmodel": ("tensorflow-cpu", "tensorflow"), "litert": ("ai-edge-litert",),
                    "onnx": ("onnxruntime",)}
BATCH_SIZE = 1000

FIRST_ANSWER = """
import sys, time
started = time.perf_counter()
from lenet.inference import Classifier
Classifier(sys.argv[1], sys.argv[2]).predict([[0.0] * 28] * 28)
print(time.perf_counter() - started)
"""


def start_seconds(model_dir, runtime, starts):
    """Median seconds of `starts` fresh interpreters importing, loading and answering once."""
    seconds = []
    for _ in range(starts):
        result = subprocess.run([sys.executable, "-c", FIRST_ANSWER, str(model_dir), runtime], cwd=PROJECT_ROOT,
                                capture_output=True, text=True, check=True,
                                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        seconds.append(float(result.stdout.split()[-1]))
    return float(np.median(seconds))


def installed_megabytes(names):
    """(the package alone, with everything it requires) in MB of installed files; shared ones count too."""
    name = next(name for name in names if _installed(name))
    seen, pending = set(), [name]
    while pending:
        current = pending.pop()
        key = current.lower().replace("_", "-")
        if key in seen or not _installed(current):
            continue
        seen.add(key)
        for line in metadata.requires(current) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return _megabytes(name), sum(_megabytes(package) for package in seen)


def _installed(name):
    try:
        metadata.distribution(name)
        return True
    except metadata.PackageNotFoundError:
        return False


def _megabytes(name):
    files = metadata.distribution(name).files or []
    return sum(file.locate().stat().st_size for file in files if file.locate().is_file()) / 1e6


def model_megabytes(model_dir, runtime):
    """Size of what the runtime reads: the SavedModel (without the Keras file, exports, report) or one file."""
    if runtime == "litert":
        return (model_dir / TFLITE_FILENAME).stat().st_size / 1e6
    if runtime == "onnx":
        return (model_dir / ONNX_FILENAME).stat().st_size / 1e6
    files = [model_dir / "saved_model.pb", model_dir / "fingerprint.pb", *(model_dir / "variables").iterdir()]
    return sum(file.stat().st_size for file in files if file.is_file()) / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default=str(DEFAULT_MODEL_DIR),
                        help="folder with the SavedModel, lenet5.tflite and lenet5.onnx (default: saved_model)")
    parser.add_argument("--repeats", type=int, default=2000, help="timed single-image calls per runtime (default: 2000)")
    parser.add_argument("--starts", type=int, default=3, help="fresh interpreters timed per runtime (default: 3)")
    args = parser.parse_args()
    model_dir = Path(args.model_dir)

    _, (x_test, y_test) = load_mnist()
    images = to_model_input(x_test)
    one = images[0, ..., 0]
    print(f"{os.cpu_count()} CPUs; single image: {args.repeats} calls; batch: 10,000 MNIST test images in "
          f"batches of {BATCH_SIZE}, best of 5; start: median of {args.starts} fresh interpreters.\n")
    for runtime in RUNTIMES:
        classifier = Classifier(model_dir, runtime)
        single = measure(lambda: classifier.predict(one), args.repeats)
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            probabilities = np.concatenate([classifier.predict_batch(images[i:i + BATCH_SIZE])
                                            for i in range(0, len(images), BATCH_SIZE)])
            runs.append(time.perf_counter() - started)
        accuracy = np.mean(probabilities.argmax(axis=1) == y_test)
        alone, with_dependencies = installed_megabytes(RUNTIME_PACKAGES[runtime])
        print(f"{runtime}:\n"
              f"  single image         {summary(single)}\n"
              f"  batch throughput     {len(images) / min(runs):,.0f} images/s (accuracy {accuracy:.2%})\n"
              f"  import + load + 1st  {start_seconds(model_dir, runtime, args.starts):.2f} s\n"
              f"  installed            {alone:.0f} MB ({with_dependencies:.0f} MB with its dependencies); "
              f"model {model_megabytes(model_dir, runtime):.2f} MB")


if __name__ == "__main__":
    main()
