"""Digits as scanned sets store them: the ink box stretched to fill a small square, grey or thresholded.

USPS (16x16, grey) and Semeion (16x16, thresholded to black and white) store every digit this way.
The digit's aspect is lost, so a 1 becomes a bar about as wide as it is tall, a shape MNIST's
aspect-keeping normalization never shows the model. Training adds copies of some of its digits
stored this way and read back through the app's to_mnist, as an upload of such a scan is read.
"""

import numpy as np
from PIL import Image

from lenet.config import IMAGE_SIZE
from lenet.preprocess import to_mnist_uint8
from lenet.train.parallel import map_in_processes

# Square sides of the training copies, in px: around the 16 of USPS and Semeion.
SIDES = (12, 20)
# Share of the training copies thresholded to black and white, as Semeion stores its digits.
THRESHOLDED_SHARE = 0.5
# uint8 ink level that belongs to the digit's box (MNIST's faint anti-aliased edge does not).
INK_LEVEL = 76


def tight_crop(image, side=16, thresholded=False):
    """uint8 (H, W) white ink on black -> uint8 (side, side) dark ink on white paper: the ink box
    stretched to fill the square, as a scanned set stores it; black and white if `thresholded`."""
    if not has_ink(image):
        raise ValueError("The image has no ink to crop to.")
    rows, columns = np.nonzero(image > INK_LEVEL)
    crop = image[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    scan = np.asarray(Image.fromarray(crop).resize((side, side), Image.Resampling.BILINEAR))
    if thresholded:
        scan = np.where(scan > 127, 255, 0).astype(np.uint8)
    return 255 - scan


def has_ink(image):
    """Whether uint8 (H, W) white ink on black has ink that tight_crop can crop to."""
    return bool((image > INK_LEVEL).any())


def scan_copies(images, labels, fraction, seed):
    """(uint8 (N, 28, 28) white on black, labels) -> scan copies of round(fraction * N) of them, picked
    at random: (uint8 (M, 28, 28) as to_mnist reads each scan, their labels). Each copy has its own
    side in SIDES and is thresholded with probability THRESHOLDED_SHARE; the same seed makes the same
    copies. A copy to_mnist calls blank is left out. Reading runs on every core (lenet.train.parallel)."""
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(images), size=round(fraction * len(images)), replace=False)
    sides = rng.integers(SIDES[0], SIDES[1] + 1, size=len(picked))
    thresholded = rng.random(len(picked)) < THRESHOLDED_SHARE
    read = map_in_processes(read_scan, [(images[index], int(side), bool(black_and_white))
                                        for index, side, black_and_white in zip(picked, sides, thresholded)])
    kept = [position for position, image in enumerate(read) if image is not None]
    if not kept:
        return np.zeros((0, IMAGE_SIZE, IMAGE_SIZE), np.uint8), np.zeros(0, labels.dtype)
    return np.stack([read[position] for position in kept]), labels[picked[kept]]


def read_scan(item):
    """(uint8 (28, 28) digit, side, thresholded) -> uint8 (28, 28) as to_mnist reads its scan; None if
    it has no ink or to_mnist calls the scan blank."""
    image, side, thresholded = item
    if not has_ink(image):
        return None
    return to_mnist_uint8(tight_crop(image, side, thresholded))


def with_scan_copies(images, labels, fraction, seed):
    """`images` and `labels` with scan_copies(images, labels, fraction, seed) appended (unchanged if 0)."""
    if fraction == 0:
        return images, labels
    copies, copy_labels = scan_copies(images, labels, fraction, seed)
    return np.concatenate([images, copies]), np.concatenate([labels, copy_labels])
