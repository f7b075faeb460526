"""Ensemble benchmark: would averaging a few LeNet-5s read people better, and what would it cost?

The members are the committed model and the committed recipe trained again with other seeds (the
same held-out pen writers, so none of them saw those writers). Prints each member's accuracy and
the average of their probabilities on MNIST test and on the held-out pen writers' drawings (the
1,250 drawings the trainer measures the committed model on), then what one image costs through one
SavedModel signature against all of them averaged in one tf.function. Trains each missing member
once into --output-dir (about 3.5 min each on 2 cores).

    python -m benchmarks.bench_ensemble [--seeds 2,3] [--repeats 2000]
"""

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from lenet.tensorflow_import import import_tensorflow

# Before anything else imports it: as the app does, oneDNN's custom operations off, so one image
# costs here what it costs in the app (train_model, imported below, would import it with them on).
tf = import_tensorflow()

import numpy as np  # noqa: E402

from benchmarks.bench_pen_writers import train_holding_out  # noqa: E402
from benchmarks.timing import measure, summary  # noqa: E402
from lenet.config import DEFAULT_MODEL_DIR, PROJECT_ROOT  # noqa: E402
from lenet.inference import Classifier  # noqa: E402
from lenet.train.data import load_mnist  # noqa: E402
from lenet.train.pendigits import load_pendigits, writer_split  # noqa: E402
from lenet.train.recipe import PEN_VALIDATION_WRITERS, SEED, draw_pen_validation  # noqa: E402

OUTPUT_DIR = PROJECT_ROOT / "benchmarks" / "results" / "ensemble"


def held_out_pen_drawings():
    """The trainer's default held-out writers and their validation drawings, as `python train_model.py` draws them."""
    pen = load_pendigits()
    _, validation, writers = writer_split(pen, PEN_VALIDATION_WRITERS, SEED)
    images, labels = draw_pen_validation([pen.digits[index] for index in validation], SEED)
    return writers, images / np.float32(255), labels


def members(seeds, writers, output_dir):
    """{name: model folder}: the committed model, then the recipe with each seed, trained if absent."""
    folders = {f"committed (seed {SEED})": DEFAULT_MODEL_DIR}
    for seed in seeds:
        folder = output_dir / f"seed_{seed}"
        if not (folder / "saved_model.pb").is_file():
            print(f"Training `train_model.py --seed {seed} --pen-held-out-writers {','.join(map(str, writers))}` ...",
                  flush=True)
            train_holding_out(writers, folder, ["--seed", str(seed)])
        folders[f"seed {seed}"] = folder
    return folders


def averaged_call(folders):
    """(one-model call, ensemble call) on a (1, 28, 28, 1) float32 image, each as the app would make it."""
    # The loaded objects own the weights: the calls below refer to them, not to bare signatures.
    loaded = [tf.saved_model.load(str(folder)) for folder in folders]
    (input_name,) = loaded[0].signatures["serving_default"].structured_input_signature[1]
    (output_name,) = loaded[0].signatures["serving_default"].structured_outputs

    def probabilities(model, images):
        return model.signatures["serving_default"](**{input_name: images})[output_name]

    @tf.function(input_signature=[tf.TensorSpec((None, 28, 28, 1), tf.float32)])
    def ensemble(images):
        return tf.add_n([probabilities(model, images) for model in loaded]) / len(loaded)

    image = tf.constant(np.zeros((1, 28, 28, 1), np.float32))
    return (lambda: probabilities(loaded[0], image).numpy()), (lambda: ensemble(image).numpy())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="2,3", help="seeds of the other members (default: 2,3)")
    parser.add_argument("--output-dir", type=Path, default=OUTPUT_DIR,
                        help="where the other members are trained (default: benchmarks/results/ensemble)")
    parser.add_argument("--repeats", type=int, default=2000, help="timed single-image calls (default: 2000)")
    args = parser.parse_args()

    writers, pen_images, pen_labels = held_out_pen_drawings()
    folders = members([int(seed) for seed in args.seeds.split(",")], writers, args.output_dir)
    _, (x_test, y_test) = load_mnist()
    classifiers = {name: Classifier(folder) for name, folder in folders.items()}
    probabilities = {name: (classifier.predict_batch(x_test / np.float32(255)), classifier.predict_batch(pen_images))
                     for name, classifier in classifiers.items()}
    average = tuple(sum(pair[kind] for pair in probabilities.values()) / len(probabilities) for kind in (0, 1))

    print(f"\n| model | MNIST test | held-out pen writers {','.join(map(str, writers))} ({len(pen_labels)}) |")
    print("|---|---|---|")
    for name, (mnist, pen) in [*probabilities.items(), (f"average of all {len(folders)}", average)]:
        print(f"| {name} | {np.mean(mnist.argmax(1) == y_test):.2%} | {np.mean(pen.argmax(1) == pen_labels):.2%} |")

    single, ensemble = averaged_call(list(folders.values()))
    print(f"\nOne image, SavedModel signature, {args.repeats} calls:")
    print(f"  {'one model':18s}: {summary(measure(single, args.repeats))}")
    print(f"  {f'{len(folders)} models averaged':18s}: {summary(measure(ensemble, args.repeats))}")


if __name__ == "__main__":
    main()
