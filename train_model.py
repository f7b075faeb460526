"""Train LeNet-5 on MNIST and export it as a SavedModel, replacing --output only on success.

    python train_model.py                      # the committed model's recipe
    python train_model.py --limit 2000 --epochs 1 --output /tmp/smoke_model   # seconds
"""

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # Keep TensorFlow's start-up chatter out of the log.

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from lenet.atomic import OutputNotWritableError, atomic_directory  # noqa: E402
from lenet.config import DEFAULT_MODEL_DIR, METADATA_FILENAME  # noqa: E402
from lenet.data import MnistFormatError, dataset_checksums, default_data_dir, load_mnist  # noqa: E402
from lenet.export import export_saved_model  # noqa: E402
from lenet.model import VARIANTS, build_model  # noqa: E402
from lenet.report import write_training_report  # noqa: E402
from lenet.stopping import stop_training_on_signals  # noqa: E402
from lenet.training import (  # noqa: E402
    as_app_sees_them,
    compile_for_training,
    evaluation_dataset,
    split_validation,
    to_model_input,
    training_dataset,
)

# Defaults of the committed model's recipe; each flag's help repeats its default.
EPOCHS = 30
BATCH_SIZE = 128
LEARNING_RATE = 2e-3  # Peak of the cosine decay.
SEED = 1
AUGMENT_STRENGTH = 1.0  # Scales every distortion range in lenet/augment.py.
VALIDATION_FRACTION = 1 / 12  # 5,000 of the 60,000 training images; the test set is never used to choose.


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


def existing_dir(text):
    if not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"folder {text} does not exist")
    return text


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Train LeNet-5 on MNIST and export a SavedModel.")
    parser.add_argument("--epochs", type=positive_int, default=EPOCHS,
                        help=f"passes over the training set (default: {EPOCHS})")
    parser.add_argument("--batch-size", type=positive_int, default=BATCH_SIZE,
                        help=f"images per training step (default: {BATCH_SIZE})")
    parser.add_argument("--learning-rate", type=positive_float, default=LEARNING_RATE,
                        help=f"Adam's initial learning rate, cosine-decayed to 1%% (default: {LEARNING_RATE})")
    parser.add_argument("--seed", type=int, default=SEED,
                        help=f"seed for weights, shuffling, validation split and augmentation (default: {SEED})")
    parser.add_argument("--variant", choices=VARIANTS, default="modern",
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
    parser.add_argument("--output", default=str(DEFAULT_MODEL_DIR),
                        help="SavedModel folder, replaced only if training succeeds (default: saved_model)")
    parser.add_argument("--limit", type=positive_int, default=None,
                        help="train on the first N training images only, for smoke tests (default: all)")
    args = parser.parse_args(argv)
    output = Path(args.output)
    if output.exists() and not _is_replaceable(output):
        parser.error(f"--output {output} exists and is not a SavedModel folder; refusing to replace it")
    return args


def _is_replaceable(output):
    """Only an empty folder or a previous SavedModel may be replaced by a training run."""
    return output.is_dir() and (not any(output.iterdir()) or (output / "saved_model.pb").exists())


def train(args, x_train, y_train, callbacks=()):
    """Fit a fresh LeNet-5; return (model, history dict, seconds)."""
    (x_fit, y_fit), (x_val, y_val) = split_validation(x_train, y_train, VALIDATION_FRACTION, args.seed)
    steps_per_epoch = max(1, len(x_fit) // args.batch_size)
    model = compile_for_training(
        build_model(args.variant), args.learning_rate, steps_per_epoch * args.epochs
    )
    strength = args.augment_strength if args.augment else 0.0
    print(f"LeNet-5 ({args.variant}): {model.count_params():,} parameters; training on "
          f"{len(x_fit):,} images, validating on {len(x_val):,}.")
    started = time.perf_counter()
    with stop_training_on_signals() as stop_on_signal:
        history = model.fit(
            training_dataset(x_fit, y_fit, args.batch_size, args.seed, strength),
            steps_per_epoch=steps_per_epoch,
            epochs=args.epochs,
            validation_data=evaluation_dataset(x_val, y_val),
            shuffle=False,  # The pipeline shuffles, with the seed.
            callbacks=[stop_on_signal, *callbacks],
            verbose=1 if sys.stdout.isatty() else 2,
        )
    return model, history.history, time.perf_counter() - started


def evaluate(model, x_test, y_test):
    """Return (probabilities (N, 10), accuracy) on the test set."""
    probabilities = model.predict(to_model_input(x_test), batch_size=1000, verbose=0)
    return probabilities, float(np.mean(probabilities.argmax(axis=1) == y_test))


def metadata(args, model, history, seconds, test_accuracy, app_view_accuracy, checksums, data_source,
             training_images):
    return {
        "model": "LeNet-5",
        "variant": args.variant,
        "parameters": int(model.count_params()),
        "test_accuracy": round(test_accuracy, 6),
        "test_accuracy_app_preprocessing": round(app_view_accuracy, 6),
        "validation_accuracy": round(float(history["val_accuracy"][-1]), 6),
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
        "data_source": str(data_source),
        "data_md5": checksums,
    }


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
        with atomic_directory(args.output) as staging:
            model, history, seconds = train(args, x_train, y_train)
            probabilities, test_accuracy = evaluate(model, x_test, y_test)
            _, app_view_accuracy = evaluate(model, as_app_sees_them(x_test), y_test)
            print(f"Test accuracy: {test_accuracy:.4%} on {len(y_test):,} MNIST test images "
                  f"(training took {seconds:.0f} s).")
            print(f"Test accuracy through the app's preprocessing: {app_view_accuracy:.4%}.")
            export_saved_model(model, staging)
            info = metadata(args, model, history, seconds, test_accuracy, app_view_accuracy,
                            dataset_checksums(dataset), data_source, len(x_train))
            (staging / METADATA_FILENAME).write_text(json.dumps(info, indent=2) + "\n")
            write_training_report(staging / "report", history, x_test, y_test, probabilities)
        print(f"Saved the model to {args.output} (report in {Path(args.output) / 'report'}).")
    except (MnistFormatError, OutputNotWritableError) as error:
        sys.exit(f"error: {error}")
    except KeyboardInterrupt:
        sys.exit(f"Interrupted: {args.output} was left as it was.")
    except OSError as error:
        sys.exit(f"error: could not write the model ({error}); {args.output} was left as it was.")


if __name__ == "__main__":
    main()
