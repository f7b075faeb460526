"""Random distortions of MNIST batches that mimic how people draw: slant, size, position, pen width."""

import math

import tensorflow as tf

from lenet.config import IMAGE_SIZE

# Ranges at strength 1.0. They stay small because the app already normalizes size and position;
# what is left to learn is the variation that normalization cannot remove.
MAX_ROTATION_DEGREES = 12.0
MAX_SCALE_CHANGE = 0.12  # zoom in [0.88, 1.12]
MAX_ASPECT_CHANGE = 0.10  # width/height ratio in [0.90, 1.10]
MAX_SHEAR = 0.25  # horizontal shear factor (slanted handwriting)
MAX_SHIFT_PIXELS = 2.0
# Stroke width: blend each digit towards its dilated (thicker) or eroded (thinner) self.
MAX_THICKEN = 0.8
MAX_THIN = 0.5


def _uniform(seed, shape, limit):
    """Stateless uniform samples in [-limit, limit]."""
    return tf.random.stateless_uniform(shape, seed, minval=-limit, maxval=limit)


def change_stroke_width(images, amounts):
    """(N, 28, 28, 1) float in [0, 1], (N,) in [-1, 1] -> same shape: >0 thickens, <0 thins."""
    dilated = tf.nn.max_pool2d(images, ksize=3, strides=1, padding="SAME")
    eroded = -tf.nn.max_pool2d(-images, ksize=3, strides=1, padding="SAME")
    amounts = tf.reshape(amounts, (-1, 1, 1, 1))
    target = tf.where(amounts > 0, dilated, eroded)
    return images + tf.abs(amounts) * (target - images)


def affine_transforms(seed, batch_size, strength):
    """(N, 8) projective transforms for ImageProjectiveTransformV3 (output -> input coordinates)."""
    seeds = tf.random.experimental.stateless_split(seed, 6)
    angle = _uniform(seeds[0], (batch_size,), strength * MAX_ROTATION_DEGREES * math.pi / 180)
    scale = 1.0 + _uniform(seeds[1], (batch_size,), strength * MAX_SCALE_CHANGE)
    aspect = 1.0 + _uniform(seeds[2], (batch_size,), strength * MAX_ASPECT_CHANGE)
    shear = _uniform(seeds[3], (batch_size,), strength * MAX_SHEAR)
    shift_x = _uniform(seeds[4], (batch_size,), strength * MAX_SHIFT_PIXELS)
    shift_y = _uniform(seeds[5], (batch_size,), strength * MAX_SHIFT_PIXELS)

    # Forward map: output = A @ (input - centre) + centre + shift, with A = rotation @ shear @ scale.
    cos, sin = tf.cos(angle), tf.sin(angle)
    scale_x, scale_y = scale * aspect, scale / aspect
    a00 = cos * scale_x
    a01 = (cos * shear - sin) * scale_y
    a10 = sin * scale_x
    a11 = (sin * shear + cos) * scale_y
    # The op wants the inverse map, output pixel -> input pixel.
    det = a00 * a11 - a01 * a10
    i00, i01, i10, i11 = a11 / det, -a01 / det, -a10 / det, a00 / det
    centre = (IMAGE_SIZE - 1) / 2.0
    offset_x = centre + shift_x
    offset_y = centre + shift_y
    b0 = centre - (i00 * offset_x + i01 * offset_y)
    b1 = centre - (i10 * offset_x + i11 * offset_y)
    zeros = tf.zeros_like(angle)
    return tf.stack([i00, i01, b0, i10, i11, b1, zeros, zeros], axis=1)


def augment_batch(images, seed, strength=1.0):
    """(N, 28, 28, 1) float32 in [0, 1] -> same, randomly distorted; seed is a stateless (2,) int seed."""
    batch_size = tf.shape(images)[0]
    width_seed, affine_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    amounts = tf.random.stateless_uniform(
        (batch_size,), width_seed, minval=-strength * MAX_THIN, maxval=strength * MAX_THICKEN
    )
    images = change_stroke_width(images, amounts)
    images = tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=affine_transforms(affine_seed, batch_size, strength),
        output_shape=tf.constant([IMAGE_SIZE, IMAGE_SIZE]),
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )
    return tf.clip_by_value(images, 0.0, 1.0)
