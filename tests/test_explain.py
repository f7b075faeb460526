"""Look inside: the layers and saliency the app shows are the served model's own, checked against Keras."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image
from test_app import upload_value

from benchmarks.drawing import STROKES, draw_strokes, known_numbers, sketchpad
from lenet.config import (
    CLASS_NAMES,
    DEFAULT_MODEL_DIR,
    INPUT_SHAPE,
    KERAS_FILENAME,
    PROJECT_ROOT,
    RUNTIME_ENV,
)
from lenet.explain import PICTURE_TITLES, Explainer, layer_gray, look_inside, map_grid
from lenet.inference import Classifier, ModelLoadError
from lenet.numpy_lenet import NumpyLeNet5, WeightsError
from lenet.preprocess import to_mnist
from lenet.reader import PREVIEW_SCALE, PROMPT, DigitReader
from lenet.segment import split_digits
from lenet.train.export import ACTIVATION_LAYERS

DIGITS = sorted(STROKES)


# The app's default (LiteRT: the export's weights run in NumPy) and the SavedModel through TensorFlow.
@pytest.fixture(scope="module", params=["litert", "savedmodel"])
def explainer(request):
    return Explainer(Classifier(DEFAULT_MODEL_DIR, request.param))


@pytest.fixture(scope="module")
def keras_model():
    """The Keras file saved beside the SavedModel: the same weights, run by Keras instead."""
    return keras.models.load_model(DEFAULT_MODEL_DIR / KERAS_FILENAME)


def drawn(digit):
    """The model's 28x28 input for STROKES[digit] drawn on an 800x800 sketchpad."""
    return to_mnist(sketchpad(draw_strokes(STROKES[digit], brush=24)))


@pytest.mark.parametrize("digit", DIGITS)
def test_activations_equal_a_keras_model_rebuilt_from_the_same_weights(explainer, keras_model, digit):
    probe = keras.Model(keras_model.inputs[0], [keras_model.get_layer(name).output for name in ACTIVATION_LAYERS])
    model_input = drawn(digit)
    expected = dict(zip(ACTIVATION_LAYERS, probe(model_input.reshape(1, *INPUT_SHAPE))))
    inside = explainer.explain(model_input)
    shown = {"c1": inside.c1, "c3": inside.c3, "f6": inside.f6, "output": inside.probabilities}
    for name in ACTIVATION_LAYERS:
        np.testing.assert_allclose(shown[name], expected[name][0], atol=1e-4, err_msg=name)
    assert CLASS_NAMES[inside.top_class] == digit


@pytest.mark.parametrize("digit", DIGITS)
def test_noise_free_saliency_is_gradient_times_input_of_the_keras_logits(explainer, keras_model, digit):
    import tensorflow as tf

    # Logits straight from Keras (F6 times the output layer's weights, no softmax), so the test does
    # not share the explainer's way of recovering them from probabilities.
    f6 = keras.Model(keras_model.inputs[0], keras_model.get_layer("f6").output)
    weights, bias = keras_model.get_layer("output").get_weights()
    model_input = drawn(digit)
    image = tf.constant(model_input.reshape(1, *INPUT_SHAPE))
    with tf.GradientTape() as tape:
        tape.watch(image)
        logits = tf.matmul(f6(image), weights) + bias
        top = int(tf.argmax(logits[0]))
        score = logits[0, top] - tf.reduce_mean(logits[0])
    expected = tape.gradient(score, image).numpy()[0, :, :, 0] * model_input

    saliency = explainer.explain(model_input, samples=1, noise=0.0).saliency
    np.testing.assert_allclose(saliency, expected, atol=1e-4 * np.abs(expected).max())


@pytest.mark.parametrize("digit", DIGITS)
def test_saliency_peaks_on_the_ink_and_mostly_supports_the_answer(explainer, digit):
    inside = explainer.explain(drawn(digit))
    peak = np.unravel_index(np.argmax(np.abs(inside.saliency)), inside.saliency.shape)
    assert inside.model_input[peak] >= 0.5, f"peak at {peak} where the ink is only {inside.model_input[peak]:.2f}"
    assert inside.saliency[inside.saliency > 0].sum() > -inside.saliency[inside.saliency < 0].sum()


def test_a_layers_maps_share_one_scale():
    maps = np.stack([np.full((10, 10), 1.5), np.full((10, 10), 3.0), np.zeros((10, 10))], axis=-1)
    assert [int(layer_gray(maps)[0, 0, c]) for c in range(3)] == [128, 255, 0]
    tanh_maps = np.stack([np.full((10, 10), -0.5), np.zeros((10, 10)), np.full((10, 10), 0.25)], axis=-1)
    assert [int(layer_gray(tanh_maps)[0, 0, c]) for c in range(3)] == [0, 128, 191]
    grid = map_grid(maps, columns=2, scale=3)
    assert grid.shape[1] == 2 * 30 + 8 and grid.shape[2] == 4


