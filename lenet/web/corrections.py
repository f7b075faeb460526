"""Save a drawing the model got wrong, with the right digit, for retraining (`--extra-data`).

Layout: <dir>/<digit>/<UTC timestamp>-<hash>.png, 28x28 grayscale, white ink on black,
exactly what the model saw: the one-folder-per-class layout that
keras.utils.image_dataset_from_directory and `train_model.py --extra-data` read.

A public server must not be filled up by a script calling /correct in a loop: the folder holds at
most $LENET_CORRECTIONS_MAX_FILES drawings and $LENET_CORRECTIONS_MAX_BYTES bytes, and the same
picture (same PNG bytes) is stored once. On Hugging Face Spaces saving is off unless the owner
turns it on.
"""

import datetime
import hashlib
import io
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from lenet.config import CLASS_NAMES, IMAGE_SIZE
from lenet.web.png_folder import PngFolderIndex

CORRECTIONS_DIR_ENV = "LENET_CORRECTIONS_DIR"
DEFAULT_CORRECTIONS_DIR = "corrections"
# 1 or 0 (true/yes/on, false/no/off): whether visitors' drawings may be stored. Unset, saving is on,
# except on Hugging Face Spaces (which set SYSTEM=spaces), where a public page must not collect
# drawings unless its owner decided so.
SAVE_CORRECTIONS_ENV = "LENET_SAVE_CORRECTIONS"
SPACES_ENV, SPACES_VALUE = "SYSTEM", "spaces"
_OFF, _ON = ("0", "false", "no", "off"), ("1", "true", "yes", "on")

# A 28x28 PNG takes about 200-400 bytes, so 10,000 corrections (a thousand per digit, far more than
# fine-tuning needs) take about 3 MB; the byte cap is the backstop for whatever else lands there.
MAX_FILES_ENV, DEFAULT_MAX_FILES = "LENET_CORRECTIONS_MAX_FILES", 10_000
MAX_BYTES_ENV, DEFAULT_MAX_BYTES = "LENET_CORRECTIONS_MAX_BYTES", 20_000_000
# Hex digits of the PNG's SHA-256 in the file name: 64 bits, so distinct drawings never share a name
# (8 digits, as older versions wrote, collide by chance about once in 100 folders of 10,000).
HASH_DIGITS, OLD_HASH_DIGITS = 16, 8

# Checking the caps and writing are one step, or concurrent requests could each pass the check.
_saving = threading.RLock()  # Re-entrant: a number is checked, then saved digit by digit, under it.
_indexes = {}  # resolved folder -> PngFolderIndex
# A full folder is rescanned before refusing (its index may have missed the owner emptying it), at
# most this often: a script hammering a full server must not make it list 10,000 files each time.
RESCAN_FULL_SECONDS = 30


class CorrectionError(ValueError):
    """A correction that cannot be saved; the message says why and what to do."""


def corrections_enabled():
    """Whether the app may store corrections: $LENET_SAVE_CORRECTIONS, else off on Spaces, else on."""
    setting = os.environ.get(SAVE_CORRECTIONS_ENV, "").strip().lower()
    if setting in _OFF or setting in _ON:
        return setting in _ON
    return not on_spaces()


def on_spaces():
    """Whether the app runs on Hugging Face Spaces, which sets SYSTEM=spaces."""
    return os.environ.get(SPACES_ENV, "").strip().lower() == SPACES_VALUE


def corrections_dir():
    """$LENET_CORRECTIONS_DIR, else corrections/ in the working directory."""
    return Path(os.environ.get(CORRECTIONS_DIR_ENV) or DEFAULT_CORRECTIONS_DIR)


@dataclass(frozen=True)
class Limits:
    """How much the corrections folder may hold."""

    max_files: int
    max_bytes: int


def correction_limits():
    """Limits from $LENET_CORRECTIONS_MAX_FILES / _MAX_BYTES (whole numbers), else the defaults."""
    return Limits(_whole_number(MAX_FILES_ENV, DEFAULT_MAX_FILES), _whole_number(MAX_BYTES_ENV, DEFAULT_MAX_BYTES))


def _whole_number(name, default):
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise CorrectionError(f"${name} must be a whole number of at least 0 (got {text!r}); fix the "
                              "server's environment.")
    return value


def save_correction(model_input, digit, directory, limits=None):
    """(28, 28) float in [0, 1] or None, "0"-"9" -> path of the PNG holding it under directory/digit/.

    The same picture is stored once: saved again under the same digit, the existing file is
    returned; under another digit, it moves there (the later label wins). Raises CorrectionError
    for a blank drawing, a label that is not a digit, or a full folder (`limits`, by default
    `correction_limits()`).
    """
    digit = str(digit).strip() if digit is not None else ""
    if digit not in CLASS_NAMES:
        raise CorrectionError(f"Pick the right digit, 0 to 9, before saving (got {digit!r}).")
    return _store(_png(model_input), digit, directory, limits or correction_limits())


