"""In-process predict (preprocessing + model) on an 800x800 sketchpad value, as the app runs it.

    python benchmarks/bench_predict.py [--repeats 2000]
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks.timing import measure, summary  # noqa: E402
from drawing import STROKES, draw_strokes, sketchpad  # noqa: E402
from lenet.inference import Classifier  # noqa: E402
from lenet.preprocess import to_mnist  # noqa: E402
from lenet.reader import DigitReader  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2000, help="timed calls per case (default: 2000)")
    args = parser.parse_args()

    reader = DigitReader(Classifier())
    seven = sketchpad(draw_strokes(STROKES["7"], brush=36))
    blank = sketchpad(draw_strokes([], brush=36))
    model_input = to_mnist(seven)

    print(f"800x800 sketchpad value, {args.repeats} calls each:")
    print(f"  preprocess only (to_mnist)       : {summary(measure(lambda: to_mnist(seven), args.repeats))}")
    print(f"  model only (Classifier.predict)  : "
          f"{summary(measure(lambda: reader.classifier.predict(model_input), args.repeats))}")
    print(f"  predict: preprocess + model      : {summary(measure(lambda: reader.read(seven), args.repeats))}")
    print(f"  predict on a blank canvas        : {summary(measure(lambda: reader.read(blank), args.repeats))}")


if __name__ == "__main__":
    main()
