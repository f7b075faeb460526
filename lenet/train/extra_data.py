"""Labelled drawings from folders (<dir>/<digit>/*.png), validated, for training beside MNIST."""

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from lenet.config import CLASS_NAMES, IMAGE_SIZE
from lenet.preprocess import MIN_CONTRAST

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
# Extra drawings are repeated until they make up this share of an epoch: a few hundred of them
# then weigh like thousands, without drowning MNIST's 55,000.
EXTRA_SHARE = 0.10
# Pixel modes an 8-bit conversion would clip.
WIDE_MODES = {"I", "F", "I;16", "I;16L", "I;16B", "I;16N"}


class ExtraDataError(ValueError):
    """A folder of extra drawings is missing, empty or holds a file that is not a usable digit."""


def load_labelled_folders(folders):
    """[dir, ...] -> (uint8 (N, 28, 28) white ink on black, uint8 (N,) labels); raises ExtraDataError."""
    images, labels = [], []
    for folder in map(Path, folders):
        folder_images, folder_labels = _load_folder(folder)
        images += folder_images
        labels += folder_labels
    return np.stack(images), np.array(labels, dtype=np.uint8)


def _load_folder(folder):
    if not folder.is_dir():
        raise ExtraDataError(f"{folder}: no such folder. Pass a folder with subfolders 0 to 9 of PNG drawings.")
    images, labels = [], []
    for class_folder in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if class_folder.name not in CLASS_NAMES:
            raise ExtraDataError(
                f"{class_folder}: subfolders must be named 0 to 9 after the digit they hold."
            )
        for path in sorted(class_folder.iterdir()):
            if path.name.startswith(".") or path.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            images.append(read_digit_image(path))
            labels.append(int(class_folder.name))
    if not images:
        raise ExtraDataError(
            f"{folder}: no drawings found. Expected {folder}/<digit>/<name>.png, as the app saves corrections."
        )
    return images, labels


def read_digit_image(path):
    """Path of a 28x28 grayscale image, white ink on black -> uint8 (28, 28); raises ExtraDataError.

    Besides damaged files, refuses pictures that would silently teach a wrong digit: blank ones,
    dark ink on a light background, ink kept in transparency, and 16-bit or float pixels (which an
    8-bit conversion would clip).
    """
    try:
        with Image.open(path) as image:
            image.load()
            if image.size != (IMAGE_SIZE, IMAGE_SIZE):
                raise _unusable(path, f"is {image.size[0]}x{image.size[1]} pixels, not 28x28")
            return _digit_pixels(path, image)
    except ExtraDataError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ExtraDataError(f"{path}: not a readable image ({error}). Remove or replace the file.") from error


def _digit_pixels(path, image):
    """Loaded 28x28 PIL image -> uint8 (28, 28), white ink on black; raises ExtraDataError."""
    if image.mode in WIDE_MODES:
        raise _unusable(path, f"has 16-bit or floating-point pixels (mode {image.mode})")
    if image.mode in ("LA", "La", "PA", "RGBA", "RGBa") or "transparency" in image.info:
        alpha = np.asarray(image.convert("RGBA"))[:, :, 3]
        if alpha.min() < 255:
            raise _unusable(path, "has transparent pixels (ink kept in transparency is not read)")
    pixels = np.asarray(image.convert("L"), dtype=np.uint8)
    if pixels.max() < MIN_CONTRAST:
        raise _unusable(path, "is blank")
    border = np.concatenate([pixels[0], pixels[-1], pixels[1:-1, 0], pixels[1:-1, -1]])
    if np.median(border) > 127:
        raise _unusable(path, "looks like dark ink on a light background; invert it")
    return pixels


def _unusable(path, problem):
    return ExtraDataError(
        f"{path}: {problem}. Drawings here must be what the app saves: 28x28 8-bit grayscale, "
        "white ink on black, no transparency. Fix or remove the file."
    )


def oversample(images, labels, base_count, seed):
    """Repeat (images, labels) so they make up about EXTRA_SHARE of base_count + theirs; at least once."""
    repeats = max(1, round(EXTRA_SHARE * base_count / ((1 - EXTRA_SHARE) * len(images))))
    order = np.random.default_rng(seed).permutation(len(images) * repeats) % len(images)
    return images[order], labels[order]