def _store(data, digit, directory, limits):
    """A PNG's bytes under directory/digit/, once (see save_correction) -> its path."""
    digest = hashlib.sha256(data).hexdigest()
    folder = Path(directory) / digit
    with _saving:
        index = _index(directory)
        duplicate = _stored_copy(index, data)
        if duplicate is not None:
            if duplicate.parent == folder:
                return duplicate
            folder.mkdir(parents=True, exist_ok=True)
            moved = folder / duplicate.name
            os.replace(duplicate, moved)
            index.moved(duplicate, moved)
            return moved
        _check_room(index, len(data), limits)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        path = folder / f"{stamp}-{digest[:HASH_DIGITS]}.png"
        # Written under a temporary name and renamed, so the trainer never reads half a file.
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as staging:
            staging.write(data)
        os.replace(staging.name, path)
        index.added(path, len(data))
    return path


def _png(model_input):
    """(28, 28) float in [0, 1] -> its 8-bit greyscale PNG; CorrectionError for None or another shape."""
    if model_input is None:
        raise CorrectionError("Nothing is drawn: draw a digit before saving a correction.")
    pixels = np.rint(np.clip(model_input, 0, 1) * 255).astype(np.uint8)
    if pixels.shape != (IMAGE_SIZE, IMAGE_SIZE):
        raise CorrectionError(f"Expected the 28x28 model input, got shape {pixels.shape}.")
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def _stored_copy(index, data):
    """The path of a file in the folder that holds exactly `data`, or None."""
    digest = hashlib.sha256(data).hexdigest()
    names = {digest[:HASH_DIGITS], digest[:OLD_HASH_DIGITS]}
    return next((path for path in index.files_named_with(names) if _holds(path, data)), None)


def _index(directory):
    """The up-to-date PngFolderIndex of `directory`, one per folder for the process's lifetime."""
    key = Path(directory).resolve()
    if key not in _indexes:
        _indexes[key] = PngFolderIndex(key, CLASS_NAMES)
    _indexes[key].refresh()
    return _indexes[key]


def _holds(path, data):
    """Whether the file at `path` holds exactly `data` (its name's hash matched; make sure)."""
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def _check_room(index, new_bytes, limits, new_files=1):
    """Raise CorrectionError when `new_files` more PNGs of `new_bytes` in all would pass a limit."""
    def full():
        return index.count + new_files > limits.max_files or index.total_bytes + new_bytes > limits.max_bytes

    if full() and time.monotonic() - index.scanned_at > RESCAN_FULL_SECONDS:
        index.refresh(force=True)
    if full():
        raise CorrectionError(
            f"This server's corrections folder is full ({index.count:,} drawings, {index.total_bytes:,} "
            f"bytes; the limits are {limits.max_files:,} and {limits.max_bytes:,} bytes), so nothing "
            f"more is saved. Its owner can train on them and move them away, or raise ${MAX_FILES_ENV} / "
            f"${MAX_BYTES_ENV}."
        )


def describe_corrections(enabled, directory):
    """One line for the page: where corrections go and how to learn from them, or that they are off."""
    if not enabled:
        if on_spaces() and not os.environ.get(SAVE_CORRECTIONS_ENV, "").strip():
            return ("Saving corrections is off on this Space: nothing you draw is stored. (Its owner "
                    f"can turn it on with the variable `{SAVE_CORRECTIONS_ENV}=1`.)")
        return "Saving corrections is turned off on this server: nothing you draw is stored."
    return (f"Corrections are saved as 28×28 PNGs in `{directory}/<digit>/`; to teach the model, run "
            f"`python train_model.py --init-from saved_model --extra-data {directory}`")


def save_number_correction(model_inputs, number, directory):
    """The (28, 28) inputs of a drawing's digits, left to right, and the right number as typed
    ("2026") -> the paths written, each digit's image under directory/<its digit>/.

    Raises CorrectionError, before writing anything, for a blank drawing, a number that is not
    made of the digits 0-9, or one with more or fewer digits than the drawing was split into.
    """
    number = "".join(str(number).split()) if number is not None else ""
    if not number or any(digit not in CLASS_NAMES for digit in number):
        raise CorrectionError(f"Type the right number with the digits 0 to 9 (got {number!r}).")
    if len(model_inputs) == 0:
        raise CorrectionError("Nothing is drawn: draw a digit before saving a correction.")
    if len(number) != len(model_inputs):
        raise CorrectionError(
            f"The drawing was read as {len(model_inputs)} digit{'s' if len(model_inputs) != 1 else ''} "
            f"but you typed {len(number)}: type one digit for each, or redraw it with the digits "
            "clearly apart (or touching ones joined less)."
        )
    limits = correction_limits()
    with _saving:
        # Room for every new picture first, so that a full folder never keeps half a number; pictures
        # already stored (or twice in this number) take no room, as save_correction stores them once.
        index = _index(directory)
        pictures = [_png(model_input) for model_input in model_inputs]
        new = {data for data in pictures if _stored_copy(index, data) is None}
        _check_room(index, sum(map(len, new)), limits, new_files=len(new))
        return [_store(data, digit, directory, limits) for data, digit in zip(pictures, number)]
