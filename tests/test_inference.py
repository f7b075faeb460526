import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf

from lenet.config import DEFAULT_MODEL_DIR, METADATA_FILENAME, RETRAIN_COMMAND
from lenet.export import KERAS_FILENAME
from lenet.inference import Classifier, ModelLoadError
from lenet.training import to_model_input

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
        Classifier(folder)
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
