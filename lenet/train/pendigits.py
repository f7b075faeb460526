"""Pen-drawn digits (UCI "Pen-Based Recognition of Handwritten Digits", UNIPEN format), validated.

7,494 digits written on a tablet by 30 writers, stored as pen trajectories. Read from --pen-data,
else ../shared/pendigits, else downloaded from UCI once (cached by Keras, like MNIST). Every
malformation raises PenDigitsFormatError naming the file and the line.
"""

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

import ncompress
import numpy as np

from lenet import config

PENDIGITS_FILENAME = "pendigits-orig.tra"
# UCI publishes the file compressed with Unix `compress` (.Z); ../shared holds it gzipped.
UCI_URL = "https://archive.ics.uci.edu/ml/machine-learning-databases/pendigits/pendigits-orig.tra.Z"
# md5 of the uncompressed file as published (../shared/pendigits/README.md).
PUBLISHED_MD5 = "28e269fb7eaf8cb51af3f561743a0de5"
POINT_ELSEWHERE = (
    f"Re-download {PENDIGITS_FILENAME} from UCI ({UCI_URL}), pass another copy with --pen-data DIR, "
    "or train on MNIST alone with --no-pen-data"
)


class PenDigitsFormatError(ValueError):
    """A pen-digits file is missing, truncated or not in the UNIPEN format this reader expects."""


class WriterSplitError(ValueError):
    """The writers asked to be held out cannot be: too many, none, or ids the file does not have."""


@dataclass(frozen=True)
class PenDigit:
    """One digit as drawn: its label, its writer (1-30) and its strokes, each float32 (K, 2) x, y.

    Coordinates are the tablet's, flipped so that y grows downwards like an image's rows.
    """

    label: int
    writer: int
    strokes: tuple


@dataclass(frozen=True)
class PenDigits:
    """A whole file: its digits, its name (no folders) and the md5 of its uncompressed bytes."""

    digits: tuple
    name: str
    md5: str

    @property
    def labels(self):
        return np.array([digit.label for digit in self.digits], dtype=np.uint8)

    @property
    def writers(self):
        return np.array([digit.writer for digit in self.digits], dtype=np.int32)


def default_pen_data_dir(pen_data_dir=None):
    """The folder pen digits are read from: `pen_data_dir`, else $PENDIGITS_DIR if set, else
    ../shared/pendigits if present, else None (download)."""
    return config.data_folder(pen_data_dir, config.PENDIGITS_DIR_ENV, config.SHARED_PENDIGITS_DIR)


def load_pendigits(pen_data_dir=None):
    """PenDigits from the folder chosen by default_pen_data_dir, or from UCI (cached); raises PenDigitsFormatError."""
    folder = default_pen_data_dir(pen_data_dir)
    if folder is None:
        return _download()
    if not folder.is_dir():
        raise PenDigitsFormatError(f"{folder}: no such folder. {POINT_ELSEWHERE}.")
    for suffix in ("", ".gz", ".Z"):
        path = folder / f"{PENDIGITS_FILENAME}{suffix}"
        if path.is_file():
            return read_pendigits_file(path)
    raise PenDigitsFormatError(
        f"{folder}: holds no {PENDIGITS_FILENAME}, {PENDIGITS_FILENAME}.gz or {PENDIGITS_FILENAME}.Z. "
        f"{POINT_ELSEWHERE}."
    )


