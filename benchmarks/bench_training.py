"""Training time per epoch on the full MNIST training set, with the trainer's own pipeline.

    python benchmarks/bench_training.py [--epochs 3] [--batch-size 128] [--no-augment]
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

import train_model  # noqa: E402
from lenet.data import load_mnist  # noqa: E402


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs to time (default: 3)")
    parser.add_argument("--batch-size", type=int, default=train_model.BATCH_SIZE,
                        help=f"(default: {train_model.BATCH_SIZE})")
    parser.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True,
                        help="(default: on)")
    args = parser.parse_args()

    (x_train, y_train), _ = load_mnist()
    trainer_args = train_model.parse_args(
        ["--epochs", str(args.epochs), "--batch-size", str(args.batch_size),
         "--augment" if args.augment else "--no-augment"]
    )
    timer = EpochTimer()
    _, _, total = train_model.train(trainer_args, x_train, y_train, callbacks=[timer])
    print(f"epoch seconds: {', '.join(f'{s:.1f}' for s in timer.seconds)}")
    steady = timer.seconds[1:] or timer.seconds
    print(f"steady epoch (after the first): {sum(steady) / len(steady):.1f} s on {os.cpu_count()} cores; "
          f"total {total:.0f} s for {args.epochs} epochs")


if __name__ == "__main__":
    main()