def test_blank_canvas_gets_the_prompt_and_no_pictures(explainer):
    blank = DigitReader(explainer.classifier).read(sketchpad(np.zeros((800, 800), np.uint8)))
    assert look_inside(explainer, blank) == (PROMPT,) + (None,) * 6
    assert look_inside(explainer, None) == (PROMPT,) + (None,) * 6


def test_a_number_is_explained_by_the_digit_the_model_is_least_sure_of(explainer):
    value = sketchpad(known_numbers()["2026"][0])
    digits = split_digits(value)
    probabilities = np.stack([explainer.classifier.predict(digit) for digit in digits])
    unsure = int(probabilities.max(axis=1).argmin())
    caption, first, *_ = look_inside(explainer, DigitReader(explainer.classifier).read(value))
    assert "**2026**" in caption and f"digit {unsure + 1} of 4" in caption
    shown = np.asarray(first)[::PREVIEW_SCALE, ::PREVIEW_SCALE]
    np.testing.assert_array_equal(shown, np.rint(digits[unsure] * 255))


def test_a_reading_is_explained_without_reading_the_drawing_again(explainer, monkeypatch):
    reading = DigitReader(explainer.classifier).read(sketchpad(known_numbers()["2026"][0]))

    def refuse(*_):
        raise AssertionError("the drawing was classified again")

    monkeypatch.setattr(explainer.classifier, "predict_batch", refuse)
    monkeypatch.setattr(explainer.classifier, "predict", refuse)
    monkeypatch.setattr("lenet.segment.split_digits", refuse)
    caption, *pictures = look_inside(explainer, reading)
    assert "**2026**" in caption and all(picture is not None for picture in pictures)


def test_explain_api_returns_the_pictures_of_a_drawn_digit(app_client, tmp_path):
    value = upload_value(sketchpad(draw_strokes(STROKES["7"], brush=24)), tmp_path)
    caption, *paths = app_client.predict(value, api_name="/explain")
    assert "**7**" in caption
    assert len(paths) == len(PICTURE_TITLES)
    pictures = {}
    for name, path in zip(PICTURE_TITLES, paths):
        with Image.open(path) as image:
            assert image.format == "PNG", name
            pictures[name] = np.asarray(image.convert("RGB")).astype(int)
    for name, picture in pictures.items():
        # Drawn to be shown unscaled on a phone, and big enough to read.
        assert 100 <= picture.shape[0] <= 400 and 200 <= picture.shape[1] <= 370, (name, picture.shape)

    # The input is exactly the 28x28 image /predict shows; the saliency map lies over it.
    _, preview = app_client.predict(value, api_name="/predict")
    model_input = pictures["input"][:, :, 0]
    assert (model_input == np.asarray(Image.open(preview).convert("L"))).all()
    saliency = pictures["saliency"]
    colour = saliency.max(axis=2) - saliency.min(axis=2)  # 0 for grey, high for orange or blue.
    peak = np.unravel_index(np.argmax(colour), colour.shape)
    assert saliency.shape[:2] == model_input.shape == (28 * PREVIEW_SCALE,) * 2
    assert model_input[peak] >= 128


def test_explain_api_on_a_blank_canvas_says_draw_a_digit(app_client, tmp_path):
    value = upload_value(sketchpad(np.zeros((800, 800), np.uint8)), tmp_path)
    caption, *paths = app_client.predict(value, api_name="/explain")
    assert caption == PROMPT
    assert paths == [None] * len(PICTURE_TITLES)


def test_weights_that_do_not_give_the_runtime_answers_are_refused():
    classifier = Classifier(DEFAULT_MODEL_DIR, "litert")
    with pytest.raises(WeightsError, match="differ from LiteRT"):
        NumpyLeNet5.from_tflite(DEFAULT_MODEL_DIR, "classic", classifier.predict_batch)  # The wrong variant.
    with pytest.raises(WeightsError, match="differ from LiteRT"):
        NumpyLeNet5.from_tflite(DEFAULT_MODEL_DIR, "modern", lambda images: classifier.predict_batch(images)[:, ::-1])


def test_a_damaged_export_gets_a_clear_error_for_look_inside(tmp_path, monkeypatch):
    classifier = Classifier(DEFAULT_MODEL_DIR, "litert")
    monkeypatch.setattr(classifier, "model_dir", tmp_path)  # Where the weights are read: no file there.
    with pytest.raises(ModelLoadError, match="Cannot look inside .* LENET_RUNTIME=savedmodel"):
        Explainer(classifier)


def test_the_app_answers_and_looks_inside_without_importing_tensorflow():
    code = (
        "import sys\n"
        "import demo\n"
        "from benchmarks.drawing import STROKES, draw_strokes, sketchpad\n"
        "*_, reading = demo.read_drawing(sketchpad(draw_strokes(STROKES['7'], brush=24)))\n"
        "caption, *pictures = demo.explain_reading(reading)\n"
        "print(reading.label, all(picture is not None for picture in pictures), 'tensorflow' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=120, env={**os.environ, RUNTIME_ENV: ""})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ["7", "True", "False"]
