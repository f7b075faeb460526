"""Pen trajectories drawn like a person draws in the app, and read back through the app's to_mnist."""

from dataclasses import replace

import numpy as np
from shared_data import pen_digits_or_skip

from lenet.preprocess import to_mnist
from lenet.train.pen_render import (
    DEFAULT_STYLE,
    as_sketchpad_layer,
    draw_trajectory,
    render_digits,
)
from lenet.train.pendigits import PenDigit, load_pendigits, writer_split

# Tablet-style trajectories (y grows downwards here, as after parsing): a 7 and a 0.
SEVEN = (np.array([[0, 0], [100, 0], [40, 200]], np.float32),)
ZERO = (np.stack([50 + 45 * np.sin(t := np.linspace(0, 2 * np.pi, 30)), 100 - 100 * np.cos(t)], 1).astype(np.float32),)


def test_drawings_stay_on_their_canvas_with_a_brush_in_range():
    rng = np.random.default_rng(0)
    for _ in range(30):
        alpha = draw_trajectory(SEVEN, rng)
        height, width = alpha.shape
        low, high = DEFAULT_STYLE.canvas_sides
        assert low <= height <= high and low <= width <= high
        # Nothing painted on the border: the whole digit is on the canvas.
        assert not (alpha[0].any() or alpha[-1].any() or alpha[:, 0].any() or alpha[:, -1].any())
        rows = np.flatnonzero(alpha.max(axis=1))
        assert rows[-1] - rows[0] >= 0.25 * min(height, width)


def test_the_same_seed_draws_the_same_images():
    digits = [PenDigit(7, 1, SEVEN), PenDigit(0, 1, ZERO)]
    first, labels = render_digits(digits, 3, seed=5)
    second, _ = render_digits(digits, 3, seed=5)
    assert first.shape == (6, 28, 28) and first.dtype == np.uint8 and labels.tolist() == [7, 0] * 3
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first[0], first[2])  # Each variant is drawn differently.


def test_a_drawing_called_blank_is_left_out_or_kept_as_zeros():
    # A brush twice the digit's height paints a round blot, which the app calls blank.
    blot = replace(DEFAULT_STYLE, brushes=(2.0, 2.0))
    digits = [PenDigit(7, 1, SEVEN), PenDigit(0, 1, ZERO)]
    left_out, labels = render_digits(digits, 2, seed=1, style=blot)
    assert len(left_out) == len(labels) == 0
    kept, labels = render_digits(digits, 2, seed=1, style=blot, keep_blank=True)
    assert kept.shape == (4, 28, 28) and not kept.any() and labels.tolist() == [7, 0, 7, 0]


def test_wobble_and_stroke_shift_vary_the_drawing_smoothly_and_keep_the_digit(classifier):
    four = (np.array([[10, 0], [0, 120], [90, 120]], np.float32), np.array([[70, 40], [70, 200]], np.float32))
    bent = replace(DEFAULT_STYLE, wobble=0.08, stroke_shift=0.03)
    plain_images, _ = render_digits([PenDigit(4, 1, four), PenDigit(0, 1, ZERO)], 4, seed=3)
    bent_images, labels = render_digits([PenDigit(4, 1, four), PenDigit(0, 1, ZERO)], 4, seed=3, style=bent)
    assert not np.array_equal(plain_images, bent_images)
    # Bent, not shaken: the strokes stay strokes, and the digits stay those digits.
    assert (classifier.predict_batch(bent_images / 255).argmax(axis=1) == labels).all()
    # Zero wobble and shift is the plain style exactly, so older recipes draw what they drew.
    same, _ = render_digits([PenDigit(4, 1, four)], 2, seed=3, style=replace(bent, wobble=0, stroke_shift=0))
    np.testing.assert_array_equal(same, render_digits([PenDigit(4, 1, four)], 2, seed=3)[0])


def test_a_drawn_trajectory_is_read_as_its_digit(classifier):
    rng = np.random.default_rng(1)
    for label, strokes in ((7, SEVEN), (0, ZERO)):
        for _ in range(5):
            image = to_mnist(as_sketchpad_layer(draw_trajectory(strokes, rng)))
            assert classifier.predict(image).argmax() == label


def test_held_out_pen_writers_are_read_by_the_committed_model(classifier):
    pen_digits_or_skip()
    digits = load_pendigits()
    _, validation, _ = writer_split(digits, 5, seed=1)  # The trainer's default split.
    picked = [digits.digits[index] for index in validation[::10]]
    images, labels = render_digits(picked, 1, seed=2)
    accuracy = np.mean(classifier.predict_batch(images / 255).argmax(axis=1) == labels)
    # These 125 drawings: 97.6 % for the committed model, 88.0 % for the MNIST-only recipe.
    assert accuracy >= 0.94, f"{accuracy:.2%} of {len(labels)} held-out pen drawings"
