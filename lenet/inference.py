"""Load the exported LeNet-5 once and classify images fast, through the SavedModel, LiteRT or ONNX Runtime.

One `Classifier` for the app, the trainer's export check, the tests and the benchmarks; the back
end only runs (N, 28, 28, 1) float32 -> (N, 10) float32, so every runtime gets the same checks.
"""

import json
import threading
from pathlib import Path

import numpy as np

from lenet.config import (
    DEFAULT_MODEL_DIR,
    DEFAULT_RUNTIME,
    INPUT_NAME,
    INPUT_SHAPE,
    METADATA_FILENAME,
    ONNX_FILENAME,
    OUTPUT_NAME,
    REEXPORT_COMMAND,
    RETRAIN_COMMAND,
    RUNTIME_ENV,
    RUNTIMES,
    TFLITE_FILENAME,
)
from lenet.tensorflow_import import import_tensorflow


class ModelLoadError(RuntimeError):
    """The model folder, or the file the chosen runtime reads, is missing or damaged."""


def _load_error(path, problem, fix=None):
    if fix is None:
        output = "" if Path(path).resolve() == DEFAULT_MODEL_DIR else f" --output {path}"
        fix = f"Restore it with `git checkout -- saved_model` or retrain it with `{RETRAIN_COMMAND}{output}`"
    return ModelLoadError(f"Cannot load the LeNet-5 model from {path}: {problem}. {fix}.")


class Classifier:
    """Probabilities from the exported model, for one image or a batch, via `runtime`.

    runtime: "savedmodel" (serving_default of the SavedModel), "litert" (lenet5.tflite) or
    "onnx" (lenet5.onnx), all in `model_dir`. Thread-safe.
    """

    def __init__(self, model_dir=DEFAULT_MODEL_DIR, runtime=DEFAULT_RUNTIME):
        self.model_dir = Path(model_dir)
        if runtime not in _BACK_ENDS:
            raise ModelLoadError(
                f"Unknown runtime {runtime!r}: choose one of {', '.join(RUNTIMES)} (e.g. {RUNTIME_ENV}=onnx)."
            )
        self.runtime = runtime
        if not self.model_dir.is_dir():
            raise _load_error(self.model_dir, "there is no such folder")
        self._back_end = _BACK_ENDS[runtime](self.model_dir)
        self._saved_model = self._back_end if runtime == "savedmodel" else None
        self._saved_model_lock = threading.Lock()
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
        return self._back_end.run(np.ascontiguousarray(images))

    def signature(self, name):
        """The SavedModel's signature `name` (e.g. "activations"), for other views of the model.

        The LiteRT and ONNX files hold only the probabilities, so with those runtimes the SavedModel
        beside them is loaded (once) for this.
        """
        with self._saved_model_lock:
            if self._saved_model is None:
                self._saved_model = _SavedModel(self.model_dir)
        signatures = self._saved_model.loaded.signatures
        if name not in signatures:
            raise _load_error(self.model_dir, f"it has no {name} signature (exported by an older trainer)")
        return signatures[name]


class _SavedModel:
    """serving_default of the SavedModel; its signatures are pure functions, safe to call from threads."""

    def __init__(self, model_dir):
        if not (model_dir / "saved_model.pb").is_file():
            raise _load_error(model_dir, "no saved_model.pb there")
        tf = import_tensorflow()  # Imported here: the other runtimes and light modules need no TensorFlow.

        try:
            # Kept: the signatures refer to the loaded object's variables.
            self.loaded = tf.saved_model.load(str(model_dir))
        except Exception as error:  # TensorFlow raises many types for damaged files; all mean the same here.
            raise _load_error(model_dir, f"the files are damaged ({_first_line(error)})") from error
        if "serving_default" not in self.loaded.signatures:
            raise _load_error(model_dir, "it has no serving_default signature")
        self._serve = self.loaded.signatures["serving_default"]

    def run(self, images):
        return self._serve(**{INPUT_NAME: images})[OUTPUT_NAME].numpy()


