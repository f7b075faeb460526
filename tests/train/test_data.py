"""Tests for lenet.train.data: the real MNIST against its published facts, and every kind of bad file."""

import gzip
import hashlib
import struct
import subprocess
import sys
import types

import numpy as np
import pytest

from lenet import config
from lenet.train.data import (
    MnistFormatError,
    dataset_checksums,
    default_data_dir,
    load_mnist,
    read_mnist_dir,
)

# md5 of the uncompressed original files, as published in ../shared/mnist/README.md.
PUBLISHED_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS = PUBLISHED_MD5


# --- Helpers that write IDX files by hand, independently of the code under test. ---


def idx_bytes(array, magic):
    """Encode a uint8 array as IDX: big-endian magic, one uint32 per dimension, then the data."""
    return struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.tobytes()


def write_file(folder, name, payload, compress=True):
    """Write payload as `name.gz` (gzip) or `name` (raw); return the path."""
    path = folder / (f"{name}.gz" if compress else name)
    path.write_bytes(gzip.compress(payload) if compress else payload)
    return path


def tiny_mnist(count=3, seed=0):
    """A small dataset in MNIST's shapes and dtypes: ((x_train, y_train), (x_test, y_test))."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(2 * count, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=2 * count, dtype=np.uint8)
    return (images[:count], labels[:count]), (images[count:], labels[count:])


def write_tiny_idx(folder, compress=True):
    """Write a tiny, valid set of the four IDX files into folder; return the arrays written."""
    dataset = tiny_mnist()
    for (images, labels), (images_name, labels_name) in zip(
        dataset, [(TRAIN_IMAGES, TRAIN_LABELS), (TEST_IMAGES, TEST_LABELS)]
    ):
        write_file(folder, images_name, idx_bytes(images, 0x803), compress)
        write_file(folder, labels_name, idx_bytes(labels, 0x801), compress)
    return dataset


def assert_same_dataset(actual, expected):
    for (x, y), (x_expected, y_expected) in zip(actual, expected):
        assert x.dtype == np.uint8 and y.dtype == np.uint8
        assert np.array_equal(x, x_expected) and np.array_equal(y, y_expected)


# --- The real MNIST (the `mnist` fixture of conftest.py), checked against published facts. ---


def test_real_mnist_has_keras_shapes_and_dtypes(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    for labels in (y_train, y_test):
        assert set(np.unique(labels)) == set(range(10))


def test_real_mnist_is_white_ink_on_black(mnist):
    (x_train, _), _ = mnist
    # MNIST centres each digit in a 20x20 box, so the image corners are background.
    assert not x_train[:, 0, 0].any()
    assert x_train.max() == 255


def test_real_mnist_first_training_labels_are_the_well_known_ones(mnist):
    (_, y_train), _ = mnist
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9]


def test_real_mnist_checksums_match_the_published_md5(mnist):
    assert dataset_checksums(mnist) == PUBLISHED_MD5


# --- Small valid sets in every accepted format. ---


@pytest.mark.parametrize("compress", [True, False], ids=["gz", "uncompressed"])
def test_idx_files_round_trip(tmp_path, compress):
    written = write_tiny_idx(tmp_path, compress)
    assert_same_dataset(read_mnist_dir(tmp_path), written)


def test_checksums_are_md5_of_the_uncompressed_files(tmp_path):
    write_tiny_idx(tmp_path)
    expected = {
        name: hashlib.md5(gzip.decompress((tmp_path / f"{name}.gz").read_bytes())).hexdigest()
        for name in PUBLISHED_MD5
    }
    assert dataset_checksums(read_mnist_dir(tmp_path)) == expected


def test_npz_round_trip(tmp_path):
    (x_train, y_train), (x_test, y_test) = written = tiny_mnist()
    np.savez(tmp_path / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    assert_same_dataset(read_mnist_dir(tmp_path), written)


def test_npz_with_int64_labels_gives_uint8_labels(tmp_path):
    (x_train, y_train), (x_test, y_test) = written = tiny_mnist()
    np.savez(
        tmp_path / "mnist.npz",
        x_train=x_train,
        y_train=y_train.astype(np.int64),
        x_test=x_test,
        y_test=y_test.astype(np.int64),
    )
    assert_same_dataset(read_mnist_dir(tmp_path), written)


def test_small_but_consistent_set_is_refused_by_load_mnist_for_its_count(tmp_path):
    write_tiny_idx(tmp_path)
    with pytest.raises(MnistFormatError, match="train split has 3 examples, expected 60000"):
        load_mnist(tmp_path)


# --- Broken IDX files: each gives MnistFormatError naming the file. ---


def truncate(folder):
    path = folder / f"{TRAIN_IMAGES}.gz"
    data = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(data[:-100]))
    return path.name


def truncate_header(folder):
    path = folder / f"{TEST_LABELS}.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08"))
    return path.name


def add_trailing_bytes(folder):
    path = folder / f"{TEST_IMAGES}.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()) + b"\x00" * 7))
    return path.name


def delete(folder):
    (folder / f"{TEST_LABELS}.gz").unlink()
    return TEST_LABELS


def wrong_magic(folder):
    (images, _), _ = tiny_mnist()
    return write_file(folder, TRAIN_IMAGES, idx_bytes(images, 0x0BAD)).name


def swapped_files(folder):
    (_, labels), _ = tiny_mnist()
    return write_file(folder, TRAIN_IMAGES, idx_bytes(labels, 0x801)).name


def wrong_dims(folder):
    images = np.zeros((3, 27, 28), dtype=np.uint8)
    return write_file(folder, TEST_IMAGES, idx_bytes(images, 0x803)).name


def fewer_labels_than_images(folder):
    (_, labels), _ = tiny_mnist()
    write_file(folder, TRAIN_LABELS, idx_bytes(labels[:2], 0x801))
    return TRAIN_LABELS


def label_out_of_range(folder):
    return write_file(folder, TEST_LABELS, idx_bytes(np.array([1, 10, 2], np.uint8), 0x801)).name


def corrupt_gzip(folder):
    path = folder / f"{TRAIN_IMAGES}.gz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    return path.name


def cut_gzip(folder):
    path = folder / f"{TRAIN_LABELS}.gz"
    path.write_bytes(path.read_bytes()[:-10])
    return path.name


def not_gzip(folder):
    path = folder / f"{TEST_IMAGES}.gz"
    path.write_bytes(b"this is not gzip data")
    return path.name


@pytest.mark.parametrize(
    "break_files, problem",
    [
        (truncate, "is truncated"),
        (truncate_header, "is truncated"),
        (add_trailing_bytes, "unexpected bytes"),
        (delete, "missing"),
        (wrong_magic, "magic number is 0x00000BAD, expected 0x00000803"),
        (swapped_files, "swapped"),
        (wrong_dims, "27x28, expected 28x28"),
        (fewer_labels_than_images, "3 images but train-labels-idx1-ubyte.gz holds 2 labels"),
        (label_out_of_range, "label 10 at index 1 is outside 0-9"),
        (corrupt_gzip, "not a valid gzip file"),
        (cut_gzip, "not a valid gzip file"),
        (not_gzip, "not a valid gzip file"),
    ],
)
def test_broken_idx_file_is_refused_with_its_name(tmp_path, break_files, problem):
    write_tiny_idx(tmp_path)
    file_name = break_files(tmp_path)
    with pytest.raises(MnistFormatError) as excinfo:
        load_mnist(tmp_path)
    message = str(excinfo.value)
    assert file_name in message
    assert problem in message
    assert config.MNIST_DIR_ENV in message  # It says what to do.


def test_gzip_file_without_gz_suffix_is_explained(tmp_path):
    write_tiny_idx(tmp_path)
    compressed = tmp_path / f"{TRAIN_IMAGES}.gz"
    compressed.rename(tmp_path / TRAIN_IMAGES)
    with pytest.raises(MnistFormatError, match="gzip-compressed; its name should end in .gz"):
        load_mnist(tmp_path)


def test_error_is_a_value_error():
    assert issubclass(MnistFormatError, ValueError)


def test_missing_folder_is_named(tmp_path):
    folder = tmp_path / "nowhere"
    with pytest.raises(MnistFormatError, match="does not exist") as excinfo:
        load_mnist(folder)
    assert str(folder) in str(excinfo.value)


def test_empty_folder_says_what_was_expected(tmp_path):
    with pytest.raises(MnistFormatError) as excinfo:
        load_mnist(tmp_path)
    message = str(excinfo.value)
    assert str(tmp_path) in message
    assert "mnist.npz" in message and TRAIN_IMAGES in message


# --- Broken npz archives. ---


def test_npz_with_object_array_is_refused(tmp_path):
    (x_train, y_train), (x_test, y_test) = tiny_mnist()
    labels_as_objects = np.array([int(label) for label in y_train], dtype=object)
    np.savez(
        tmp_path / "mnist.npz",
        x_train=x_train,
        y_train=labels_as_objects,
        x_test=x_test,
        y_test=y_test,
    )
    with pytest.raises(MnistFormatError, match="pickle") as excinfo:
        read_mnist_dir(tmp_path)
    assert "mnist.npz" in str(excinfo.value)


def test_npz_missing_an_array_is_refused(tmp_path):
    (x_train, y_train), (x_test, _) = tiny_mnist()
    np.savez(tmp_path / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test)
    with pytest.raises(MnistFormatError, match="y_test") as excinfo:
        read_mnist_dir(tmp_path)
    assert "mnist.npz" in str(excinfo.value)


def test_npz_with_float_images_is_refused(tmp_path):
    (x_train, y_train), (x_test, y_test) = tiny_mnist()
    np.savez(
        tmp_path / "mnist.npz",
        x_train=x_train / 255.0,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
    )
    with pytest.raises(MnistFormatError, match="float64") as excinfo:
        read_mnist_dir(tmp_path)
    assert "mnist.npz" in str(excinfo.value)


def test_corrupt_npz_is_refused(tmp_path):
    (tmp_path / "mnist.npz").write_bytes(b"PK\x03\x04 but not really a zip archive")
    with pytest.raises(MnistFormatError, match="mnist.npz"):
        read_mnist_dir(tmp_path)


# --- Which folder is used. ---


@pytest.fixture
def no_configured_mnist(monkeypatch, tmp_path):
    """Neither MNIST_DIR nor the shared folder: as on a user's machine."""
    monkeypatch.delenv(config.MNIST_DIR_ENV, raising=False)
    monkeypatch.setattr(config, "SHARED_MNIST_DIR", tmp_path / "no-shared-mnist")


