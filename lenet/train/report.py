"""Training report as PNG files: learning curves, test confusion matrix, misclassified test digits."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # Files only: no display on servers and CI.
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from lenet.config import CLASS_NAMES, NUM_CLASSES  # noqa: E402

MAX_MISCLASSIFIED_SHOWN = 60


def confusion_matrix(true_labels, predicted_labels):
    """(N,), (N,) ints in 0..9 -> (10, 10) int counts, rows = true class, columns = predicted."""
    matrix = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(matrix, (true_labels, predicted_labels), 1)
    return matrix


def write_training_report(directory, history, images, labels, probabilities):
    """Write curves.png, confusion_matrix.png and misclassified.png into `directory`; return the paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    predicted = probabilities.argmax(axis=1)
    paths = [
        _plot_curves(directory / "curves.png", history),
        _plot_confusion(directory / "confusion_matrix.png", confusion_matrix(labels, predicted)),
        _plot_misclassified(directory / "misclassified.png", images, labels, predicted, probabilities),
    ]
    return paths


def _plot_curves(path, history):
    epochs = np.arange(1, len(history["loss"]) + 1)
    figure, (accuracy_axis, loss_axis) = plt.subplots(1, 2, figsize=(10, 4))
    for axis, metric in ((accuracy_axis, "accuracy"), (loss_axis, "loss")):
        axis.plot(epochs, history[metric], label="training (augmented)")
        if f"val_{metric}" in history:
            axis.plot(epochs, history[f"val_{metric}"], label="validation")
        axis.set_xlabel("epoch")
        axis.set_title(metric)
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _plot_confusion(path, matrix):
    figure, axis = plt.subplots(figsize=(6.5, 5.5))
    # Log colour scale: the diagonal holds ~1000 per class, the errors a handful.
    shown = axis.imshow(np.log1p(matrix), cmap="Blues")
    for true_class in range(NUM_CLASSES):
        for predicted_class in range(NUM_CLASSES):
            count = matrix[true_class, predicted_class]
            if count:
                color = "white" if true_class == predicted_class else "black"
                axis.text(predicted_class, true_class, str(count), ha="center", va="center",
                          fontsize=8, color=color)
    axis.set_xticks(range(NUM_CLASSES), CLASS_NAMES)
    axis.set_yticks(range(NUM_CLASSES), CLASS_NAMES)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    accuracy = np.trace(matrix) / matrix.sum()
    axis.set_title(f"MNIST test confusion matrix (accuracy {accuracy:.2%})")
    figure.colorbar(shown, ax=axis, label="log(1 + count)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _plot_misclassified(path, images, labels, predicted, probabilities):
    wrong = np.flatnonzero(predicted != labels)[:MAX_MISCLASSIFIED_SHOWN]
    columns = 10
    rows = max(1, int(np.ceil(len(wrong) / columns)))
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 1.2, rows * 1.45), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, index in zip(axes.flat, wrong):
        axis.imshow(images[index], cmap="gray")
        confidence = probabilities[index, predicted[index]]
        axis.set_title(f"{labels[index]}→{predicted[index]} ({confidence:.0%})", fontsize=8)
    figure.suptitle(f"Misclassified test digits: true→predicted (first {len(wrong)})")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
