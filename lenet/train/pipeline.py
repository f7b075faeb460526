"""Input pipelines and optimizer setup for training LeNet-5 on MNIST (and pen drawings)."""

import keras
import numpy as np
import tensorflow as tf

from lenet.train.augment import augment_batch
from lenet.train.parallel import map_in_processes

# Floor of the cosine learning-rate decay, as a fraction of the initial rate.
FINAL_LEARNING_RATE_FRACTION = 0.01


def to_model_input(images):
    """(N, 28, 28) uint8 -> (N, 28, 28, 1) float32 in [0, 1]."""
    return (images.astype(np.float32) / 255.0)[..., np.newaxis]


def split_validation(images, labels, fraction, seed):
    """Hold out a random `fraction` of the training set for validation: ((x, y), (x_val, y_val))."""
    order = np.random.default_rng(seed).permutation(len(images))
    held_out = max(1, int(round(len(images) * fraction)))
    train, validation = order[held_out:], order[:held_out]
    return (images[train], labels[train]), (images[validation], labels[validation])


def as_app_sees_them(images):
    """(N, 28, 28) uint8 MNIST -> (N, 28, 28) uint8 passed through the app's preprocessing.

    Measures how the model does on what the app feeds it: every digit re-cropped, re-centred and
    given MNIST's median stroke width. Digits the preprocessing calls blank (a few very bold ones)
    stay as they were. Runs on every core.
    """
    return np.stack(map_in_processes(as_app_sees_it, images))


def as_app_sees_it(image):
    """uint8 (28, 28) MNIST digit -> uint8 (28, 28) through the app's to_mnist; itself if called blank."""
    from lenet.preprocess import to_mnist_uint8

    result = to_mnist_uint8(image)
    return image if result is None else result


def training_dataset(images, labels, batch_size, seed, augment_strength, pen=None, pen_share=0.0):
    """An endless, shuffled, batched (and, if strength > 0, augmented) tf.data pipeline.

    With `pen` = (images, labels), every batch holds round(pen_share * batch_size) pen drawings
    and MNIST digits for the rest, so each step sees both kinds of handwriting.
    """
    pen_count = round(pen_share * batch_size) if pen is not None else 0
    dataset = _shuffled_batches(images, labels, batch_size - pen_count, seed)
    if pen_count:
        pen_batches = _shuffled_batches(*pen, pen_count, seed + 1)
        dataset = tf.data.Dataset.zip((dataset, pen_batches)).map(
            lambda mnist, drawn: (tf.concat([mnist[0], drawn[0]], 0), tf.concat([mnist[1], drawn[1]], 0))
        )
    if augment_strength > 0:
        # Stateless seeds from (seed, batch number): the same run draws the same distortions.
        dataset = dataset.enumerate().map(
            lambda step, batch: (
                augment_batch(batch[0], tf.stack([tf.cast(seed, tf.int64), step]), augment_strength),
                batch[1],
            ),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
    return dataset.prefetch(tf.data.AUTOTUNE)


def _shuffled_batches(images, labels, batch_size, seed):
    dataset = tf.data.Dataset.from_tensor_slices((to_model_input(images), labels.astype(np.int32)))
    dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True).repeat()
    return dataset.batch(batch_size, drop_remainder=True)


def evaluation_dataset(images, labels, batch_size=1000):
    """Batched, unshuffled, unaugmented pipeline for validation and test."""
    dataset = tf.data.Dataset.from_tensor_slices((to_model_input(images), labels.astype(np.int32)))
    return dataset.batch(batch_size)


def compile_for_training(model, learning_rate, total_steps):
    """Adam with a cosine-decayed learning rate and sparse cross-entropy; accuracy as the metric."""
    schedule = keras.optimizers.schedules.CosineDecay(
        learning_rate, decay_steps=total_steps, alpha=FINAL_LEARNING_RATE_FRACTION
    )
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
