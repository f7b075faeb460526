"""MNIST as uint8 arrays, read from the original IDX files, a Keras mnist.npz, or a Keras download.

Where the data comes from, first match wins (see `default_data_dir`):

1. the `data_dir` argument (the trainer's --data-dir);
2. the folder named by the MNIST_DIR environment variable;
3. `config.SHARED_MNIST_DIR` (../shared/mnist), if that folder exists: the team's machines have
   no internet, so tests and training read the shared copy there;
4. `keras.datasets.mnist.load_data()`, which downloads MNIST once on a user's machine.

A folder holds either the four original IDX files (gzip-compressed or not) or a Keras-style
mnist.npz. Everything read is validated; any problem, a missing file included, is raised as
`MnistFormatError` with a message naming the file, what is wrong and what to do.
"""

import gzip
import hashlib
import math
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from lenet import config

# IDX magic numbers: two zero bytes, the type code 0x08 (uint8), then the number of dimensions.
IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

# The original file names, uncompressed; each may also be stored with a .gz suffix.
IDX_FILENAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
STANDARD_COUNTS = {"train": 60_000, "test": 10_000}

NPZ_FILENAME = "mnist.npz"
NPZ_KEYS = {"train": ("x_train", "y_train"), "test": ("x_test", "y_test")}

# The end of every error message: how to give the loader data it can read.
POINT_ELSEWHERE = (
    f"point --data-dir / {config.MNIST_DIR_ENV} at a folder with the four original MNIST files "
    "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
    "t10k-labels-idx1-ubyte.gz) or a Keras mnist.npz"
)


class MnistFormatError(ValueError):
    """MNIST could not be loaded: a file or folder is missing, unreadable or malformed."""


def _error(path, problem):
    """Build the one error type callers need to catch: where, what is wrong, what to do."""
    return MnistFormatError(f"{path}: {problem}. Re-download MNIST, or {POINT_ELSEWHERE}.")


def default_data_dir(data_dir=None):
    """Return the folder MNIST is read from, as a Path, or None to download it through Keras.

    Order: `data_dir` if given, else $MNIST_DIR if set and non-empty, else
    config.SHARED_MNIST_DIR if it exists, else None. An explicit or $MNIST_DIR folder is
    returned even if it does not exist, so that loading it fails loudly instead of silently
    falling back to another source.
    """
    return config.data_folder(data_dir, config.MNIST_DIR_ENV, config.SHARED_MNIST_DIR)


def load_mnist(data_dir=None):
    """Return ((x_train, y_train), (x_test, y_test)) like keras.datasets.mnist.load_data().

    x: uint8 (60000, 28, 28) and (10000, 28, 28), 0 = background, 255 = ink.
    y: uint8 (60000,) and (10000,), digits 0-9.
    The folder is chosen by `default_data_dir(data_dir)`; raises MnistFormatError on any problem,
    including a split that does not hold the standard 60000 / 10000 examples.
    """
    folder = default_data_dir(data_dir)
    if folder is None:
        dataset, source = _download_with_keras(), "keras.datasets.mnist.load_data()"
    else:
        dataset, source = read_mnist_dir(folder), folder
    _check_standard_counts(dataset, source)
    return dataset


def read_mnist_dir(data_dir):
    """Read a folder's four IDX files, else its mnist.npz, into load_mnist's tuple of arrays.

    Validates format, shapes, dtypes, label range and that each split has as many labels as
    images, but not the standard 60000 / 10000 counts, so small sets in the same format load too.
    """
    folder = Path(data_dir)
    if not folder.is_dir():
        raise _error(folder, "MNIST folder does not exist or is not a folder")
    idx_paths, missing = _find_idx_files(folder)
    if not missing:
        return tuple(_read_idx_split(*idx_paths[split]) for split in IDX_FILENAMES)
    if (folder / NPZ_FILENAME).is_file():
        return _read_npz(folder / NPZ_FILENAME)
    raise _error(
        folder,
        f"found neither {NPZ_FILENAME} nor all four MNIST IDX files (missing: "
        + ", ".join(f"{name}[.gz]" for name in missing)
        + ")",
    )


