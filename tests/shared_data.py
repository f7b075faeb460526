"""The team's data in ../shared (MNIST, the UCI pen digits), or a skip that says how to get it.

Tests needing the real data call these; CI, which has ../shared, fails instead of skipping.
"""

import os

import pytest

from lenet.config import MNIST_DIR_ENV, SHARED_MNIST_DIR, SHARED_PENDIGITS_DIR
from lenet.train.data import default_data_dir

# Where the real MNIST is, as found when the tests start: the trainer's tests later point
# $MNIST_DIR at stand-ins for their own module, and no test of the real data may read those.
REAL_MNIST_DIR = default_data_dir()


def mnist_dir_or_skip():
    """The folder holding MNIST here; tests needing it skip (and fail in CI) when there is none."""
    folder = REAL_MNIST_DIR
    if folder is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs MNIST at {SHARED_MNIST_DIR} or ${MNIST_DIR_ENV}")
        pytest.skip(f"MNIST is not at {SHARED_MNIST_DIR} and ${MNIST_DIR_ENV} is not set: put the four "
                    f"IDX .gz files (or Keras's mnist.npz) in a folder and set ${MNIST_DIR_ENV} to it")
    return folder


def pen_digits_or_skip():
    """The UCI pen digits here; tests needing them skip (and fail in CI) when there are none."""
    if not SHARED_PENDIGITS_DIR.is_dir():
        reason = (f"the UCI pen digits are not at {SHARED_PENDIGITS_DIR}: put pendigits-orig.tra(.gz|.Z) "
                  f"from the UCI repository (Pen-Based Recognition of Handwritten Digits) there")
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
