"""split_digits: a drawing of a number comes apart into its digits, left to right; one digit stays one."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import ndimage

from benchmarks.drawing import (
    WRITER,
    draw_strokes,
    known_numbers,
    side_by_side,
    sketchpad,
)
from lenet.preprocess import to_mnist
from lenet.segment import group_digits, split_digits

KNOWN = known_numbers()


def pieces_of_ink(alpha):
    return ndimage.label(alpha > 0, structure=np.ones((3, 3), bool))[1]


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_known_drawings_split_into_their_digits(name):
    alpha, number = KNOWN[name]
    digits = split_digits(sketchpad(alpha))
    assert len(digits) == len(number)
    assert all(digit.shape == (28, 28) and digit.dtype == np.float32 for digit in digits)


@pytest.mark.parametrize("name", ["5 with a detached bar", "4 in two strokes", "1 with a dot"])
def test_a_digit_drawn_in_separate_pieces_is_one_digit_read_as_before(name):
    alpha, _ = KNOWN[name]
    assert pieces_of_ink(alpha) == 2  # The drawing really has a piece apart.
    (digit,) = split_digits(sketchpad(alpha))
    np.testing.assert_array_equal(digit, to_mnist(sketchpad(alpha)))


def test_a_speck_is_dropped_not_read_as_a_digit():
    alpha, number = KNOWN["42 with a speck"]
    assert pieces_of_ink(alpha) == 3
    assert len(split_digits(sketchpad(alpha))) == len(number)


def test_blank_and_bad_input_behave_like_to_mnist():
    assert split_digits(None) == []
    assert split_digits(sketchpad(np.zeros((240, 480), np.uint8))) == []
    with pytest.raises(ValueError, match="NaN or infinite"):
        split_digits(np.full((20, 20), np.nan, np.float32))


def test_parts_join_the_nearest_digit_and_digits_stay_apart():
    # Boxes (top, bottom, left, right): a 1, then a 7 whose bar (low) is drawn apart, then a 0.
    boxes = np.array([[0, 100, 0, 10], [0, 8, 40, 90], [10, 100, 50, 80], [0, 100, 120, 180]])
    assert [group.tolist() for group in group_digits(boxes)] == [[0], [1, 2], [3]]


def tiles_in_a_row(digits, height, brush, gaps):
    """Each digit drawn alone, then all in a row: (tiles, the row's alpha)."""
    tiles = [draw_strokes(WRITER[digit], canvas=2 * height, brush=brush, box=(0.25, 0.25, 0.35, 0.5))
             for digit in digits]
    return tiles, side_by_side(tiles, gaps)


def alone(row, tiles, gaps, index):
    """The row with every digit but `index` erased: what that digit alone looks like on the canvas."""
    others = [tile if position == index else np.zeros_like(tile) for position, tile in enumerate(tiles)]
    # side_by_side places by ink boxes: keep the others' boxes with a one-pixel stand-in.
    for position, tile in enumerate(tiles):
        if position != index:
            rows, columns = np.flatnonzero(tile.any(axis=1)), np.flatnonzero(tile.any(axis=0))
            others[position][rows[[0, -1]], columns[[0, -1]]] = 1
    placed = side_by_side(others, gaps)
    placed[placed == 1] = 0
    assert placed.shape == row.shape
    return placed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    digits=st.text(alphabet="0123456789", min_size=2, max_size=5),
    height=st.integers(60, 260),
    brush_fraction=st.floats(0.04, 0.15),
    gap_widths=st.lists(st.floats(1.0, 4.0), min_size=4, max_size=4),
)
def test_k_digits_apart_by_a_stroke_width_give_k_pieces_in_order(digits, height, brush_fraction, gap_widths):
    brush = max(4, round(brush_fraction * height))
    gaps = [brush * width for width in gap_widths[: len(digits) - 1]]
    tiles, row = tiles_in_a_row(digits, height, brush, gaps)
    found = split_digits(sketchpad(row))
    assert len(found) == len(digits)
    for index, digit in enumerate(found):
        # Each piece is exactly what that digit alone on the same canvas makes.
        np.testing.assert_array_equal(digit, to_mnist(sketchpad(alone(row, tiles, gaps, index))))


@settings(max_examples=40, deadline=None)
@given(
    digit=st.sampled_from(sorted(WRITER)),
    canvas=st.sampled_from([(240, 480), (400, 400), (800, 800)]),
    height=st.floats(0.2, 0.9),
    brush_fraction=st.floats(0.03, 0.15),
    left=st.floats(0, 1),
    top=st.floats(0, 1),
)
def test_a_single_digit_anywhere_at_any_size_is_one_piece(digit, canvas, height, brush_fraction, left, top):
    rows, columns = canvas
    side = height * rows
    brush = max(2.0, brush_fraction * side)
    box = ((columns - 0.7 * side) * left / columns, (rows - side) * top / rows, 0.7 * side / columns, side / rows)
    # draw_strokes draws on a square canvas: draw on one as wide as ours, keep our rows.
    alpha = draw_strokes(WRITER[digit], canvas=columns, brush=brush,
                         box=(box[0], box[1] * rows / columns, box[2], box[3] * rows / columns))[:rows]
    found = split_digits(sketchpad(alpha))
    assert len(found) == 1
    np.testing.assert_array_equal(found[0], to_mnist(sketchpad(alpha)))
