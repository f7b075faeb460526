"""Fit LeNet-5 with the recipe of lenet/train/recipe.py, or search a better one; evaluate and export.

train_model.py turns the command line into `args` for run(); everything here takes that namespace,
so a test can train exactly as the command does.
"""

import argparse
import datetime
import json
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np

from lenet.config import KERAS_FILENAME, METADATA_FILENAME
from lenet.inference import ModelLoadError
from lenet.model import build_model
from lenet.tensorflow_import import import_tensorflow
from lenet.train.atomic import OutputNotWritableError, atomic_directory
from lenet.train.data import (
    MnistFormatError,
    dataset_checksums,
    default_data_dir,
    load_mnist,
)
from lenet.train.export import ExportError, export_again, export_and_check
from lenet.train.export_check import ExportCheckError
from lenet.train.extra_data import ExtraDataError, load_labelled_folders, oversample
from lenet.train.pendigits import PenDigitsFormatError, WriterSplitError
from lenet.train.pipeline import (
    as_app_sees_them,
    compile_for_training,
    evaluation_dataset,
    split_validation,
    to_model_input,
    training_dataset,
)
from lenet.train.recipe import (
    JUNK_PEN_PAIRS,
    JUNK_WINDOWS,
    PEN_BRUSH,
    PEN_SHARE,
    RECIPE,
    VALIDATION_FRACTION,
    cut_junk,
    draw_pen_training,
    load_pen_data,
    relative_name,
    with_scans,
)
from lenet.train.report import write_training_report
from lenet.train.scans import SIDES as SCAN_SIDES
from lenet.train.scans import THRESHOLDED_SHARE
from lenet.train.segments import (
    KIND_SHARES,
    KINDS,
    describe_rejection,
    rejection_figures,
)
from lenet.train.selection import KeepBestOnBothPopulations
from lenet.train.stopping import stop_training_on_signals
from lenet.train.tuning import (
    SUMMARY_MARKDOWN,
    PenSearchData,
    SearchError,
    best_hyperparameters,
    search,
    search_metadata,
    summary_table,
    write_summary,
)

# Bad data or arguments found while training: the message says what to do.
INPUT_ERRORS = (MnistFormatError, PenDigitsFormatError, WriterSplitError, ExtraDataError, OutputNotWritableError,
                SearchError)
# A model that could not be written or checked: the previous one stays in place.
EXPORT_ERRORS = (ExportError, ExportCheckError, ModelLoadError)


def train(args, x_train, y_train, callbacks=(), extra=None, pen=None):
    """Fit LeNet-5 (fresh, or from --init-from), on MNIST plus `extra` (images, labels) if given,
    with pen drawings (a PenData) mixed into every batch if given, and with args.junk_share > 0
    windows cut from pairs of the training digits (lenet/train/segments.py).

    Returns (model, history dict, seconds). Validation is on held-out MNIST, and with pen data also
    on the held-out pen writers; the model returned is then the epoch best on both.
    """
    (x_fit, y_fit), (x_val, y_val) = split_validation(x_train, y_train, VALIDATION_FRACTION, args.seed)
    mnist_count = len(x_fit)
    junk = cut_junk(x_fit, y_fit, args, pen)
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
                             pen=pen.train if pen is not None else None, pen_share=args.pen_share,
                             junk=junk, junk_share=args.junk_share),
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
    data = {"mnist": {"origin": relative_name(data_source) if isinstance(data_source, Path) else data_source,
                      "md5": checksums, "scan_copies": args.mnist_scans}}
    if pen is not None:
        data["pendigits"] = pen.source
    if args.junk_share > 0:
        data["junk"] = {"share": args.junk_share, "windows": JUNK_WINDOWS, "pen_pairs": JUNK_PEN_PAIRS,
                        "kinds": dict(zip(KINDS, KIND_SHARES))}
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
        "tensorflow_version": import_tensorflow().__version__,
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
    if args.junk_share > 0:
        # The trials fit digits alone; the winner is retrained as its trial was, so it scores the same.
        print("Note: --tune searches and trains without junk windows (--junk-share 0).")
        args = argparse.Namespace(**{**vars(args), "junk_share": 0.0})
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


def run(args):
    """Train (or with args.export_only re-export) and write args.output; it is replaced only on success.

    Raises the data, export and search errors of lenet.train for train_model.py to report.
    """
    keras.utils.set_random_seed(args.seed)
    import_tensorflow().config.experimental.enable_op_determinism()  # Same seed, same weights.
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
        rejection = rejection_figures(
            lambda images: model.predict(to_model_input(images), batch_size=1000, verbose=0), x_test, y_test)
        print(describe_rejection(rejection))
        if extra is not None:
            _, extra_accuracy = evaluate(model, *extra)
            print(f"Accuracy on the {len(extra[1]):,} extra drawings (trained on): {extra_accuracy:.2%}.")
        exported, check = export_and_check(model, staging, to_model_input(x_test), y_test)
        print(check)
        info = metadata(args, model, history, seconds, test_accuracy, app_view_accuracy,
                        dataset_checksums(dataset), data_source, len(x_train), pen, pen_accuracy) | exported
        info["junk_rejection"] = rejection
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
