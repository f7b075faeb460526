"""Held-out pen writers, every one in turn: the committed recipe trained once per group of writers.

The trainer's own split holds out 5 of the 30 writers, and which 5 changes the figure by points
(some writers draw a 1 like a 7 or close a 9's loop to a dot). This trains the recipe of
`python train_model.py` once per group (writers 1-5, 6-10, ..., 26-30), each group held out in its
turn, and prints each group's accuracy with their mean: how the recipe reads pen writers it never
saw, over all 30 of them. As in the trainer, the held-out writers also choose the epoch kept, so
each figure is a little optimistic. About 3 min per group on 2 cores.

    python -m benchmarks.bench_pen_writers [--groups 6] [--output-dir benchmarks/results/pen_writers]
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from lenet.config import PROJECT_ROOT

WRITERS = 30  # UCI pendigits' writers, ids 1-30.
OUTPUT_DIR = PROJECT_ROOT / "benchmarks" / "results" / "pen_writers"


def writer_groups(groups):
    """Writers 1-30 in `groups` consecutive groups as even as can be: [[1, ..., 5], [6, ...], ...]."""
    bounds = [round(index * WRITERS / groups) for index in range(groups + 1)]
    return [list(range(start + 1, end + 1)) for start, end in zip(bounds, bounds[1:])]


def train_holding_out(writers, folder, extra_flags):
    """Run the trainer with `writers` held out; its metadata.json as a dict."""
    command = [sys.executable, "train_model.py", "--pen-held-out-writers", ",".join(map(str, writers)),
               "--output", str(folder), *extra_flags]
    result = subprocess.run(command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"train_model.py failed holding out writers {writers}:\n{result.stderr[-2000:]}")
    return json.loads((folder / "metadata.json").read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=6, choices=range(2, WRITERS + 1), metavar="2-30",
                        help="groups of writers, each held out once (default: 6, 5 writers each)")
    parser.add_argument("--output-dir", type=Path, default=OUTPUT_DIR,
                        help="where each group's model is written (default: benchmarks/results/pen_writers)")
    parser.add_argument("flags", nargs="*", help="more train_model.py flags after --, e.g. -- --pen-share 0.2")
    args = parser.parse_args()

    rows = []
    print(f"Training `train_model.py {' '.join(args.flags)}` once per group of held-out writers:", flush=True)
    print("\n| held-out writers | held-out pen accuracy | MNIST test | kept epoch | minutes |\n|---|---|---|---|---|",
          flush=True)
    for writers in writer_groups(args.groups):
        started = time.perf_counter()
        metadata = train_holding_out(writers, args.output_dir / f"writers_{writers[0]}-{writers[-1]}", args.flags)
        rows.append(metadata)
        print(f"| {writers[0]}-{writers[-1]} | {metadata['validation_pen_accuracy']:.2%} | "
              f"{metadata['test_accuracy']:.2%} | {metadata['kept_epoch']} | "
              f"{(time.perf_counter() - started) / 60:.1f} |", flush=True)
    pen = [row["validation_pen_accuracy"] for row in rows]
    mnist = [row["test_accuracy"] for row in rows]
    print(f"| **mean (lowest)** | **{sum(pen) / len(pen):.2%}** ({min(pen):.2%}) | "
          f"{sum(mnist) / len(mnist):.2%} ({min(mnist):.2%}) | | |")


if __name__ == "__main__":
    main()
