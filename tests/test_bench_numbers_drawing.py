"""benchmarks/pen_numbers.py: held-out pen writers' numbers are drawn as their rows promise."""

import re

import numpy as np
import pytest
from scipy import ndimage
from shared_data import pen_digits_or_skip

from benchmarks import pen_numbers

HEIGHT, BRUSH = 150, 12
NUMBERS = 20


def pieces_of_ink(alpha):
    return ndimage.label(alpha > 0, structure=np.ones((3, 3), bool))[1]


@pytest.fixture(scope="module")
def hands():
    pen_digits_or_skip()
    return pen_numbers.held_out_hands()


def write_many(write, hands, seed=0):
    rng = np.random.default_rng(seed)
    return [write(hands[writer], HEIGHT, BRUSH, rng) for writer in rng.choice(list(hands), NUMBERS)]


def test_the_writers_are_the_trainers_held_out_five(hands):
    assert len(hands) == 5 and all(len(hand[digit]) > 10 for hand in hands.values() for digit in range(10))


def test_touching_numbers_are_mostly_one_piece_of_ink(hands):
    numbers = write_many(pen_numbers.touching, hands)
    assert np.mean([pieces_of_ink(number.alpha) == 1 for number in numbers]) >= 0.6


@pytest.mark.parametrize("write", [pen_numbers.gapped, pen_numbers.with_mark])
def test_gapped_digits_never_touch(hands, write):
    # Every digit is at least one piece; a mark is one more.
    extra = 1 if write is pen_numbers.with_mark else 0
    assert all(pieces_of_ink(number.alpha) >= len(number.text) + extra for number in write_many(write, hands))


def test_chained_zeros_are_one_or_two_digits_then_zeros(hands):
    assert all(re.fullmatch(r"[1-9][0-9]?0{2,4}", number.text) and len(number.text) <= 5
               for number in write_many(pen_numbers.chained_zeros, hands))


def test_an_underline_runs_under_the_gaps_between_the_digits(hands):
    # Gapped digits leave blank columns between them; the line under them fills every one.
    for number in write_many(pen_numbers.underlined, hands):
        columns = np.flatnonzero(number.alpha.any(axis=0))
        assert len(columns) == columns[-1] - columns[0] + 1


def test_the_same_seed_draws_the_same_numbers(hands):
    first, second = write_many(pen_numbers.touching, hands), write_many(pen_numbers.touching, hands)
    assert all(a.text == b.text and np.array_equal(a.alpha, b.alpha) for a, b in zip(first, second))

