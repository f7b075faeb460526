"""Facts shared by the trainer, the app and the tests: one source of truth."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The model reads MNIST-shaped images: 28x28, one channel, float32 in [0, 1], white ink on black.
IMAGE_SIZE = 28
INPUT_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 1)
INPUT_NAME = "image"

# MNIST fits each digit's bounding box into 20x20 and centres its mass in the 28x28 frame.
DIGIT_BOX_SIZE = 20

NUM_CLASSES = 10
CLASS_NAMES = tuple(str(digit) for digit in range(NUM_CLASSES))

# The paper's tanh + average pooling ("classic"), or ReLU + max pooling ("modern"), the default.
VARIANTS = ("modern", "classic")

DEFAULT_MODEL_DIR = PROJECT_ROOT / "saved_model"
# The app serves the model in $LENET_MODEL_DIR when set, e.g. a freshly retrained one.
MODEL_DIR_ENV = "LENET_MODEL_DIR"
METADATA_FILENAME = "metadata.json"
OUTPUT_NAME = "probabilities"

# The trained Keras model beside the SavedModel, which fine-tuning (--init-from) starts from.
KERAS_FILENAME = "lenet5.keras"
# The same model for other runtimes, written beside the SavedModel and checked at export to give
# its answers: LiteRT for phones and embedded devices, ONNX for onnxruntime (including
# onnxruntime-web in the browser).
TFLITE_FILENAME = "lenet5.tflite"
ONNX_FILENAME = "lenet5.onnx"
# The app serves the model through the runtime named by $LENET_RUNTIME. LiteRT by default: it
# loads in a fraction of a second without TensorFlow, whose import alone takes seconds and
# hundreds of MB (benchmarks/bench_startup.py, bench_runtimes.py).
RUNTIME_ENV = "LENET_RUNTIME"
RUNTIMES = ("savedmodel", "litert", "onnx")
DEFAULT_RUNTIME = "litert"

# Where tests and training on the team's machines find MNIST; users download it through Keras.
SHARED_MNIST_DIR = PROJECT_ROOT.parent / "shared" / "mnist"
MNIST_DIR_ENV = "MNIST_DIR"

# Pen-drawn digits (UCI pendigits) for training beside MNIST; users download them through Keras.
SHARED_PENDIGITS_DIR = PROJECT_ROOT.parent / "shared" / "pendigits"
PENDIGITS_DIR_ENV = "PENDIGITS_DIR"

RETRAIN_COMMAND = "python train_model.py"
REEXPORT_COMMAND = "python train_model.py --export-only --init-from saved_model"


def data_folder(given, env_name, shared_dir):
    """The folder a data set is read from: `given`, else $env_name if set, else `shared_dir` if it
    exists, else None (download it). A folder given or named by the environment is returned even
    if it does not exist, so that loading fails loudly instead of falling back to another source."""
    if given is not None:
        return Path(given).expanduser()
    if os.environ.get(env_name):
        return Path(os.environ[env_name]).expanduser()
    return shared_dir if shared_dir.is_dir() else None


def served_model_dir():
    """The folder the app loads its model from: $LENET_MODEL_DIR, else saved_model/."""
    return Path(os.environ.get(MODEL_DIR_ENV) or DEFAULT_MODEL_DIR)

# The page's sketchpad: its canvas's own resolution (not its size on screen), width x height, and
# the brush radius in canvas pixels. Wide, for a number. After every stroke the browser exports the
# canvas as images before sending it, and that time grows with its pixels, so the canvas is no
# larger than a number needs (benchmarks/bench_browser.py). The brush is thin enough for a number's
# small digits: a brush thicker than a loop closes it, and an 8 becomes a blob
# (benchmarks/bench_brush.py measures numbers at each brush width).
CANVAS_SIZE = (480, 240)
BRUSH_RADIUS = 5


def served_runtime():
    """The runtime the app serves the model with: $LENET_RUNTIME, else the SavedModel."""
    return os.environ.get(RUNTIME_ENV) or DEFAULT_RUNTIME