class _LiteRT:
    """lenet5.tflite through ai-edge-litert's interpreter, which is not thread-safe: one call at a time."""

    def __init__(self, model_dir):
        path = _export_file(model_dir, TFLITE_FILENAME)
        interpreter_module = _import_runtime("ai_edge_litert.interpreter", "ai-edge-litert", model_dir)
        try:
            self._interpreter = interpreter_module.Interpreter(model_path=str(path))
            self._runner = self._interpreter.get_signature_runner("serving_default")
            inputs, outputs = self._runner.get_input_details(), self._runner.get_output_details()
        except Exception as error:  # A damaged flatbuffer raises ValueError or RuntimeError.
            raise _load_error(model_dir, f"{TFLITE_FILENAME} is damaged ({_first_line(error)})",
                              _reexport_fix(model_dir)) from error
        shape = inputs.get(INPUT_NAME, {}).get("shape_signature")
        _check_contract(model_dir, TFLITE_FILENAME, list(inputs), list(outputs),
                        None if shape is None else tuple(int(size) for size in shape[1:]))
        self._lock = threading.Lock()

    def run(self, images):
        with self._lock:
            return self._runner(**{INPUT_NAME: images})[OUTPUT_NAME]


class _Onnx:
    """lenet5.onnx through ONNX Runtime on the CPU; InferenceSession.run is thread-safe."""

    def __init__(self, model_dir):
        path = _export_file(model_dir, ONNX_FILENAME)
        onnxruntime = _import_runtime("onnxruntime", "onnxruntime", model_dir)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # Errors only: its optimizer's notes are not the user's concern.
        try:
            self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own types (InvalidProtobuf, Fail) for bad files.
            raise _load_error(model_dir, f"{ONNX_FILENAME} is damaged ({_first_line(error)})",
                              _reexport_fix(model_dir)) from error
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        shape = tuple(inputs[0].shape[1:]) if inputs else None
        _check_contract(model_dir, ONNX_FILENAME, [i.name for i in inputs], [o.name for o in outputs], shape)

    def run(self, images):
        return self._session.run([OUTPUT_NAME], {INPUT_NAME: images})[0]


_BACK_ENDS = {"savedmodel": _SavedModel, "litert": _LiteRT, "onnx": _Onnx}


def _export_file(model_dir, filename):
    path = model_dir / filename
    if not path.is_file():
        raise _load_error(model_dir, f"no {filename} there", _reexport_fix(model_dir))
    return path


def _reexport_fix(model_dir):
    command = (REEXPORT_COMMAND if Path(model_dir).resolve() == DEFAULT_MODEL_DIR
               else f"{RETRAIN_COMMAND} --export-only --init-from {model_dir} --output {model_dir}")
    return f"Write it from the model beside it with `{command}`"


def _import_runtime(module, package, model_dir):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise _load_error(model_dir, f"the {package} package is not installed ({error})",
                          "Install it with `pip install -r requirements.txt`") from error


def _check_contract(model_dir, filename, input_names, output_names, input_shape):
    """Refuse a file that does not take `image` (N, 28, 28, 1) and give `probabilities`: not this model's export."""
    if input_names != [INPUT_NAME] or output_names != [OUTPUT_NAME] or input_shape != INPUT_SHAPE:
        raise _load_error(
            model_dir,
            f"{filename} is not a LeNet-5 export of this project (inputs {input_names} of shape "
            f"{input_shape}, outputs {output_names}; expected {INPUT_NAME} (N, 28, 28, 1) -> {OUTPUT_NAME})",
            _reexport_fix(model_dir),
        )


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _read_metadata(model_dir):
    """The training metadata written beside the model, or {} if it is missing or unreadable."""
    try:
        return json.loads((model_dir / METADATA_FILENAME).read_text())
    except (OSError, ValueError):
        return {}
