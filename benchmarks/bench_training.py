"""How long the training command takes, run as a user runs it: each epoch and the whole run.

    python -m benchmarks.bench_training                       # the committed recipe, all data
    python -m benchmarks.bench_training -- --epochs 3 --no-pen-data --mnist-scans 0

Any flags after -- go to train_model.py; the model is written to a temporary folder.
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lenet.config import METADATA_FILENAME, PROJECT_ROOT

# Keras's per-epoch line at verbose=2 (the trainer's mode when its output is not a terminal):
# "469/469 - 12s - 25ms/step - accuracy: ...". Steps times the time per step is finer than its
# whole seconds.
EPOCH_LINE = re.compile(r"^\s*(\d+)/\d+ - \d+s - (\d+)(ms|us|s)/step")
SECONDS_PER = {"s": 1, "ms": 1e-3, "us": 1e-6}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("flags", nargs="*", help="train_model.py flags after --, e.g. -- --epochs 3")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "model"
        command = [sys.executable, "train_model.py", *args.flags, "--output", str(output)]
        started = time.perf_counter()
        result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(f"train_model.py failed:\n{result.stderr[-2000:]}")
        metadata = json.loads((output / METADATA_FILENAME).read_text())
    epochs = [int(match.group(1)) * int(match.group(2)) * SECONDS_PER[match.group(3)]
              for line in result.stdout.splitlines() if (match := EPOCH_LINE.match(line))]
    steady = epochs[1:] or epochs
    print(f"`python train_model.py {' '.join(args.flags)}` on {metadata['cpu_count']} cores:")
    print(f"  epoch seconds: {', '.join(f'{s:.1f}' for s in epochs)}; steady epoch (after the first) "
          f"{sum(steady) / max(1, len(steady)):.1f} s")
    print(f"  fit {metadata['training_seconds']:.0f} s; whole command {wall:.0f} s (data, drawing, fit, export, check)")
    print(f"  MNIST test {metadata['test_accuracy']:.2%}"
          + (f", held-out pen writers {metadata['validation_pen_accuracy']:.2%}"
             if "validation_pen_accuracy" in metadata else ""))


if __name__ == "__main__":
    main()