def dataset_checksums(dataset):
    """Return {original file name: md5 hex} for a dataset as returned by load_mnist.

    Each md5 is of the array encoded as an IDX file, which is byte for byte the uncompressed
    original file (the reader refuses any byte beyond the header's size). So the values match
    `gzip -dc FILE | md5sum` of the published files whichever source the arrays came from, and
    nothing has to be read or decompressed a second time.
    """
    checksums = {}
    magics = (IMAGES_MAGIC, LABELS_MAGIC)
    for filenames, arrays in zip(IDX_FILENAMES.values(), dataset):
        for filename, array, magic in zip(filenames, arrays, magics):
            header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
            digest = hashlib.md5(header)
            digest.update(np.ascontiguousarray(array, dtype=np.uint8).data)
            checksums[filename] = digest.hexdigest()
    return checksums


def _find_idx_files(folder):
    """Return ({split: (images path, labels path)}, [missing names]); name.gz wins over name."""
    paths, missing = {}, []
    for split, names in IDX_FILENAMES.items():
        found = []
        for name in names:
            candidates = [folder / f"{name}.gz", folder / name]
            path = next((candidate for candidate in candidates if candidate.is_file()), None)
            if path is None:
                missing.append(name)
            found.append(path)
        paths[split] = tuple(found)
    return paths, missing


def _read_idx_split(images_path, labels_path):
    """Read one split's images and labels files and check that they agree in count."""
    images = _read_idx_images(images_path)
    labels = _read_idx_labels(labels_path)
    if len(images) != len(labels):
        raise _error(
            images_path,
            f"holds {len(images)} images but {labels_path.name} holds {len(labels)} labels",
        )
    return images, labels


def _read_idx_images(path):
    """Read an IDX images file: uint8 (n, 28, 28)."""
    images = _parse_idx(_read_bytes(path), IMAGES_MAGIC, path)
    if images.shape[1:] != (config.IMAGE_SIZE, config.IMAGE_SIZE):
        rows, cols = images.shape[1:]
        size = config.IMAGE_SIZE
        raise _error(path, f"images are {rows}x{cols}, expected {size}x{size}")
    return images


def _read_idx_labels(path):
    """Read an IDX labels file: uint8 (n,), values 0-9."""
    labels = _parse_idx(_read_bytes(path), LABELS_MAGIC, path)
    _check_label_range(labels, path)
    return labels


def _read_bytes(path):
    """Return the file's uncompressed bytes, gunzipping when the name ends in .gz."""
    try:
        if path.suffix == ".gz":
            return gzip.decompress(path.read_bytes())
        return path.read_bytes()
    # BadGzipFile is an OSError, so it must be caught before the generic read failure.
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise _error(path, f"is not a valid gzip file ({err})") from err
    except OSError as err:
        raise _error(path, f"cannot be read ({err.strerror or err})") from err


def _parse_idx(data, magic, path):
    """Decode IDX bytes whose magic must equal `magic`; return a uint8 array of the header's shape.

    The magic's last byte is the number of dimensions, so checking the magic checks that too.
    """
    ndim = magic & 0xFF
    header_size = 4 + 4 * ndim
    # The magic is checked before the header's length, so that a swapped or foreign file is
    # reported as such rather than as truncated.
    if len(data) >= 4:
        (found_magic,) = struct.unpack_from(">I", data)
        if found_magic != magic:
            raise _error(path, _describe_bad_magic(found_magic, magic))
    if len(data) < header_size:
        raise _error(
            path, f"is truncated: {len(data)} bytes, shorter than the {header_size}-byte IDX header"
        )
    shape = struct.unpack_from(f">{ndim}I", data, offset=4)
    # Exact size: a short file is truncated, a longer one is not the file it claims to be.
    # math.prod, unlike np.prod, cannot overflow on a corrupt header's huge dimensions.
    expected_size = header_size + math.prod(shape)
    if len(data) < expected_size:
        raise _error(
            path, f"is truncated: header {shape} needs {expected_size} bytes, file has {len(data)}"
        )
    if len(data) > expected_size:
        extra = len(data) - expected_size
        raise _error(path, f"has {extra} unexpected bytes after the data for header {shape}")
    # Copied so that callers get a writable array, as keras.datasets.mnist.load_data() gives.
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape).copy()


