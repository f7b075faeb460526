"""Fixtures of the trainer's tests."""

import pytest
from stand_in_data import write_mnist, write_pendigits

from lenet.config import MNIST_DIR_ENV, PENDIGITS_DIR_ENV
from lenet.train.data import default_data_dir
from lenet.train.pendigits import default_pen_data_dir


@pytest.fixture(scope="session")
def stand_in_data_dirs(tmp_path_factory):
    """{environment variable: folder} of stand-ins for the data ../shared lacks; {} with both there."""
    folders = {}
    if default_data_dir() is None:
        folders[MNIST_DIR_ENV] = tmp_path_factory.mktemp("stand_in_mnist")
        write_mnist(folders[MNIST_DIR_ENV])
    if default_pen_data_dir() is None:
        folders[PENDIGITS_DIR_ENV] = tmp_path_factory.mktemp("stand_in_pendigits")
        write_pendigits(folders[PENDIGITS_DIR_ENV])
    return folders


@pytest.fixture(scope="module")
def training_data(stand_in_data_dirs):
    """The team's MNIST and pen digits where ../shared holds them; elsewhere stand-ins in the same
    formats (stand_in_data.py), so the trainer's behaviour is tested on any machine. Set for one
    module at a time: tests of accuracy elsewhere never see the stand-ins."""
    with pytest.MonkeyPatch.context() as patch:
        for name, folder in stand_in_data_dirs.items():
            patch.setenv(name, str(folder))
        yield
