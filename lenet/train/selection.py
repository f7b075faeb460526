"""Choose the epoch to keep by both populations: MNIST validation digits and held-out pen writers."""

import keras
import numpy as np

from lenet.train.pipeline import to_model_input

PEN_ACCURACY = "val_pen_accuracy"  # Accuracy on the held-out pen writers.
BOTH_ACCURACY = "val_both_accuracy"  # Its mean with MNIST's val_accuracy: what selects the epoch.


class KeepBestOnBothPopulations(keras.callbacks.Callback):
    """After each epoch, log `val_pen_accuracy` (held-out writers) and `val_both_accuracy` (the mean
    with MNIST's `val_accuracy`); at the end, restore the weights of the epoch best on that mean.

    The mean, not MNIST alone: a model can gain on MNIST while it forgets the pen writers' styles.
    Ties go to the later epoch, which the learning-rate decay has refined further.
    """

    def __init__(self, pen_images, pen_labels, batch_size=1000):
        super().__init__()
        self.pen_images = to_model_input(pen_images)
        self.pen_labels = np.asarray(pen_labels)
        self.batch_size = batch_size
        self.best = None  # (score, epoch number from 1)
        self._best_weights = None

    def pen_accuracy(self):
        predicted = np.concatenate([
            np.argmax(self.model(self.pen_images[start:start + self.batch_size], training=False), axis=1)
            for start in range(0, len(self.pen_images), self.batch_size)
        ])
        return float(np.mean(predicted == self.pen_labels))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs[PEN_ACCURACY] = self.pen_accuracy()
        logs[BOTH_ACCURACY] = (logs["val_accuracy"] + logs[PEN_ACCURACY]) / 2
        if self.best is None or logs[BOTH_ACCURACY] >= self.best[0]:
            self.best = (logs[BOTH_ACCURACY], epoch + 1)
            self._best_weights = self.model.get_weights()

    def on_train_end(self, logs=None):
        if self._best_weights is not None:
            self.model.set_weights(self._best_weights)
