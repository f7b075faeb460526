"""In-process predict (preprocessing + model) on an 800x800 sketchpad value, as the app runs it.

    python -m benchmarks.bench_predict [--repeats 2000] [--runtime litert|onnx|savedmodel]
"""

import argparse

from benchmarks.drawing import STROKES, draw_strokes, sketchpad
from benchmarks.timing import measure, summary
from lenet.config import DEFAULT_RUNTIME, RUNTIMES
from lenet.inference import Classifier
from lenet.preprocess import to_mnist
from lenet.reader import DigitReader


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2000, help="timed calls per case (default: 2000)")
    parser.add_argument("--runtime", choices=RUNTIMES, default=DEFAULT_RUNTIME,
                        help=f"the runtime serving the model (default: {DEFAULT_RUNTIME}, the app's)")
    args = parser.parse_args()

    reader = DigitReader(Classifier(runtime=args.runtime))
    seven = sketchpad(draw_strokes(STROKES["7"], brush=36))
    blank = sketchpad(draw_strokes([], brush=36))
    model_input = to_mnist(seven)

    print(f"800x800 sketchpad value, {args.repeats} calls each, served by {args.runtime}:")
    print(f"  preprocess only (to_mnist)       : {summary(measure(lambda: to_mnist(seven), args.repeats))}")
    print(f"  model only (Classifier.predict)  : "
          f"{summary(measure(lambda: reader.classifier.predict(model_input), args.repeats))}")
    print(f"  predict: preprocess + model      : {summary(measure(lambda: reader.read(seven), args.repeats))}")
    print(f"  predict on a blank canvas        : {summary(measure(lambda: reader.read(blank), args.repeats))}")


if __name__ == "__main__":
    main()
