"""Fixtures shared by the tests: MNIST from the team's shared copy, the committed model and its exports."""

import os
import shutil

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

from shared_data import mnist_dir_or_skip  # noqa: E402

from benchmarks.browser import free_port  # noqa: E402
from lenet.config import (  # noqa: E402
    DEFAULT_MODEL_DIR,
    METADATA_FILENAME,
    ONNX_FILENAME,
    REEXPORT_COMMAND,
    TFLITE_FILENAME,
)
from lenet.train.data import load_mnist  # noqa: E402


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
def exported_model_dir(tmp_path_factory):
    """A folder with the committed model in every format: saved_model/ itself when it holds the
    LiteRT and ONNX files (as committed), else, outside CI, a copy with them exported now."""
    missing = [name for name in (TFLITE_FILENAME, ONNX_FILENAME) if not (DEFAULT_MODEL_DIR / name).is_file()]
    if not missing:
        return DEFAULT_MODEL_DIR
    if os.environ.get("CI"):
        pytest.fail(f"saved_model/ lacks {', '.join(missing)}: commit them (`{REEXPORT_COMMAND}` writes them)")
    import keras

    from lenet.config import KERAS_FILENAME
    from lenet.train.export import export_model

    folder = tmp_path_factory.mktemp("exported") / "model"
    folder.mkdir()
    export_model(keras.models.load_model(DEFAULT_MODEL_DIR / KERAS_FILENAME), folder)
    shutil.copy2(DEFAULT_MODEL_DIR / METADATA_FILENAME, folder)
    return folder


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


@pytest.fixture(scope="session")
def haproxy():
    """The path of HAProxy; tests needing it skip without it (and fail in CI, which installs it)."""
    from deploy.balancer import haproxy_executable

    try:
        return haproxy_executable()
    except RuntimeError as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs HAProxy: {error}")
        pytest.skip(str(error))


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium (benchmarks/browser.py); skipped without one, failed in CI, which installs it."""
    from playwright.sync_api import sync_playwright

    from benchmarks.browser import chromium_path, launch_chromium

    if chromium_path() is None:
        reason = "the browser tests need Chromium at /usr/bin/chromium or as `chromium` on PATH"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()
