"""Fixtures shared by the tests: MNIST from the team's shared copy, the committed model."""

import os

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Property tests (hypothesis): "ci", the default, runs the same examples every time and keeps the
# property suite under a minute; `pytest --hypothesis-profile=long` searches far wider, locally.
# Speed is measured in benchmarks/, so no per-example deadline; canvases up to 4096 px are slow to
# generate by design.
_PROPERTY_DEFAULTS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("ci", max_examples=60, derandomize=True, database=None, **_PROPERTY_DEFAULTS)
settings.register_profile("long", max_examples=3000, **_PROPERTY_DEFAULTS)
settings.load_profile("ci")

from lenet.config import DEFAULT_MODEL_DIR, MNIST_DIR_ENV, SHARED_MNIST_DIR  # noqa: E402
from browser import free_port  # noqa: E402
from lenet.data import default_data_dir, load_mnist  # noqa: E402


def mnist_dir_or_skip():
    """The folder holding MNIST here; tests needing it skip (and fail in CI) when there is none."""
    folder = default_data_dir()
    if folder is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs MNIST at {SHARED_MNIST_DIR} or ${MNIST_DIR_ENV}")
        pytest.skip(f"MNIST is not at {SHARED_MNIST_DIR} and ${MNIST_DIR_ENV} is not set")
    return folder


@pytest.fixture(scope="session")
def mnist():
    """((x_train, y_train), (x_test, y_test)) as uint8 arrays."""
    return load_mnist(mnist_dir_or_skip())


@pytest.fixture(scope="session")
def classifier():
    """The committed model, loaded once."""
    from lenet.inference import Classifier

    return Classifier(DEFAULT_MODEL_DIR)


@pytest.fixture(scope="session")
def app_client():
    """demo.py's app launched in-process on a free port, and a gradio_client Client for it."""
    from gradio_client import Client

    from demo import demo

    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        demo.close()