def test_explicit_folder_wins_over_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(config.MNIST_DIR_ENV, str(tmp_path / "from-env"))
    assert default_data_dir(tmp_path) == tmp_path


def test_environment_variable_is_honoured(monkeypatch, tmp_path):
    written = write_tiny_idx(tmp_path)
    monkeypatch.setenv(config.MNIST_DIR_ENV, str(tmp_path))
    assert default_data_dir() == tmp_path
    assert_same_dataset(read_mnist_dir(default_data_dir()), written)
    # load_mnist reads the same folder: its count error names it.
    with pytest.raises(MnistFormatError, match="split has 3 examples") as excinfo:
        load_mnist()
    assert str(tmp_path) in str(excinfo.value)


def test_environment_folder_that_does_not_exist_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv(config.MNIST_DIR_ENV, str(tmp_path / "typo"))
    with pytest.raises(MnistFormatError, match="typo"):
        load_mnist()


def test_shared_folder_is_used_when_nothing_is_configured(
    no_configured_mnist, monkeypatch, tmp_path
):
    monkeypatch.setattr(config, "SHARED_MNIST_DIR", tmp_path)
    assert default_data_dir() == tmp_path


def test_keras_download_is_the_last_resort(no_configured_mnist, monkeypatch):
    assert default_data_dir() is None
    standard = (
        (np.zeros((60000, 28, 28), np.uint8), np.zeros(60000, np.uint8)),
        (np.zeros((10000, 28, 28), np.uint8), np.ones(10000, np.uint8)),
    )
    fake_keras = types.SimpleNamespace(
        datasets=types.SimpleNamespace(mnist=types.SimpleNamespace(load_data=lambda: standard))
    )
    monkeypatch.setitem(sys.modules, "keras", fake_keras)
    assert_same_dataset(load_mnist(), standard)


def test_failed_keras_download_says_what_to_do(no_configured_mnist, monkeypatch):
    def fail():
        # What keras.utils.get_file raises when offline.
        raise Exception("URL fetch failure on https://example.invalid/mnist.npz: None")

    fake_keras = types.SimpleNamespace(
        datasets=types.SimpleNamespace(mnist=types.SimpleNamespace(load_data=fail))
    )
    monkeypatch.setitem(sys.modules, "keras", fake_keras)
    with pytest.raises(MnistFormatError, match="could not download") as excinfo:
        load_mnist()
    assert config.MNIST_DIR_ENV in str(excinfo.value)


def test_importing_lenet_data_does_not_import_keras():
    code = "import sys, lenet.train.data; sys.exit('keras' in sys.modules or 'tensorflow' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=config.PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr or "lenet.train.data imported keras or tensorflow"
