"""Save a drawing the model got wrong, with the right digit, for retraining (`--extra-data`).

Layout: <dir>/<digit>/<UTC timestamp>-<short hash>.png, 28x28 grayscale, white ink on black,
exactly what the model saw: the one-folder-per-class layout that
keras.utils.image_dataset_from_directory and `train_model.py --extra-data` read.
"""

import datetime
import hashlib
import io
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from lenet.config import CLASS_NAMES, IMAGE_SIZE

CORRECTIONS_DIR_ENV = "LENET_CORRECTIONS_DIR"
DEFAULT_CORRECTIONS_DIR = "corrections"
# Set to 0 (or false/no/off) on a public Space: then nothing a visitor draws is stored.
SAVE_CORRECTIONS_ENV = "LENET_SAVE_CORRECTIONS"


class CorrectionError(ValueError):
    """A correction that cannot be saved; the message says why and what to do."""


def corrections_enabled():
    """Whether the app may store corrections: $LENET_SAVE_CORRECTIONS is not 0/false/no/off."""
    return os.environ.get(SAVE_CORRECTIONS_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def corrections_dir():
    """$LENET_CORRECTIONS_DIR, else corrections/ in the working directory."""
    return Path(os.environ.get(CORRECTIONS_DIR_ENV) or DEFAULT_CORRECTIONS_DIR)


def save_correction(model_input, digit, directory):
    """(28, 28) float in [0, 1] or None, "0"-"9" -> path of the PNG written under directory/digit/.

    Raises CorrectionError for a blank drawing or a label that is not a digit.
    """
    digit = str(digit).strip() if digit is not None else ""
    if digit not in CLASS_NAMES:
        raise CorrectionError(f"Pick the right digit, 0 to 9, before saving (got {digit!r}).")
    if model_input is None:
        raise CorrectionError("Nothing is drawn: draw a digit before saving a correction.")
    pixels = np.rint(np.clip(model_input, 0, 1) * 255).astype(np.uint8)
    if pixels.shape != (IMAGE_SIZE, IMAGE_SIZE):
        raise CorrectionError(f"Expected the 28x28 model input, got shape {pixels.shape}.")
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG")
    data = buffer.getvalue()
    folder = Path(directory) / digit
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}-{hashlib.sha256(data).hexdigest()[:8]}.png"
    # Written under a temporary name and renamed, so the trainer never reads half a file.
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as staging:
        staging.write(data)
    os.replace(staging.name, path)
    return path


def describe_corrections(enabled, directory):
    """One line for the page: where corrections go and how to learn from them, or that they are off."""
    if not enabled:
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
    return [save_correction(model_input, digit, directory) for model_input, digit in zip(model_inputs, number)]
