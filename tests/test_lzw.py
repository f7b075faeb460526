"""The .Z decoder against Debian's `compress` (ncompress), the reference implementation."""

import numpy as np
import pytest

from lenet.lzw import LzwError, unlzw
from ncompress import compressed_by_ncompress


@pytest.mark.parametrize("max_bits", [10, 12, 16])
def test_text_comes_back_byte_for_byte(tmp_path, max_bits):
    # Long and repetitive enough to fill the dictionary: every code width and, with few bits, resets.
    rng = np.random.default_rng(0)
    words = [b"PEN_DOWN", b"PEN_UP", b".SEGMENT DIGIT", b" 267  333", b"\n"]
    data = b" ".join(words[i] for i in rng.integers(0, len(words), 200_000)) + b"\n" + rng.bytes(3000)
    assert unlzw(compressed_by_ncompress(data, tmp_path, max_bits)) == data


def test_incompressible_bytes_come_back(tmp_path):
    # Random bytes make compress reset its dictionary (the CLEAR code) again and again.
    data = np.random.default_rng(1).bytes(300_000)
    assert unlzw(compressed_by_ncompress(data, tmp_path)) == data


def test_empty_input_comes_back_empty():
    assert unlzw(b"\x1f\x9d\x90") == b""


@pytest.mark.parametrize("data, message", [
    (b"hello", "not a .Z file"),
    (b"\x1f\x9d\x08rest", "unsupported maximum code width 8"),
    (b"\x1f\x9d\x90\xff\xff\xff\xff", "first code is not a literal"),
])
def test_damaged_input_gets_a_clear_error(data, message):
    with pytest.raises(LzwError, match=message):
        unlzw(data)


def test_a_code_from_the_future_is_refused(tmp_path):
    data = bytearray(compressed_by_ncompress(b"abcabcabcabcabcabc" * 50, tmp_path))
    data[5] ^= 0xFF  # Points some code far beyond the entries defined so far.
    with pytest.raises(LzwError, match="not yet defined"):
        unlzw(bytes(data))
