"""LeNet-5 (LeCun et al., 1998) as a keras.Sequential whose layer names follow the paper."""

import keras
from keras import layers

from lenet.config import INPUT_NAME, INPUT_SHAPE, NUM_CLASSES, VARIANTS

# (activation, pooling layer) per variant: the paper's tanh + average pooling, or ReLU + max pooling.
_VARIANT_LAYERS = {
    "classic": ("tanh", layers.AveragePooling2D),
    "modern": ("relu", layers.MaxPooling2D),
}


def build_model(variant="modern"):
    """Return an uncompiled LeNet-5: (None, 28, 28, 1) float32 in [0, 1] -> (None, 10) softmax."""
    if variant not in _VARIANT_LAYERS:
        raise ValueError(f"Unknown LeNet-5 variant {variant!r}: choose one of {', '.join(VARIANTS)}.")
    activation, pooling = _VARIANT_LAYERS[variant]
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE, name=INPUT_NAME),
            # 'same' padding stands in for the paper's 32x32 input: C1 keeps 28x28.
            layers.Conv2D(6, 5, padding="same", activation=activation, name="c1"),  # -> 28x28x6
            pooling(2, name="s2"),  # -> 14x14x6
            layers.Conv2D(16, 5, activation=activation, name="c3"),  # -> 10x10x16
            pooling(2, name="s4"),  # -> 5x5x16
            layers.Conv2D(120, 5, activation=activation, name="c5"),  # -> 1x1x120
            layers.Flatten(name="flatten"),
            layers.Dense(84, activation=activation, name="f6"),
            layers.Dense(NUM_CLASSES, activation="softmax", name="output"),
        ],
        name=f"lenet5_{variant}",
    )