def read_pendigits_file(path):
    """A UNIPEN file, plain, gzip (.gz) or Unix compress (.Z) -> PenDigits; raises PenDigitsFormatError."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        elif raw[:2] == b"\x1f\x9d":
            raw = ncompress.decompress(raw)
    except (OSError, EOFError, ValueError) as error:  # ValueError: a corrupt .Z; BadGzipFile is an OSError.
        raise PenDigitsFormatError(f"{path}: cannot be read or decompressed ({error}). {POINT_ELSEWHERE}.") from error
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as error:
        raise PenDigitsFormatError(
            f"{path}: byte {error.start} is not ASCII text; this is not a UNIPEN file. {POINT_ELSEWHERE}."
        ) from error
    name = path.name.removesuffix(".gz").removesuffix(".Z")
    return PenDigits(parse_unipen(text, path), name, hashlib.md5(raw).hexdigest())


def parse_unipen(text, source="<text>"):
    """UNIPEN text -> tuple of PenDigit, in file order; raises PenDigitsFormatError naming source and line."""
    digits = []
    current = None  # The digit being read: {"label", "writer", "strokes", "line"}.
    stroke = None  # Points of the stroke being read, between .PEN_DOWN and .PEN_UP.

    def fail(number, problem):
        return PenDigitsFormatError(f"{source}, line {number}: {problem}. {POINT_ELSEWHERE}.")

    def finish(number):
        if current is None:
            return
        if stroke is not None:
            raise fail(number, f"the digit started on line {current['line']} has a .PEN_DOWN without .PEN_UP")
        if current["writer"] is None:
            raise fail(current["line"], "the digit has no '.COMMENT <label> <writer> <index>' line")
        if not current["strokes"]:
            raise fail(current["line"], "the digit has no strokes")
        digits.append(PenDigit(current["label"], current["writer"], _to_image_coordinates(current["strokes"])))

    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if not words:
            continue
        keyword = words[0]
        if keyword == ".SEGMENT":
            finish(number)
            current = {"label": _segment_label(words, fail, number), "writer": None, "strokes": [], "line": number}
            stroke = None
        elif keyword == ".COMMENT" and current is not None and current["writer"] is None:
            current["writer"] = _comment_writer(words, current["label"], fail, number)
        elif keyword == ".PEN_DOWN":
            if current is None:
                raise fail(number, ".PEN_DOWN before any .SEGMENT")
            if stroke is not None:
                raise fail(number, ".PEN_DOWN while the pen is already down (missing .PEN_UP)")
            stroke = []
        elif keyword == ".PEN_UP":
            if stroke is None:
                raise fail(number, ".PEN_UP without .PEN_DOWN")
            if not stroke:
                raise fail(number, "a stroke without points")
            current["strokes"].append(stroke)
            stroke = None
        elif keyword.startswith("."):
            continue  # Header and timing lines (.LEXICON, .HIERARCHY, .DT ...) carry nothing we use.
        elif stroke is None:
            raise fail(number, f"points {line.strip()!r} outside .PEN_DOWN ... .PEN_UP")
        else:
            stroke.append(_point(words, fail, number))
    finish(len(text.splitlines()) + 1)
    if not digits:
        raise PenDigitsFormatError(f"{source}: holds no '.SEGMENT DIGIT' entries. {POINT_ELSEWHERE}.")
    return tuple(digits)


def _segment_label(words, fail, number):
    # .SEGMENT DIGIT <n> ? "<label>"
    label = words[-1].strip('"') if len(words) >= 3 and words[-1].startswith('"') else None
    if len(words) < 3 or words[1] != "DIGIT" or label is None or label not in config.CLASS_NAMES:
        raise fail(number, f"expected '.SEGMENT DIGIT <n> ? \"<0-9>\"', got {' '.join(words)!r}")
    return int(label)


def _comment_writer(words, label, fail, number):
    # .COMMENT <label> <writer> <index>
    if len(words) < 3 or not words[1].isdigit() or not words[2].isdigit():
        raise fail(number, f"expected '.COMMENT <label> <writer> <index>', got {' '.join(words)!r}")
    if int(words[1]) != label:
        raise fail(number, f"the comment's label {words[1]} differs from the segment's label {label}")
    return int(words[2])


def _point(words, fail, number):
    if len(words) != 2:
        raise fail(number, f"expected a point 'x y', got {' '.join(words)!r}")
    try:
        return int(words[0]), int(words[1])
    except ValueError:
        raise fail(number, f"point {' '.join(words)!r} is not two integers") from None


def _to_image_coordinates(strokes):
    """Tablet strokes (y up) -> tuple of float32 (K, 2) arrays with y down."""
    return tuple(np.array(points, dtype=np.float32) * np.float32([1, -1]) for points in strokes)


def writer_split(pen_digits, held_out_writers, seed):
    """Hold out whole writers: (train indices, validation indices, sorted held-out writer ids).

    `held_out_writers` is how many to pick at random with `seed`, or a list of the writer ids
    themselves (to hold out each group of writers in turn). Never random samples: a writer's
    digits look alike, so a sample split would flatter the model.
    """
    writers = pen_digits.writers
    all_writers = np.unique(writers)
    if isinstance(held_out_writers, (int, np.integer)):
        if not 0 < held_out_writers < len(all_writers):
            raise WriterSplitError(f"can hold out 1 to {len(all_writers) - 1} of {len(all_writers)} writers, "
                                   f"not {held_out_writers}")
        held_out = np.sort(np.random.default_rng(seed).choice(all_writers, held_out_writers, replace=False))
    else:
        held_out = np.unique(np.asarray(held_out_writers, dtype=all_writers.dtype))
        unknown = np.setdiff1d(held_out, all_writers)
        if len(unknown) or not 0 < len(held_out) < len(all_writers):
            raise WriterSplitError(f"the writers to hold out must be some, not all, of {all_writers.min()}-"
                                   f"{all_writers.max()}; got {', '.join(map(str, held_out_writers)) or 'none'}")
    validation = np.isin(writers, held_out)
    return np.flatnonzero(~validation), np.flatnonzero(validation), held_out.tolist()


def keep_writers(pen_digits, indices, count, seed):
    """The digits at `indices` whose writer is one of `count` of their writers, picked at random
    with `seed`: (kept indices, sorted kept writer ids). Measures how the held-out figure grows
    with the number of training writers."""
    indices = np.asarray(indices)
    writers = np.unique(pen_digits.writers[indices])
    if not 0 < count <= len(writers):
        raise WriterSplitError(f"can train on 1 to {len(writers)} writers, not {count}")
    kept = np.sort(np.random.default_rng(seed).choice(writers, count, replace=False))
    return indices[np.isin(pen_digits.writers[indices], kept)], kept.tolist()


def _download():
    """PenDigits from the UCI file, downloaded once into Keras's cache and checked against its md5."""
    import keras  # Imported here so that `import lenet.train.pendigits` does not pay for TensorFlow.

    try:
        path = Path(keras.utils.get_file(f"{PENDIGITS_FILENAME}.Z", origin=UCI_URL, cache_subdir="datasets"))
    # Keras raises a bare Exception when the download fails, so nothing narrower catches it.
    except Exception as error:
        raise PenDigitsFormatError(f"{UCI_URL}: could not download the pen digits ({error}). {POINT_ELSEWHERE}.") from error
    digits = read_pendigits_file(path)
    if digits.md5 != PUBLISHED_MD5:
        raise PenDigitsFormatError(
            f"{path}: md5 {digits.md5} differs from the published {PUBLISHED_MD5}; delete it and retry. "
            f"{POINT_ELSEWHERE}."
        )
    return digits
