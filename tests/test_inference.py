import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from lenet.config import (
    DEFAULT_MODEL_DIR,
    KERAS_FILENAME,
    METADATA_FILENAME,
    ONNX_FILENAME,
    PROJECT_ROOT,
    RETRAIN_COMMAND,
    TFLITE_FILENAME,
)
from lenet.inference import Classifier, ModelLoadError
from lenet.train.pipeline import to_model_input

REQUIRED_TEST_ACCURACY = 0.9940


def test_committed_model_reaches_the_promised_accuracy(classifier, mnist):
    _, (x_test, y_test) = mnist
    probabilities = classifier.predict_batch(to_model_input(x_test))
    accuracy = np.mean(probabilities.argmax(axis=1) == y_test)
    assert accuracy >= REQUIRED_TEST_ACCURACY
    # The accuracy the app shows is the one measured here.
    assert classifier.metadata["test_accuracy"] == pytest.approx(accuracy, abs=1e-4)


def test_single_image_call_agrees_with_the_signature_batch_call(classifier, mnist):
    _, (x_test, _) = mnist
    images = to_model_input(x_test[:16])
    signature = tf.saved_model.load(str(DEFAULT_MODEL_DIR)).signatures["serving_default"]
    batch = signature(image=tf.constant(images))["probabilities"].numpy()
    singles = np.stack([classifier.predict(image[..., 0]) for image in images])
    np.testing.assert_allclose(singles, batch, atol=1e-6)


def test_saved_model_matches_the_keras_model_saved_beside_it(classifier, mnist):
    _, (x_test, _) = mnist
    images = to_model_input(x_test[:200])
    keras_model = keras.models.load_model(DEFAULT_MODEL_DIR / KERAS_FILENAME)
    np.testing.assert_allclose(classifier.predict_batch(images), keras_model(images), atol=1e-5)


def test_probabilities_sum_to_one(classifier):
    probabilities = classifier.predict(np.zeros((28, 28), np.float32))
    assert probabilities.shape == (10,)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)


def test_wrong_shapes_are_refused_clearly(classifier):
    with pytest.raises(ValueError, match="28x28"):
        classifier.predict(np.zeros((32, 32)))
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        classifier.predict_batch(np.zeros((2, 3)))


def test_missing_model_names_the_path_and_the_retrain_command(tmp_path):
    with pytest.raises(ModelLoadError) as caught:
        Classifier(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(caught.value)
    assert RETRAIN_COMMAND in str(caught.value)


@pytest.mark.parametrize(
    "damage",
    [
        lambda folder: (folder / "saved_model.pb").write_bytes(b"not a protobuf"),
        lambda folder: shutil.rmtree(folder / "variables"),
        lambda folder: _truncate(next((folder / "variables").glob("variables.data-*"))),
        lambda folder: (folder / "variables" / "variables.index").write_bytes(b"\0" * 10),
    ],
    ids=["garbage-graph", "no-variables", "truncated-weights", "garbage-index"],
)
def test_damaged_model_gives_a_clear_error(tmp_path, damage):
    folder = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, folder)
    damage(folder)
    with pytest.raises(ModelLoadError, match="damaged|no saved_model.pb") as caught:
        Classifier(folder, "savedmodel")
    assert RETRAIN_COMMAND in str(caught.value)


def test_missing_metadata_still_classifies(tmp_path, mnist):
    folder = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, folder)
    (folder / METADATA_FILENAME).unlink()
    _, (x_test, y_test) = mnist
    classifier = Classifier(folder)
    assert classifier.metadata == {}
    assert classifier.predict(to_model_input(x_test[:1])[0, ..., 0]).argmax() == y_test[0]


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def test_signatures_beyond_serving_are_reachable_or_clearly_missing(classifier):
    assert "c1" in classifier.signature("activations").structured_outputs
    with pytest.raises(ModelLoadError, match="no attention signature"):
        classifier.signature("attention")


# The LiteRT and ONNX back ends: the same Classifier, the committed model's exported files.
EXPORT_RUNTIMES = ["litert", "onnx"]


def drawn_digits():
    """(names, (N, 28, 28) model inputs): the test digits and one writer's, drawn and preprocessed like the app's."""
    from benchmarks.drawing import STROKES, WRITER, draw_strokes, writer_drawing
    from lenet.preprocess import to_mnist

    rng = np.random.default_rng(0)
    drawings = {**{f"clean {d}": draw_strokes(STROKES[d], brush=24) for d in STROKES},
                **{f"writer {d}": writer_drawing(d, 0, rng) for d in WRITER}}
    return list(drawings), np.stack([to_mnist(alpha) for alpha in drawings.values()])


