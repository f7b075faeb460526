"""Load the exported LeNet-5 once and classify images fast, without model.predict's per-call overhead."""

import json
from pathlib import Path

import numpy as np

from lenet.config import DEFAULT_MODEL_DIR, INPUT_NAME, INPUT_SHAPE, METADATA_FILENAME, RETRAIN_COMMAND
from lenet.tensorflow_import import import_tensorflow


class ModelLoadError(RuntimeError):
    """The SavedModel folder is missing or damaged."""


def _load_error(path, problem):
    return ModelLoadError(
        f"Cannot load the LeNet-5 model from {path}: {problem}. "
        f"Restore it with `git checkout -- saved_model` or retrain it with `{RETRAIN_COMMAND}"
        f"{'' if Path(path).resolve() == DEFAULT_MODEL_DIR else f' --output {path}'}`."
    )


class Classifier:
    """Probabilities from the SavedModel's serving_default signature, for one image or a batch.

    Thread-safe: the signature is a pure function of its input.
    """

    def __init__(self, model_dir=DEFAULT_MODEL_DIR):
        self.model_dir = Path(model_dir)
        # Keep the loaded object alive: its signatures refer to its variables.
        self._loaded = _load_saved_model(self.model_dir)
        self._serve = self._loaded.signatures["serving_default"]
        self.metadata = _read_metadata(self.model_dir)

    def predict(self, image):
        """(28, 28) or (28, 28, 1) float in [0, 1] -> (10,) float32 probabilities."""
        image = np.asarray(image, dtype=np.float32)
        if image.shape not in (INPUT_SHAPE[:2], INPUT_SHAPE):
            raise ValueError(f"Expected one {INPUT_SHAPE[0]}x{INPUT_SHAPE[1]} image, got shape {image.shape}.")
        return self.predict_batch(image.reshape(1, *INPUT_SHAPE))[0]

    def predict_batch(self, images):
        """(N, 28, 28[, 1]) float in [0, 1] -> (N, 10) float32 probabilities."""
        images = np.asarray(images, dtype=np.float32)
        if images.ndim == 3:
            images = images[..., np.newaxis]
        if images.ndim != 4 or images.shape[1:] != INPUT_SHAPE:
            raise ValueError(f"Expected images of shape (N, 28, 28) or (N, 28, 28, 1), got {images.shape}.")
        outputs = self._serve(**{INPUT_NAME: images})
        return outputs["probabilities"].numpy()

    def signature(self, name):
        """The loaded SavedModel's signature `name` (e.g. "activations"), for other views of the model."""
        if name not in self._loaded.signatures:
            raise _load_error(self.model_dir, f"it has no {name} signature (exported by an older trainer)")
        return self._loaded.signatures[name]


def _load_saved_model(model_dir):
    if not (model_dir / "saved_model.pb").is_file():
        raise _load_error(model_dir, "no saved_model.pb there")
    tf = import_tensorflow()  # Imported here so that modules which only describe the model stay light.

    try:
        loaded = tf.saved_model.load(str(model_dir))
    except Exception as error:  # TensorFlow raises many types for damaged files; all mean the same here.
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise _load_error(model_dir, f"the files are damaged ({first_line})") from error
    if "serving_default" not in loaded.signatures:
        raise _load_error(model_dir, "it has no serving_default signature")
    return loaded


def _read_metadata(model_dir):
    """The training metadata written beside the model, or {} if it is missing or unreadable."""
    try:
        return json.loads((model_dir / METADATA_FILENAME).read_text())
    except (OSError, ValueError):
        return {}
