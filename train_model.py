"""Train LeNet-5 on MNIST and pen-drawn digits; export a SavedModel, replacing --output only on success.

    python train_model.py                      # the committed model's recipe
    python train_model.py --no-pen-data        # MNIST alone (the recipe before pen data)
    python train_model.py --limit 2000 --epochs 1 --output /tmp/smoke_model   # half a minute
    python train_model.py --tune 6 --epochs 15 # search the recipe, then train and export the best
    python train_model.py --init-from saved_model --extra-data corrections   # learn your corrections
    python train_model.py --export-only --init-from saved_model   # rewrite every format, no training
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from lenet.config import DEFAULT_MODEL_DIR, KERAS_FILENAME, VARIANTS
from lenet.tensorflow_import import import_tensorflow, without_harmless_errors
from lenet.train import recipe


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
                             f"(default: {recipe.EPOCHS}; {recipe.FINE_TUNE_EPOCHS} with --init-from)")
    parser.add_argument("--batch-size", type=positive_int, default=recipe.BATCH_SIZE,
                        help=f"images per training step (default: {recipe.BATCH_SIZE})")
    parser.add_argument("--learning-rate", type=positive_float, default=None,
                        help=f"Adam's initial learning rate, cosine-decayed to 1%% "
                             f"(default: {recipe.LEARNING_RATE}; {recipe.FINE_TUNE_LEARNING_RATE} with --init-from)")
    parser.add_argument("--seed", type=int, default=recipe.SEED,
                        help=f"seed for weights, shuffling, validation split and augmentation (default: {recipe.SEED})")
    parser.add_argument("--variant", choices=VARIANTS, default=recipe.VARIANT,
                        help="modern: ReLU + max pooling; classic: tanh + average pooling as in 1998 "
                             "(default: modern)")
    parser.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True,
                        help="distort training digits like handwriting varies: rotation, scale, "
                             "shear, shift, stroke width (default: on)")
    parser.add_argument("--augment-strength", type=non_negative_float, default=recipe.AUGMENT_STRENGTH,
                        help=f"multiplier on every augmentation range (default: {recipe.AUGMENT_STRENGTH})")
    parser.add_argument("--data-dir", type=existing_dir, default=None,
                        help="folder with the four MNIST IDX .gz files or mnist.npz (default: $MNIST_DIR, "
                             "else ../shared/mnist if present, else Keras's download)")
    parser.add_argument("--pen-data", type=existing_dir, default=None, metavar="DIR",
                        help="folder with pendigits-orig.tra[.gz|.Z], pen trajectories drawn in training "
                             "as a person draws in the app (default: $PENDIGITS_DIR, else ../shared/pendigits "
                             "if present, else downloaded from UCI once)")
    parser.add_argument("--no-pen-data", action="store_true",
                        help="train on MNIST alone (with --mnist-scans 0 too: the recipe before pen data) "
                             "(default: off)")
    parser.add_argument("--pen-share", type=fraction, default=recipe.PEN_SHARE,
                        help=f"share of every batch that is pen drawings (default: {recipe.PEN_SHARE})")
    parser.add_argument("--pen-variants", type=positive_int, default=recipe.PEN_VARIANTS,
                        help=f"drawings made of each training trajectory, each with its own brush, "
                             f"size, slant and position (default: {recipe.PEN_VARIANTS})")
    parser.add_argument("--pen-brush", type=positive_float, nargs=2, default=recipe.PEN_BRUSH, metavar=("MIN", "MAX"),
                        help=f"brush diameter range, as a fraction of the digit's height "
                             f"(default: {recipe.PEN_BRUSH[0]} {recipe.PEN_BRUSH[1]})")
    parser.add_argument("--pen-wobble", type=fraction, default=recipe.PEN_WOBBLE,
                        help=f"smooth random bending of the training drawings' strokes, as a fraction "
                             f"of the digit's size; 0 draws them as written (default: {recipe.PEN_WOBBLE})")
    parser.add_argument("--pen-stroke-shift", type=fraction, default=recipe.PEN_STROKE_SHIFT,
                        help=f"random offset of each stroke of a several-stroke digit, as a fraction of "
                             f"its size (default: {recipe.PEN_STROKE_SHIFT})")
    parser.add_argument("--mnist-scans", type=fraction, default=recipe.MNIST_SCANS,
                        help=f"add copies of this share of the MNIST training digits stored as scanned sets "
                             f"store them, the ink box stretched to a 12-20 px square; 0 adds none "
                             f"(default: {recipe.MNIST_SCANS})")
    parser.add_argument("--pen-scans", type=fraction, default=recipe.PEN_SCANS,
                        help=f"the same for this share of the pen training drawings (default: {recipe.PEN_SCANS})")
    parser.add_argument("--junk-share", type=fraction, default=recipe.JUNK_SHARE,
                        help=f"windows cut from pairs of touching digits as the segmenter cuts a number "
                             f"(half digits and two digits together, trained towards 'none of them', and "
                             f"digits carrying bits of a neighbour) added to every batch, as a share of "
                             f"its size; 0 adds none (default: {recipe.JUNK_SHARE})")
    parser.add_argument("--pen-validation-writers", type=positive_int, default=recipe.PEN_VALIDATION_WRITERS,
                        help=f"pen writers held out whole for validation and model selection "
                             f"(default: {recipe.PEN_VALIDATION_WRITERS})")
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
    parser.add_argument("--tune-dir", default=str(recipe.TUNE_DIR),
                        help="where --tune keeps its trials; the same folder and flags resume an interrupted "
                             "search without redoing finished trials (default: tuning)")
    parser.add_argument("--export-only", action="store_true",
                        help="train nothing: write the --init-from model again in every format (SavedModel, "
                             "LiteRT, ONNX), check the exports and keep its metadata and report (default: off)")
    args = parser.parse_args(argv)
    fine_tuning = args.init_from is not None
    if args.epochs is None:
        args.epochs = recipe.FINE_TUNE_EPOCHS if fine_tuning else recipe.EPOCHS
    if args.learning_rate is None:
        args.learning_rate = recipe.FINE_TUNE_LEARNING_RATE if fine_tuning else recipe.LEARNING_RATE
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
    args.pen_brush = tuple(args.pen_brush)  # As recipe.PEN_BRUSH, so --tune can tell a value given from the default.
    if args.extra_data and args.tune:
        parser.error("--tune searches a recipe for training from scratch; it cannot be combined with --extra-data")
    output = Path(args.output)
    if output.exists() and not _is_replaceable(output):
        parser.error(f"--output {output} exists and is not a SavedModel folder; refusing to replace it")
    return args


def _is_replaceable(output):
    """Only an empty folder or a previous SavedModel may be replaced by a training run."""
    return output.is_dir() and (not any(output.iterdir()) or (output / "saved_model.pb").exists())



def main(argv=None):
    args = parse_args(argv)
    # TensorFlow loads only now, once the arguments are known: --help and a mistyped flag answer at
    # once. Training keeps oneDNN's custom operations, which run its large batches twice as fast.
    import_tensorflow(onednn=True)
    from lenet.train.trainer import EXPORT_ERRORS, INPUT_ERRORS, run

    try:
        with without_harmless_errors():
            run(args)
    except INPUT_ERRORS as error:
        sys.exit(f"error: {error}")
    except EXPORT_ERRORS as error:
        sys.exit(f"error: {error}\n{args.output} was left as it was.")
    except KeyboardInterrupt:
        sys.exit(f"Interrupted: {args.output} was left as it was.")
    except OSError as error:
        sys.exit(f"error: could not write the model ({error}); {args.output} was left as it was.")


if __name__ == "__main__":
    main()
