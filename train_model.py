"""Train LeNet-5 on MNIST and pen-drawn digits; export a SavedModel, replacing --output only on success.

    python train_model.py                      # the committed model's recipe
    python train_model.py --no-pen-data        # MNIST alone (the recipe before pen data)
    python train_model.py --limit 2000 --epochs 1 --output /tmp/smoke_model   # seconds
    python train_model.py --tune 6 --epochs 15 # search the recipe, then train and export the best
    python train_model.py --init-from saved_model --extra-data corrections   # learn your corrections
    python train_model.py --export-only --init-from saved_model   # rewrite every format, no training
"""

import argparse
import datetime
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # Keep TensorFlow's start-up chatter out of the log.

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from lenet.atomic import OutputNotWritableError, atomic_directory  # noqa: E402
from lenet.config import DEFAULT_MODEL_DIR, METADATA_FILENAME, PROJECT_ROOT  # noqa: E402
from lenet.data import MnistFormatError, dataset_checksums, default_data_dir, load_mnist  # noqa: E402
from lenet.export import KERAS_FILENAME, ExportError, export_again, export_and_check  # noqa: E402
from lenet.export_check import ExportCheckError  # noqa: E402
from lenet.pen_render import DEFAULT_STYLE, render_digits  # noqa: E402
from lenet.pendigits import (  # noqa: E402
    PenDigitsFormatError,
    WriterSplitError,
    default_pen_data_dir,
    keep_writers,
    load_pendigits,
    writer_split,
)
from lenet.selection import KeepBestOnBothPopulations  # noqa: E402
from lenet.extra_data import ExtraDataError, load_labelled_folders, oversample  # noqa: E402
from lenet.inference import ModelLoadError  # noqa: E402
from lenet.model import VARIANTS, build_model  # noqa: E402
from lenet.report import write_training_report  # noqa: E402
from lenet.scans import SIDES as SCAN_SIDES, THRESHOLDED_SHARE, scan_copies, with_scan_copies  # noqa: E402
from lenet.stopping import stop_training_on_signals  # noqa: E402
from lenet.training import (  # noqa: E402
    as_app_sees_them,
    compile_for_training,
    evaluation_dataset,
    split_validation,
    to_model_input,
    training_dataset,
)
from lenet.tuning import (  # noqa: E402
    SUMMARY_MARKDOWN,
    PenSearchData,
    SearchError,
    best_hyperparameters,
    search,
    search_metadata,
    summary_table,
    write_summary,
)

# Defaults of the committed model's recipe; each flag's help repeats its default.
EPOCHS = 30
BATCH_SIZE = 128
LEARNING_RATE = 2e-3  # Peak of the cosine decay.
SEED = 1
VARIANT = "modern"
AUGMENT_STRENGTH = 1.0  # Scales every distortion range in lenet/augment.py.
# Fine-tuning (--init-from) starts from trained weights: fewer epochs, a gentler learning rate.
FINE_TUNE_EPOCHS = 3
FINE_TUNE_LEARNING_RATE = 2e-4
VALIDATION_FRACTION = 1 / 12  # 5,000 of the 60,000 training images; the test set is never used to choose.
# Pen-drawn digits (UCI pendigits, 30 writers) teach styles MNIST's US writers rarely use.
PEN_SHARE = 0.15  # Of every batch: the most that keeps MNIST test at 99.4 % (README, Retraining).
PEN_VARIANTS = 4  # Drawings of each trajectory, each with its own brush, size, slant and place.
PEN_VALIDATION_WRITERS = 5  # Whole writers held out, never random samples.
PEN_BRUSH = DEFAULT_STYLE.brushes  # Brush diameter as a fraction of the digit's height.
# Training drawings' strokes are bent smoothly (up to about this share of the digit's size) and a
# digit's strokes moved apart a little: 25 writers' hands made more varied, which reads held-out
# writers better (README, Retraining). Validation drawings stay as drawn.
PEN_WOBBLE = 0.08
PEN_STROKE_SHIFT = 0.03
# Copies of this share of the MNIST training digits, and of the pen drawings, stored as scanned sets
# store digits (lenet/scans.py: the ink box stretched to a small square), teach the shapes of scans
# that users upload (README, Retraining).
MNIST_SCANS = 0.10
PEN_SCANS = 0.25
TUNE_DIR = PROJECT_ROOT / "tuning"  # Git-ignored; keeps searches resumable.
# What --tune searches, starting from this recipe; flags that set these by hand are ignored then.
RECIPE = {"variant": VARIANT, "learning_rate": LEARNING_RATE, "batch_size": BATCH_SIZE,
          "augment_strength": AUGMENT_STRENGTH}


def positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def positive_float(text):
    value = float(text)
    if not np.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def non_negative_float(text):
    value = float(text)
    if not np.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or a positive number, got {text}")
    return value


def fraction(text):
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {text}")
    return value


def writer_ids(text):
    try:
        return [positive_int(part) for part in text.split(",")]
    except (ValueError, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError(f"must be writer ids separated by commas, like 3,7,12; got {text}") from None


def existing_dir(text):
    if not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"folder {text} does not exist")
    return text


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Train LeNet-5 on MNIST and export a SavedModel.")
    parser.add_argument("--epochs", type=positive_int, default=None,
                        help=f"passes over the training set; with --tune, the most a trial may use "
                             f"(trials choose between a third of it and all of it) "
                             f"(default: {EPOCHS}; {FINE_TUNE_EPOCHS} with --init-from)")
    parser.add_argument("--batch-size", type=positive_int, default=BATCH_SIZE,
                        help=f"images per training step (default: {BATCH_SIZE})")
    parser.add_argument("--learning-rate", type=positive_float, default=None,
                        help=f"Adam's initial learning rate, cosine-decayed to 1%% "
                             f"(default: {LEARNING_RATE}; {FINE_TUNE_LEARNING_RATE} with --init-from)")
    parser.add_argument("--seed", type=int, default=SEED,
                        help=f"seed for weights, shuffling, validation split and augmentation (default: {SEED})")
    parser.add_argument("--variant", choices=VARIANTS, default=VARIANT,
                        help="modern: ReLU + max pooling; classic: tanh + average pooling as in 1998 "
                             "(default: modern)")
    parser.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True,
                        help="distort training digits like handwriting varies: rotation, scale, "
                             "shear, shift, stroke width (default: on)")
    parser.add_argument("--augment-strength", type=non_negative_float, default=AUGMENT_STRENGTH,
                        help=f"multiplier on every augmentation range (default: {AUGMENT_STRENGTH})")
    parser.add_argument("--data-dir", type=existing_dir, default=None,
                        help="folder with the four MNIST IDX .gz files or mnist.npz (default: $MNIST_DIR, "
                             "else ../shared/mnist if present, else Keras's download)")
    parser.add_argument("--pen-data", type=existing_dir, default=None, metavar="DIR",
                        help="folder with pendigits-orig.tra[.gz|.Z], pen trajectories drawn in training "
                             "as a person draws in the app (default: ../shared/pendigits if present, "
                             "else downloaded from UCI once)")
    parser.add_argument("--no-pen-data", action="store_true",
                        help="train on MNIST alone (with --mnist-scans 0 too: the recipe before pen data) "
                             "(default: off)")
    parser.add_argument("--pen-share", type=fraction, default=PEN_SHARE,
                        help=f"share of every batch that is pen drawings (default: {PEN_SHARE})")
    parser.add_argument("--pen-variants", type=positive_int, default=PEN_VARIANTS,
                        help=f"drawings made of each training trajectory, each with its own brush, "
                             f"size, slant and position (default: {PEN_VARIANTS})")
    parser.add_argument("--pen-brush", type=positive_float, nargs=2, default=PEN_BRUSH, metavar=("MIN", "MAX"),
                        help=f"brush diameter range, as a fraction of the digit's height "
                             f"(default: {PEN_BRUSH[0]} {PEN_BRUSH[1]})")
    parser.add_argument("--pen-wobble", type=fraction, default=PEN_WOBBLE,
                        help=f"smooth random bending of the training drawings' strokes, as a fraction "
                             f"of the digit's size; 0 draws them as written (default: {PEN_WOBBLE})")
    parser.add_argument("--pen-stroke-shift", type=fraction, default=PEN_STROKE_SHIFT,
                        help=f"random offset of each stroke of a several-stroke digit, as a fraction of "
                             f"its size (default: {PEN_STROKE_SHIFT})")
    parser.add_argument("--mnist-scans", type=fraction, default=MNIST_SCANS,
                        help=f"add copies of this share of the MNIST training digits stored as scanned sets "
                             f"store them, the ink box stretched to a 12-20 px square; 0 adds none "
                             f"(default: {MNIST_SCANS})")
    parser.add_argument("--pen-scans", type=fraction, default=PEN_SCANS,
                        help=f"the same for this share of the pen training drawings (default: {PEN_SCANS})")
    parser.add_argument("--pen-validation-writers", type=positive_int, default=PEN_VALIDATION_WRITERS,
                        help=f"pen writers held out whole for validation and model selection "
                             f"(default: {PEN_VALIDATION_WRITERS})")
    parser.add_argument("--pen-held-out-writers", type=writer_ids, metavar="W,W,...",
                        help="hold out these pen writers (ids 1-30, comma-separated) instead of "
                             "--pen-validation-writers picked at random: benchmarks/bench_pen_writers.py "
                             "holds out each group of writers in turn")
    parser.add_argument("--pen-training-writers", type=positive_int, default=None, metavar="N",
                        help="train on N of the pen writers not held out, picked at random with --seed: how "
                             "the held-out writers' figure grows with the number of writers (default: all)")
    parser.add_argument("--output", default=str(DEFAULT_MODEL_DIR),
                        help="SavedModel folder, replaced only if training succeeds (default: saved_model)")
    parser.add_argument("--limit", type=positive_int, default=None,
                        help="train on the first N training images (and pen trajectories) only, "
                             "for smoke tests (default: all)")
    parser.add_argument("--extra-data", action="append", type=existing_dir, default=[], metavar="DIR",
                        help="also train on the drawings in DIR/<digit>/*.png (28x28, as the app saves "
                             "corrections), repeated to a tenth of each epoch; may be given more than once "
                             "(default: none)")
    parser.add_argument("--init-from", type=existing_dir, default=None, metavar="PATH",
                        help=f"fine-tune the model in PATH (a folder written by this script, holding "
                             f"{KERAS_FILENAME}) instead of starting from random weights (default: off)")
    parser.add_argument("--tune", type=positive_int, default=None, metavar="N",
                        help="first search N recipes with Keras Tuner (Bayesian optimization over variant, "
                             "learning rate, batch size, epochs up to --epochs, augmentation strength and, "
                             "with pen data, pen share and brush range; scored by validation accuracy, with "
                             "pen data the mean of MNIST's and the held-out pen writers'), then train and "
                             "export the best one; about N plain runs of time (default: off)")
    parser.add_argument("--tune-dir", default=str(TUNE_DIR),
                        help="where --tune keeps its trials; the same folder and flags resume an interrupted "
                             "search without redoing finished trials (default: tuning)")
    parser.add_argument("--export-only", action="store_true",
                        help="train nothing: write the --init-from model again in every format (SavedModel, "
                             "LiteRT, ONNX), check the exports and keep its metadata and report (default: off)")
    args = parser.parse_args(argv)
    fine_tuning = args.init_from is not None
    if args.epochs is None:
        args.epochs = FINE_TUNE_EPOCHS if fine_tuning else EPOCHS
    if args.learning_rate is None:
        args.learning_rate = FINE_TUNE_LEARNING_RATE if fine_tuning else LEARNING_RATE
    if fine_tuning and not (Path(args.init_from) / KERAS_FILENAME).is_file():
        parser.error(f"--init-from {args.init_from} has no {KERAS_FILENAME}: pass a folder written by this script")
    if fine_tuning and args.tune:
        parser.error("--tune searches from scratch; it cannot be combined with --init-from")
    if args.no_pen_data and args.pen_data:
        parser.error("--pen-data and --no-pen-data contradict each other; pass one")
    if args.pen_brush[0] > args.pen_brush[1]:
        parser.error(f"--pen-brush MIN MAX: MIN {args.pen_brush[0]} is above MAX {args.pen_brush[1]}")
    if args.export_only and (not fine_tuning or args.tune or args.extra_data):
        parser.error("--export-only needs --init-from PATH and cannot be combined with --tune or --extra-data")
    args.pen_brush = tuple(args.pen_brush)  # As PEN_BRUSH, so --tune can tell a value given from the default.
    if args.extra_data and args.tune:
        parser.error("--tune searches a recipe for training from scratch; it cannot be combined with --extra-data")
    output = Path(args.output)
    if output.exists() and not _is_replaceable(output):
        parser.error(f"--output {output} exists and is not a SavedModel folder; refusing to replace it")
    return args