@pytest.mark.parametrize("runtime", EXPORT_RUNTIMES)
def test_each_export_reads_drawn_digits_like_the_saved_model(exported_model_dir, runtime):
    names, images = drawn_digits()
    reference = Classifier(exported_model_dir, "savedmodel").predict_batch(images)
    exported = Classifier(exported_model_dir, runtime)
    assert exported.runtime == runtime
    singles = np.stack([exported.predict(image) for image in images])
    np.testing.assert_allclose(singles, reference, atol=1e-5)
    np.testing.assert_allclose(exported.predict_batch(images), reference, atol=1e-5)
    # The clean digits are read as what was drawn, by every runtime.
    for name, probabilities in zip(names, singles):
        if name.startswith("clean"):
            assert str(probabilities.argmax()) == name[-1]


def test_litert_answers_correctly_from_many_threads(exported_model_dir, mnist):
    from concurrent.futures import ThreadPoolExecutor

    _, (x_test, _) = mnist
    images = to_model_input(x_test[:64])
    classifier = Classifier(exported_model_dir, "litert")
    expected = classifier.predict_batch(images)
    # Single images and batches of another size interleaved: the interpreter resizes between calls.
    with ThreadPoolExecutor(8) as pool:
        singles = list(pool.map(lambda image: classifier.predict(image), images))
        batches = list(pool.map(lambda start: classifier.predict_batch(images[start:start + 8]), range(0, 64, 8)))
    np.testing.assert_allclose(np.stack(singles), expected, atol=1e-6)
    np.testing.assert_allclose(np.concatenate(batches), expected, atol=1e-6)


@pytest.mark.parametrize("runtime", EXPORT_RUNTIMES)
def test_exports_reject_wrong_shapes_like_the_saved_model(exported_model_dir, runtime):
    classifier = Classifier(exported_model_dir, runtime)
    with pytest.raises(ValueError, match="28x28"):
        classifier.predict(np.zeros((32, 32)))


def test_other_views_of_the_model_come_from_the_saved_model_beside_an_export(exported_model_dir):
    classifier = Classifier(exported_model_dir, "onnx")
    assert "c1" in classifier.signature("activations").structured_outputs


def test_unknown_runtime_names_the_choices():
    with pytest.raises(ModelLoadError, match="savedmodel, litert, onnx"):
        Classifier(DEFAULT_MODEL_DIR, "tensorrt")


@pytest.mark.parametrize("runtime, filename", [("litert", TFLITE_FILENAME), ("onnx", ONNX_FILENAME)])
def test_missing_export_names_the_command_that_writes_it(tmp_path, runtime, filename):
    folder = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, folder, ignore=shutil.ignore_patterns(filename))
    with pytest.raises(ModelLoadError, match=f"no {filename} there") as caught:
        Classifier(folder, runtime)
    assert f"--export-only --init-from {folder} --output {folder}" in str(caught.value)


@pytest.mark.parametrize("runtime, filename", [("litert", TFLITE_FILENAME), ("onnx", ONNX_FILENAME)])
def test_damaged_export_gives_a_clear_error(exported_model_dir, tmp_path, runtime, filename):
    folder = tmp_path / "model"
    shutil.copytree(exported_model_dir, folder)
    _truncate(folder / filename)
    with pytest.raises(ModelLoadError, match=f"{filename} is damaged"):
        Classifier(folder, runtime)


def test_an_onnx_file_of_another_model_is_refused(exported_model_dir, tmp_path):
    import onnx
    from onnx import TensorProto, helper

    folder = tmp_path / "model"
    shutil.copytree(exported_model_dir, folder)
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], "other",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])],
    )
    onnx.save(helper.make_model(graph, ir_version=10, opset_imports=[helper.make_opsetid("", 17)]), folder / ONNX_FILENAME)
    with pytest.raises(ModelLoadError, match="not a LeNet-5 export"):
        Classifier(folder, "onnx")


# Run in a fresh interpreter where TensorFlow, Keras and Gradio cannot be imported, as on a
# machine that has only the README's "Use the model elsewhere" packages.
WITHOUT_TENSORFLOW = """
import sys

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "keras", "gradio"):
            raise ImportError(f"{name} is not installed here")

sys.meta_path.insert(0, Refuse())
from benchmarks.drawing import STROKES, draw_strokes
from lenet.inference import Classifier
from lenet.preprocess import to_mnist

image = to_mnist(draw_strokes(STROKES["7"], brush=24))
print(*(Classifier(sys.argv[1], runtime).predict(image).argmax() for runtime in ("litert", "onnx")))
"""


def test_preprocessing_and_the_exports_need_neither_tensorflow_nor_gradio(exported_model_dir):
    result = subprocess.run([sys.executable, "-c", WITHOUT_TENSORFLOW, str(exported_model_dir)],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["7", "7"]
