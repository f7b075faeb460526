import numpy as np

from lenet.reader import Reading
from lenet.web.readout import SURE, digit_readout


def reading_of(*rows):
    probabilities = np.array(rows, np.float32)
    return Reading(np.zeros((len(rows), 28, 28), np.float32), probabilities)


def one_hot(digit, probability):
    row = np.full(10, (1 - probability) / 9, np.float32)
    row[digit] = probability
    return row


def test_each_digit_shows_with_its_probability_and_the_unsure_one_is_marked():
    html = digit_readout(reading_of(one_hot(2, 0.99), one_hot(0, 0.97), one_hot(2, 0.55), one_hot(6, 0.9)))
    assert html.count('class="digit"') == 4
    assert [part.split("<")[0] for part in html.split('class="digit">')[1:]] == ["2", "0", "2", "6"]
    assert "99%" in html and "55%" in html
    assert html.count("unsure") == 1 and 0.55 < SURE
    assert 'title="digit 3 of 4: 2, 55.0%"' in html


def test_nothing_drawn_shows_nothing():
    assert digit_readout(None) == ""
    assert digit_readout(Reading(np.zeros((0, 28, 28), np.float32), np.zeros((0, 10), np.float32))) == ""
