"""Write a trained LeNet-5 as a SavedModel that TF Serving, TFLite and tf.saved_model.load can read."""

import keras
import tensorflow as tf

from lenet.config import INPUT_NAME, INPUT_SHAPE

# Layers whose outputs the "activations" signature exposes, for showing what each layer sees.
ACTIVATION_LAYERS = ("c1", "c3", "f6", "output")
KERAS_FILENAME = "lenet5.keras"


def export_saved_model(model, directory):
    """Export `model` to `directory`: serving_default(image) -> probabilities, activations(image) -> per layer.

    The Keras file beside it keeps the optimizer-free model for fine-tuning (`--init-from`).
    """
    image_spec = tf.TensorSpec((None, *INPUT_SHAPE), tf.float32, name=INPUT_NAME)
    probe = keras.Model(
        model.inputs, {name: model.get_layer(name).output for name in ACTIVATION_LAYERS}
    )

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        name="serve",
        fn=lambda image: {"probabilities": model(image, training=False)},
        input_signature=[image_spec],
    )
    archive.add_endpoint(
        name="activations",
        fn=lambda image: probe(image, training=False),
        input_signature=[image_spec],
    )
    archive.write_out(str(directory), verbose=False)
    model.save(f"{directory}/{KERAS_FILENAME}", include_optimizer=False)
