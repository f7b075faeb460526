import numpy as np
import pytest

from lenet.config import INPUT_NAME, NUM_CLASSES, VARIANTS
from lenet.model import build_model

PAPER_LAYER_NAMES = ["c1", "s2", "c3", "s4", "c5", "flatten", "f6", "output"]
# LeCun et al. (1998) with C3 fully connected and a 10-way output: 156 + 2,416 + 48,120 + 10,164 + 850.
LENET5_PARAMETERS = 61_706


@pytest.mark.parametrize("variant", VARIANTS)
def test_layers_read_like_the_paper(variant):
    model = build_model(variant)
    assert [layer.name for layer in model.layers] == PAPER_LAYER_NAMES
    assert model.inputs[0].name == INPUT_NAME
    assert model.count_params() == LENET5_PARAMETERS
    assert sum(np.prod(w.shape) for w in model.trainable_weights) == LENET5_PARAMETERS


@pytest.mark.parametrize("variant", VARIANTS)
def test_output_is_a_probability_distribution(variant):
    model = build_model(variant)
    images = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    probabilities = np.asarray(model(images))
    assert probabilities.shape == (3, NUM_CLASSES)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_variants_differ_as_in_the_paper():
    classic, modern = build_model("classic"), build_model("modern")
    assert classic.get_layer("c1").activation.__name__ == "tanh"
    assert modern.get_layer("c1").activation.__name__ == "relu"
    assert type(classic.get_layer("s2")).__name__ == "AveragePooling2D"
    assert type(modern.get_layer("s2")).__name__ == "MaxPooling2D"


def test_unknown_variant_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="modern, classic"):
        build_model("resnet")
