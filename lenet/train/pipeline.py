"""Input pipelines, loss and optimizer setup for training LeNet-5 on MNIST (and pen drawings, and junk)."""

import keras
import numpy as np
import tensorflow as tf

from lenet.config import NUM_CLASSES
from lenet.train.augment import augment_batch
from lenet.train.parallel import map_in_processes
from lenet.train.segments import JUNK_LABEL

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


def training_dataset(images, labels, batch_size, seed, augment_strength, pen=None, pen_share=0.0,
                     junk=None, junk_share=0.0):
    """An endless, shuffled, batched (and, if strength > 0, augmented) tf.data pipeline.

    With `pen` = (images, labels), every batch holds round(pen_share * batch_size) pen drawings
    and MNIST digits for the rest, so each step sees both kinds of handwriting. With `junk`
    (windows cut from pairs, lenet/train/segments.py), round(junk_share * batch_size) windows come
    on top: the digits of a step stay those of a run without them.
    """
    pen_count = round(pen_share * batch_size) if pen is not None else 0
    junk_count = round(junk_share * batch_size) if junk is not None else 0
    streams = [_shuffled_batches(images, labels, batch_size - pen_count, seed)]
    streams += [_shuffled_batches(*extra, count, seed + number)
                for number, (extra, count) in enumerate([(pen, pen_count), (junk, junk_count)], start=1) if count]
    dataset = streams[0]
    if len(streams) > 1:
        dataset = tf.data.Dataset.zip(tuple(streams)).map(
            lambda *batches: (tf.concat([batch[0] for batch in batches], 0),
                              tf.concat([batch[1] for batch in batches], 0))
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


def digit_or_junk_crossentropy(labels, probabilities):
    """Per example: cross-entropy to the label for a digit (0-9), to the uniform distribution over
    the ten digits for JUNK_LABEL, so the model answers "none of them" with a flat output.

    labels (N,) or (N, 1) int, probabilities (N, 10) -> (N,) losses.
    """
    labels = tf.reshape(tf.cast(labels, tf.int32), [-1])
    is_junk = tf.equal(labels, JUNK_LABEL)
    digit = keras.losses.sparse_categorical_crossentropy(tf.where(is_junk, 0, labels), probabilities)
    # The same clipping as Keras's cross-entropy, so a digit's loss is exactly the usual one.
    clipped = tf.clip_by_value(probabilities, keras.backend.epsilon(), 1 - keras.backend.epsilon())
    uniform = -tf.reduce_sum(tf.math.log(clipped), axis=-1) / NUM_CLASSES
    return tf.where(is_junk, uniform, digit)


class DigitAccuracy(keras.metrics.SparseCategoricalAccuracy):
    """Accuracy over the digit examples only, named "accuracy": junk has no right answer, and the
    figures stay comparable with runs trained without it."""

    def __init__(self, name="accuracy", **kwargs):
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels = tf.reshape(tf.cast(y_true, tf.int32), [-1])
        is_digit = tf.cast(tf.not_equal(labels, JUNK_LABEL), tf.float32)
        if sample_weight is not None:
            is_digit *= tf.reshape(tf.cast(sample_weight, tf.float32), [-1])
        return super().update_state(tf.where(is_digit > 0, labels, 0), y_pred, is_digit)


def compile_for_training(model, learning_rate, total_steps):
    """Adam with a cosine-decayed learning rate and digit_or_junk_crossentropy; accuracy over digits."""
    schedule = keras.optimizers.schedules.CosineDecay(
        learning_rate, decay_steps=total_steps, alpha=FINAL_LEARNING_RATE_FRACTION
    )
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=digit_or_junk_crossentropy,
        metrics=[DigitAccuracy()],
    )
    return model