def _describe_bad_magic(found, expected):
    """Say what the wrong magic number suggests: a swapped file, a gzip without .gz, or junk."""
    problem = f"magic number is 0x{found:08X}, expected 0x{expected:08X}"
    if found >> 16 == 0x1F8B:
        return problem + " (the file is gzip-compressed; its name should end in .gz)"
    if found in (IMAGES_MAGIC, LABELS_MAGIC):
        kind = "images" if found == IMAGES_MAGIC else "labels"
        return problem + f" (this is an IDX {kind} file; are the file names swapped?)"
    return problem + " (not an MNIST IDX file)"


def _read_npz(path):
    """Read a Keras-style mnist.npz (keys x_train, y_train, x_test, y_test) without pickle."""
    arrays = _load_npz_arrays(path)
    return tuple(
        _check_arrays(arrays[images_key], arrays[labels_key], f"{path} [{images_key}]")
        for images_key, labels_key in NPZ_KEYS.values()
    )


def _load_npz_arrays(path):
    """Return {key: array} for the four MNIST keys; object (pickled) arrays are refused."""
    # np.load raises ValueError for pickled content when allow_pickle=False, the rest for
    # corrupt or unreadable archives.
    load_errors = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error)
    try:
        archive = np.load(path, allow_pickle=False)
    except load_errors as err:
        raise _error(path, f"is not a readable .npz archive ({err})") from err
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise _error(path, "holds a single array, not an .npz archive")
    with archive:
        wanted = [key for keys in NPZ_KEYS.values() for key in keys]
        absent = [key for key in wanted if key not in archive.files]
        if absent:
            found = ", ".join(archive.files) or "nothing"
            raise _error(path, f"lacks the arrays {', '.join(absent)} (found: {found})")
        arrays = {}
        for key in wanted:
            try:
                arrays[key] = archive[key]
            except load_errors as err:
                raise _error(path, f"array {key!r} is pickled or corrupt ({err})") from err
    return arrays


def _download_with_keras():
    """Return MNIST from keras.datasets (downloaded once, then cached in ~/.keras/datasets)."""
    import keras  # Imported here so that `import lenet.train.data` does not pay for TensorFlow.

    source = "keras.datasets.mnist.load_data()"
    try:
        train, test = keras.datasets.mnist.load_data()
    # Keras raises a bare Exception when the download fails, so nothing narrower catches it.
    except Exception as err:
        raise MnistFormatError(
            f"{source}: could not download MNIST ({err}). Connect to the internet, "
            f"or {POINT_ELSEWHERE}."
        ) from err
    return _check_arrays(*train, source), _check_arrays(*test, source)


def _check_arrays(images, labels, source):
    """Validate one split that did not come from IDX files; return (uint8 images, uint8 labels)."""
    size = config.IMAGE_SIZE
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (size, size):
        raise _error(
            source, f"images are {images.dtype} {images.shape}, expected uint8 (n, {size}, {size})"
        )
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise _error(source, f"labels are {labels.dtype} {labels.shape}, expected integers (n,)")
    if len(images) != len(labels):
        raise _error(source, f"holds {len(images)} images but {len(labels)} labels")
    _check_label_range(labels, source)
    return images, labels.astype(np.uint8, copy=False)


def _check_label_range(labels, source):
    """Refuse labels outside 0-9, naming the first offender."""
    out_of_range = np.flatnonzero((labels < 0) | (labels >= config.NUM_CLASSES))
    if out_of_range.size:
        index = out_of_range[0]
        raise _error(
            source,
            f"label {labels[index]} at index {index} is outside 0-{config.NUM_CLASSES - 1} "
            f"({out_of_range.size} of {labels.size} labels are out of range)",
        )


def _check_standard_counts(dataset, source):
    """Refuse a split that does not have the standard 60000 / 10000 examples of MNIST."""
    for split, (images, _) in zip(STANDARD_COUNTS, dataset):
        if len(images) != STANDARD_COUNTS[split]:
            raise _error(
                source,
                f"the {split} split has {len(images)} examples, expected {STANDARD_COUNTS[split]} "
                "(this is not the complete MNIST)",
            )