def _is_replaceable(output):
    """Only an empty folder or a previous SavedModel may be replaced by a training run."""
    return output.is_dir() and (not any(output.iterdir()) or (output / "saved_model.pb").exists())


def train(args, x_train, y_train, callbacks=(), extra=None, pen=None):
    """Fit LeNet-5 (fresh, or from --init-from), on MNIST plus `extra` (images, labels) if given,
    with pen drawings (a PenData) mixed into every batch if given.

    Returns (model, history dict, seconds). Validation is on held-out MNIST, and with pen data also
    on the held-out pen writers; the model returned is then the epoch best on both.
    """
    (x_fit, y_fit), (x_val, y_val) = split_validation(x_train, y_train, VALIDATION_FRACTION, args.seed)
    mnist_count = len(x_fit)
    x_fit, y_fit = with_scans(x_fit, y_fit, args, pen)
    scan_count = len(x_fit) - mnist_count
    if extra is not None:
        extra_images, extra_labels = oversample(*extra, base_count=len(x_fit), seed=args.seed)
        x_fit, y_fit = np.concatenate([x_fit, extra_images]), np.concatenate([y_fit, extra_labels])
    steps_per_epoch = max(1, len(x_fit) // args.batch_size)
    model = load_initial_model(args)
    compile_for_training(model, args.learning_rate, steps_per_epoch * args.epochs)
    strength = args.augment_strength if args.augment else 0.0
    print(f"LeNet-5 ({args.variant}{', fine-tuned from ' + args.init_from if args.init_from else ''}): "
          f"{model.count_params():,} parameters; training on {len(x_fit):,} images"
          f"{f' ({scan_count:,} of them scan copies)' if scan_count else ''}"
          f"{f' ({len(extra[1]):,} extra, repeated)' if extra is not None else ''}, "
          f"validating on {len(x_val):,}.")
    selection = None
    if pen is not None:
        selection = KeepBestOnBothPopulations(*pen.validation)
        callbacks = [*callbacks, selection]
        print(f"Pen drawings: {args.pen_share:.0%} of every batch, from {len(pen.train[1]):,} drawings "
              f"of {len(pen.training_writers)} writers; validating on {len(pen.validation[1]):,} drawings "
              f"of writers {', '.join(map(str, pen.validation_writers))}.")
    started = time.perf_counter()
    with stop_training_on_signals() as stop_on_signal:
        history = model.fit(
            training_dataset(x_fit, y_fit, args.batch_size, args.seed, strength,
                             pen=pen.train if pen is not None else None, pen_share=args.pen_share),
            steps_per_epoch=steps_per_epoch,
            epochs=args.epochs,
            validation_data=evaluation_dataset(x_val, y_val),
            shuffle=False,  # The pipeline shuffles, with the seed.
            callbacks=[stop_on_signal, *callbacks],
            verbose=1 if sys.stdout.isatty() else 2,
        )
    seconds = time.perf_counter() - started
    if selection is not None:
        print(f"Kept epoch {selection.best[1]} of {args.epochs}, the best on MNIST validation and held-out "
              f"pen writers together ({selection.best[0]:.4%}).")
    return model, history.history, seconds


@dataclass(frozen=True)
class PenData:
    """Pen drawings as to_mnist makes them, split by writer, and where they came from."""

    train: tuple  # (uint8 (N, 28, 28), uint8 (N,)), args.pen_variants drawings per trajectory
    validation: tuple  # one drawing per trajectory of the held-out writers
    training_writers: list
    validation_writers: list
    source: dict  # for metadata.json
    trajectories: tuple  # The training writers' PenDigits, for --tune to draw with other brushes.


def load_pen_data(args):
    """Load, split by writer and draw the pen digits for args; None with --no-pen-data."""
    if args.no_pen_data:
        return None
    folder = default_pen_data_dir(args.pen_data)
    print(f"Drawing pen digits from {folder or 'the UCI download'} ...", flush=True)
    started = time.perf_counter()
    digits = load_pendigits(args.pen_data)
    if args.limit:
        digits = replace(digits, digits=digits.digits[: args.limit])  # The file mixes writers and digits.
    held_out_writers = args.pen_held_out_writers or args.pen_validation_writers
    train_indices, validation_indices, held_out = writer_split(digits, held_out_writers, args.seed)
    if args.pen_training_writers:
        train_indices, _ = keep_writers(digits, train_indices, args.pen_training_writers, args.seed)
    pick = lambda indices: [digits.digits[index] for index in indices]  # noqa: E731
    trajectories = tuple(pick(train_indices))
    train = draw_pen_training(trajectories, args, args.pen_brush)
    validation = draw_pen_validation(pick(validation_indices), args.seed)
    writers = sorted(set(digits.writers[train_indices].tolist()))
    print(f"Drew {len(train[1]) + len(validation[1]):,} pen digits in {time.perf_counter() - started:.0f} s.")
    source = {"file": digits.name, "md5": digits.md5,
              "origin": _relative_name(folder) if folder else "UCI download (Keras cache)",
              "training_writers": writers, "validation_writers": held_out,
              "variants": args.pen_variants, "share": args.pen_share, "brush": list(args.pen_brush),
              "wobble": args.pen_wobble, "stroke_shift": args.pen_stroke_shift, "scan_copies": args.pen_scans}
    return PenData(train, validation, writers, held_out, source, trajectories)


def with_scans(x_fit, y_fit, args, pen):
    """MNIST training digits plus scan copies of args.mnist_scans of them and of args.pen_scans of the
    pen training drawings (lenet/scans.py). The copies join MNIST's side of every batch, so
    --pen-share stays the share of pen drawings as drawn."""
    started = time.perf_counter()
    images, labels = with_scan_copies(x_fit, y_fit, args.mnist_scans, args.seed)
    if pen is not None and args.pen_scans > 0:
        pen_images, pen_labels = scan_copies(*pen.train, args.pen_scans, args.seed + 1)
        images, labels = np.concatenate([images, pen_images]), np.concatenate([labels, pen_labels])
    if len(images) > len(x_fit):
        print(f"Made {len(images) - len(x_fit):,} scan copies in {time.perf_counter() - started:.0f} s.")
    return images, labels


def draw_pen_validation(trajectories, seed):
    """The held-out writers' drawings the trainer measures: one per trajectory, in the default style,
    so runs with other brush ranges compare fairly."""
    return render_digits(trajectories, 1, seed + 1)


def draw_pen_training(trajectories, args, brush):
    """The training drawings: args.pen_variants of each trajectory, bent and shifted as args say,
    brush diameters within `brush` (low, high)."""
    style = replace(DEFAULT_STYLE, brushes=tuple(brush), wobble=args.pen_wobble, stroke_shift=args.pen_stroke_shift)
    return render_digits(trajectories, args.pen_variants, args.seed, style)


def _relative_name(path):
    """A data folder as metadata names it: relative to the project if beside it, else its own name."""
    path = Path(path).resolve()
    if path.is_relative_to(PROJECT_ROOT.parent):
        return os.path.relpath(path, PROJECT_ROOT)
    return path.name


def load_initial_model(args):
    """A fresh LeNet-5 of args.variant, or the --init-from model (whose variant then wins)."""
    if args.init_from is None:
        return build_model(args.variant)
    model = keras.models.load_model(Path(args.init_from) / KERAS_FILENAME)
    args.variant = model.name.removeprefix("lenet5_")
    return model


def evaluate(model, x_test, y_test):
    """Return (probabilities (N, 10), accuracy) on the test set."""
    probabilities = model.predict(to_model_input(x_test), batch_size=1000, verbose=0)
    return probabilities, float(np.mean(probabilities.argmax(axis=1) == y_test))


def metadata(args, model, history, seconds, test_accuracy, app_view_accuracy, checksums, data_source,
             training_images, pen=None, pen_accuracy=None):
    # With pen data the kept epoch is the one best on both populations, not always the last.
    kept = len(history["loss"]) - 1
    if pen is not None:
        both = history["val_both_accuracy"]
        kept = len(both) - 1 - int(np.argmax(both[::-1]))  # Ties go to the later epoch, as selected.
    data = {"mnist": {"origin": _relative_name(data_source) if isinstance(data_source, Path) else data_source,
                      "md5": checksums, "scan_copies": args.mnist_scans}}
    if pen is not None:
        data["pendigits"] = pen.source
    info = {
        "model": "LeNet-5",
        "variant": args.variant,
        "parameters": int(model.count_params()),
        "test_accuracy": round(test_accuracy, 6),
        "test_accuracy_app_preprocessing": round(app_view_accuracy, 6),
        "validation_accuracy": round(float(history["val_accuracy"][kept]), 6),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "seed": args.seed,
        "augment": args.augment,
        "augment_strength": args.augment_strength if args.augment else 0.0,
        "training_images": training_images,
        "training_seconds": round(seconds, 1),
        "cpu_count": os.cpu_count(),
        "command": " ".join(["python train_model.py", *sys.argv[1:]]),
        "tensorflow_version": tf.__version__,
        "keras_version": keras.__version__,
        "python_version": platform.python_version(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "data": data,
        "scan_copies": {"square_sides": list(SCAN_SIDES), "thresholded_share": THRESHOLDED_SHARE},
    }
    if pen is not None:
        # The held-out writers are the validation writers: their accuracy is the kept epoch's.
        info.update({"validation_pen_accuracy": round(pen_accuracy, 6), "kept_epoch": kept + 1})
    return info


def tune(args, x_train, y_train):
    """Search the recipe on the validation split (and with pen data the held-out writers).

    Returns (args with the best recipe, its PenData or None with --no-pen-data, search summary).
    """
    recipe = dict(RECIPE)
    if not args.no_pen_data:
        recipe.update(pen_share=PEN_SHARE, pen_brush=tuple(PEN_BRUSH))
    ignored = [f"--{name.replace('_', '-')}" for name, default in recipe.items()
               if getattr(args, name) != default]
    if not args.augment:
        ignored.append("--no-augment")
    if ignored:
        print(f"Note: --tune searches {', '.join(ignored)}; the value given is not used.")
    (x_fit, y_fit), validation_data = split_validation(x_train, y_train, VALIDATION_FRACTION, args.seed)
    pen, pen_search = load_pen_data(argparse.Namespace(**{**vars(args), **recipe})), None
    fit_data = with_scans(x_fit, y_fit, args, pen)  # Scans of the recipe's pen drawings for every trial.
    if pen is not None:
        pen_search = PenSearchData(
            draw=lambda brush: draw_pen_training(pen.trajectories, args, brush),
            validation=pen.validation,
            fingerprint={"md5": pen.source["md5"], "trajectories": len(pen.trajectories),
                         "variants": args.pen_variants, "validation_writers": pen.validation_writers,
                         "wobble": args.pen_wobble, "stroke_shift": args.pen_stroke_shift},
            drawn={recipe["pen_brush"]: pen.train},  # load_pen_data drew the recipe's range already.
        )
    summary = search(
        fit_data, validation_data, trials=args.tune, max_epochs=args.epochs, seed=args.seed,
        directory=args.tune_dir, recipe=recipe, pen=pen_search, verbose=1 if sys.stdout.isatty() else 2,
    )
    print(summary_table(summary))
    best = best_hyperparameters(summary)
    best_args = argparse.Namespace(**{**vars(args), **best, "augment": best["augment_strength"] > 0})
    if pen is not None:
        pen = replace(pen, train=pen_search.training(best["pen_brush"]),
                      source={**pen.source, "share": best["pen_share"], "brush": list(best["pen_brush"])})
    print(f"Training the best recipe (trial {summary['trials'][0]['trial']}) as a plain run would.")
    # The final run starts from the seed, like a plain run and like the trial it repeats.
    keras.utils.set_random_seed(args.seed)
    return best_args, pen, summary


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    tf.config.experimental.enable_op_determinism()  # Same seed, same weights.
    try:
        data_source = default_data_dir(args.data_dir) or "keras.datasets.mnist.load_data()"
        dataset = load_mnist(args.data_dir)
        (x_train, y_train), (x_test, y_test) = dataset
        if args.limit:
            x_train, y_train = x_train[: args.limit], y_train[: args.limit]
        if args.export_only:
            command = " ".join(["python train_model.py", *sys.argv[1:]])
            print(export_again(args.init_from, args.output, to_model_input(x_test), y_test, command))
            print(f"Exported {args.init_from} again to {args.output}.")
            return
        with atomic_directory(args.output) as staging:
            summary = None
            if args.tune:
                args, pen, summary = tune(args, x_train, y_train)
            else:
                pen = load_pen_data(args)
            extra = load_labelled_folders(args.extra_data) if args.extra_data else None
            if extra is not None and args.init_from:
                _, before = evaluate(load_initial_model(args), *extra)
                print(f"Accuracy on the {len(extra[1]):,} extra drawings before fine-tuning: {before:.2%}.")
            model, history, seconds = train(args, x_train, y_train, extra=extra, pen=pen)
            probabilities, test_accuracy = evaluate(model, x_test, y_test)
            _, app_view_accuracy = evaluate(model, as_app_sees_them(x_test), y_test)
            print(f"Test accuracy: {test_accuracy:.4%} on {len(y_test):,} MNIST test images "
                  f"(training took {seconds:.0f} s).")
            print(f"Test accuracy through the app's preprocessing: {app_view_accuracy:.4%}.")
            pen_accuracy = None
            if pen is not None:
                _, pen_accuracy = evaluate(model, *pen.validation)
                print(f"Accuracy on the held-out pen writers ({', '.join(map(str, pen.validation_writers))}): "
                      f"{pen_accuracy:.4%} of {len(pen.validation[1]):,} drawings.")
            if extra is not None:
                _, extra_accuracy = evaluate(model, *extra)
                print(f"Accuracy on the {len(extra[1]):,} extra drawings (trained on): {extra_accuracy:.2%}.")
            exported, check = export_and_check(model, staging, to_model_input(x_test), y_test)
            print(check)
            info = metadata(args, model, history, seconds, test_accuracy, app_view_accuracy,
                            dataset_checksums(dataset), data_source, len(x_train), pen, pen_accuracy) | exported
            if extra is not None:
                info["extra_data"] = {"folders": args.extra_data, "images": len(extra[1]),
                                      "accuracy": round(extra_accuracy, 6)}
            if args.init_from:
                info["fine_tuned_from"] = str(args.init_from)
            if summary:
                info["search"] = search_metadata(summary)
                write_summary(staging, summary)
            (staging / METADATA_FILENAME).write_text(json.dumps(info, indent=2) + "\n")
            write_training_report(staging / "report", history, x_test, y_test, probabilities)
        print(f"Saved the model to {args.output} (report in {Path(args.output) / 'report'}).")
        if summary:
            print(f"Search summary in {Path(args.output) / SUMMARY_MARKDOWN}; "
                  f"trials kept in {summary['tune_dir']}.")
    except (MnistFormatError, PenDigitsFormatError, WriterSplitError, ExtraDataError, OutputNotWritableError,
            SearchError) as error:
        sys.exit(f"error: {error}")
    except (ExportError, ExportCheckError, ModelLoadError) as error:
        sys.exit(f"error: {error}\n{args.output} was left as it was.")
    except KeyboardInterrupt:
        sys.exit(f"Interrupted: {args.output} was left as it was.")
    except OSError as error:
        sys.exit(f"error: could not write the model ({error}); {args.output} was left as it was.")


if __name__ == "__main__":
    main()
