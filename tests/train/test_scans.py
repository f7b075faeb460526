import numpy as np
import pytest

from lenet.train.scans import (
    INK_LEVEL,
    read_scan,
    scan_copies,
    tight_crop,
    with_scan_copies,
)


def bar(height=20, width=2):
    """A uint8 28x28 '1': a vertical bar, white on black."""
    image = np.zeros((28, 28), np.uint8)
    top, left = (28 - height) // 2, (28 - width) // 2
    image[top : top + height, left : left + width] = 255
    return image


def test_a_tight_crop_stretches_the_ink_box_to_the_whole_square():
    # A 1 drawn 2 px wide and 20 tall fills its box: the stored scan is dark everywhere.
    scan = tight_crop(bar(), side=16)
    assert scan.shape == (16, 16) and scan.dtype == np.uint8
    assert scan.max() < 128


def test_a_tight_crop_of_a_real_digit_has_ink_on_every_edge_and_paper_around_the_strokes(mnist):
    _, (x_test, _) = mnist
    scan = tight_crop(x_test[0], side=16)  # A 7.
    dark = scan < 255 - INK_LEVEL  # Where the box's ink is.
    assert dark[0].any() and dark[-1].any() and dark[:, 0].any() and dark[:, -1].any()
    assert 0.1 < dark.mean() < 0.7


def test_a_thresholded_scan_is_black_and_white(mnist):
    _, (x_test, _) = mnist
    grey = tight_crop(x_test[1], side=16)
    black_and_white = tight_crop(x_test[1], side=16, thresholded=True)
    assert len(np.unique(grey)) > 2 and set(np.unique(black_and_white)) == {0, 255}


def test_an_image_without_ink_cannot_be_cropped_and_gives_no_scan():
    with pytest.raises(ValueError, match="no ink"):
        tight_crop(np.zeros((28, 28), np.uint8))
    assert read_scan((np.zeros((28, 28), np.uint8), 16, False)) is None


def test_scan_copies_read_as_their_digits_through_the_committed_model(mnist, classifier):
    # The labels travel with their copies: the model trained on such scans reads them as those digits.
    _, (x_test, y_test) = mnist
    copies, labels = scan_copies(x_test[:400], y_test[:400], 0.5, seed=3)
    assert copies.shape == (len(labels), 28, 28) and copies.dtype == np.uint8
    # Half of them, less the few the preprocessing calls blank (bold 1s stretched into a bar).
    assert 190 <= len(labels) <= 200
    read = classifier.predict_batch(copies / 255.0).argmax(axis=1)
    assert np.mean(read == labels) > 0.97  # 98.4 % measured; 95.9 % before training on scan copies.


def test_scan_copies_are_reproducible_from_the_seed(mnist):
    _, (x_test, y_test) = mnist
    first = scan_copies(x_test[:100], y_test[:100], 0.3, seed=1)
    again = scan_copies(x_test[:100], y_test[:100], 0.3, seed=1)
    other = scan_copies(x_test[:100], y_test[:100], 0.3, seed=2)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


def test_with_scan_copies_appends_them_and_adds_nothing_at_zero(mnist):
    _, (x_test, y_test) = mnist
    images, labels = with_scan_copies(x_test[:100], y_test[:100], 0.2, seed=1)
    assert len(images) == len(labels) == 120
    np.testing.assert_array_equal(images[:100], x_test[:100])
    unchanged, _ = with_scan_copies(x_test[:100], y_test[:100], 0, seed=1)
    assert unchanged is x_test[:100].base or np.array_equal(unchanged, x_test[:100])
