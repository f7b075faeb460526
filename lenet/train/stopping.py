"""Stop training cleanly on Ctrl-C or SIGTERM: finish the current batch, then unwind as KeyboardInterrupt.

Raising straight out of a signal handler in the middle of a Keras step can kill the process inside
TensorFlow's threads before any cleanup runs; a flag checked between batches cannot.
"""

import contextlib
import signal

import keras

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopOnSignal(keras.callbacks.Callback):
    """Ends model.fit after the batch during which SIGINT or SIGTERM arrived."""

    def __init__(self):
        super().__init__()
        self.received = None

    def request_stop(self, signum):
        if self.received is not None:  # A second signal: the user insists, stop now.
            raise KeyboardInterrupt(f"stopped by signal {signum}")
        self.received = signum

    def on_train_batch_end(self, batch, logs=None):
        if self.received is not None:
            self.model.stop_training = True


@contextlib.contextmanager
def stop_training_on_signals():
    """Yield a StopOnSignal callback for model.fit; after the block, raise KeyboardInterrupt if stopped."""
    callback = StopOnSignal()
    previous = {}
    try:
        for signum in STOP_SIGNALS:
            previous[signum] = signal.signal(signum, lambda signum, frame: callback.request_stop(signum))
    except ValueError:  # Not the main thread: signals cannot be caught here; train without.
        pass
    try:
        yield callback
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if callback.received is not None:
        raise KeyboardInterrupt(f"stopped by signal {callback.received}")
