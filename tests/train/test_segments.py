import keras
import numpy as np
import pytest

from lenet.train.pipeline import (
    DigitAccuracy,
    digit_or_junk_crossentropy,
    to_model_input,
    training_dataset,
)
from lenet.train.segments import JUNK_LABEL, cut_window, cut_windows, rejection_figures


def ink_box(image):
    """(height, width) of a window's ink above half intensity."""
    rows, columns = np.nonzero(image > 127)
    return rows.max() - rows.min() + 1, columns.max() - columns.min() + 1


def test_windows_are_mnist_digits_labelled_junk_or_their_digit(mnist):
    (x_train, y_train), _ = mnist
    images, labels = cut_windows(x_train[:300], y_train[:300], 300, seed=0)
    assert images.dtype == np.uint8 and images.shape[1:] == (28, 28) and 200 <= len(images) <= 300
    assert labels.dtype == np.uint8 and labels.shape == (len(images),)
    assert set(np.unique(labels)) <= set(range(JUNK_LABEL + 1))
    # Two of the three kinds are junk.
    assert 0.5 < np.mean(labels == JUNK_LABEL) < 0.85
    # Every window is read like a digit: ink, and a long side of about MNIST's 20 px box.
    assert all(max(ink_box(image)) in range(17, 22) for image in images)
    again, again_labels = cut_windows(x_train[:300], y_train[:300], 300, seed=0)
    np.testing.assert_array_equal(again, images)
    np.testing.assert_array_equal(again_labels, labels)


def test_digits_carrying_bits_of_a_neighbour_keep_their_label(mnist, classifier):
    # The committed model never saw junk; it still reads these windows as the label they were given.
    (x_train, y_train), _ = mnist
    images, labels = cut_windows(x_train[:400], y_train[:400], 300, seed=1, kind_shares=(0, 0, 1))
    assert len(images) > 150 and JUNK_LABEL not in labels
    read = classifier.predict_batch(to_model_input(images)).argmax(axis=1)
    assert np.mean(read == labels) > 0.95


def test_a_whole_pair_is_wide_and_a_digit_with_a_sliver_of_its_neighbour_is_not(mnist):
    (x_train, y_train), _ = mnist
    zero, six = x_train[np.flatnonzero(y_train == 0)[0]], x_train[np.flatnonzero(y_train == 6)[0]]
    # Draws: heights as given, no overlap, level; then the largest part of the neighbour, or the thinnest sliver.
    level = np.array([0.5, 0.5, 0.0, 0.5, 1.0, 0.0, 0.0])
    height, width = ink_box(cut_window((zero, six, "pair", 0, level)))
    assert width > 1.5 * height
    sliver = level.copy()
    sliver[4] = 0.5
    height, width = ink_box(cut_window((zero, six, "carried", 0, sliver)))
    assert height > width


def test_junk_is_trained_towards_the_uniform_distribution_and_digits_as_usual():
    probabilities = np.array([[0.7, 0.2, 0.1] + [0.0] * 7, [0.1] * 10, [0.05] * 9 + [0.55]], np.float32)
    labels = np.array([0, JUNK_LABEL, JUNK_LABEL])
    targets = np.array([[1.0] + [0.0] * 9, [0.1] * 10, [0.1] * 10], np.float32)
    expected = keras.losses.categorical_crossentropy(targets, probabilities)
    np.testing.assert_allclose(digit_or_junk_crossentropy(labels, probabilities), expected, rtol=1e-5)
    # The flat answer is the best a junk window can get: ln 10.
    assert float(digit_or_junk_crossentropy(labels[1:2], probabilities[1:2])[0]) == pytest.approx(np.log(10))


def test_accuracy_counts_digits_only():
    accuracy = DigitAccuracy()
    labels = np.array([3, JUNK_LABEL, 5, JUNK_LABEL])
    probabilities = keras.ops.one_hot(np.array([3, 0, 1, 7]), 10)
    accuracy.update_state(labels, probabilities)
    assert accuracy.name == "accuracy" and float(accuracy.result()) == 0.5


def test_every_batch_gets_its_share_of_junk_on_top_of_its_digits(mnist):
    (x_train, y_train), _ = mnist
    junk = (x_train[:64], np.full(64, JUNK_LABEL, np.uint8))
    dataset = training_dataset(x_train[:256], y_train[:256], 32, seed=0, augment_strength=1.0,
                               pen=(x_train[256:320], y_train[256:320]), pen_share=0.25, junk=junk, junk_share=0.125)
    for images, labels in dataset.take(3):
        # 24 MNIST digits, 8 pen drawings, and 4 junk windows on top.
        assert images.shape == (36, 28, 28, 1) and int(np.sum(labels.numpy() == JUNK_LABEL)) == 4


def test_a_model_that_never_saw_junk_is_sure_of_it_on_pairs_of_test_digits(mnist, classifier):
    # The figure the trainer reports: a model trained on digits alone is confident on most junk.
    _, (x_test, y_test) = mnist
    figures = rejection_figures(lambda images: classifier.predict_batch(to_model_input(images)),
                                x_test[:500], y_test[:500], count=200)
    assert figures["junk_windows"] == figures["digit_windows"] == 200
    assert figures["digit_at_least_half"] > 0.95 and figures["digit_accuracy"] > 0.95
    assert 0.0 <= figures["junk_below_half"] <= 1.0 and figures["junk_mean_top"] < figures["digit_mean_top"]
