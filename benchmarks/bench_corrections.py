"""Before/after: teach the model one writer's handwriting with corrections, measure on new drawings.

The "writer" draws every digit tilted by about 30 degrees (a tablet held at an angle), a style
MNIST has few of. 30 drawings per digit are saved as corrections, exactly as the app's /correct
does; 20 more per digit, drawn separately, are held out. The committed model is fine-tuned with
`train_model.py --init-from saved_model --extra-data <corrections>` and both models are scored on
the held-out drawings (and MNIST test, from the trainer's own output).

    python -m benchmarks.bench_corrections [--epochs 3] [--tilt 30]
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.drawing import WRITER, writer_drawing
from lenet.config import DEFAULT_MODEL_DIR, PROJECT_ROOT
from lenet.inference import Classifier
from lenet.preprocess import to_mnist
from lenet.web.corrections import save_correction


def drawings(count_per_digit, tilt, seed):
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for digit in WRITER:
        for _ in range(count_per_digit):
            images.append(to_mnist(writer_drawing(digit, tilt, rng)))
            labels.append(int(digit))
    return np.stack(images), np.array(labels)


def accuracy(model_dir, images, labels):
    return float(np.mean(Classifier(model_dir).predict_batch(images).argmax(axis=1) == labels))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="fine-tuning epochs (default: 3)")
    parser.add_argument("--tilt", type=float, default=30.0, help="the writer's tilt in degrees (default: 30)")
    args = parser.parse_args()

    corrections, correction_labels = drawings(30, args.tilt, seed=1)
    held_out, held_out_labels = drawings(20, args.tilt, seed=2)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for image, label in zip(corrections, correction_labels):
            save_correction(image, str(label), folder / "corrections")
        command = [sys.executable, "train_model.py", "--init-from", str(DEFAULT_MODEL_DIR),
                   "--extra-data", str(folder / "corrections"), "--epochs", str(args.epochs),
                   "--output", str(folder / "finetuned")]
        print("$", " ".join(command[1:]))
        result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
        if result.returncode:
            sys.exit(f"fine-tuning failed:\n{result.stdout}\n{result.stderr}")
        print("\n".join(line for line in result.stdout.splitlines() if "accuracy" in line.lower()
                        and "val_" not in line))
        before = accuracy(DEFAULT_MODEL_DIR, held_out, held_out_labels)
        after = accuracy(folder / "finetuned", held_out, held_out_labels)
    print(f"held-out drawings of the writer ({len(held_out_labels)}): before {before:.1%}, after {after:.1%}")


if __name__ == "__main__":
    main()
