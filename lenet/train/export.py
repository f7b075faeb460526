"""Write a trained LeNet-5 as a SavedModel (TensorFlow, TF Serving), a LiteRT file and an ONNX file."""

import datetime
import hashlib
import json
import shutil
import warnings
from pathlib import Path

import keras
import tensorflow as tf

from lenet.config import (
    INPUT_NAME,
    INPUT_SHAPE,
    KERAS_FILENAME,
    METADATA_FILENAME,
    ONNX_FILENAME,
    OUTPUT_NAME,
    TFLITE_FILENAME,
)
from lenet.train.atomic import atomic_directory
from lenet.train.export_check import check_exports, export_check_metadata

# Layers whose outputs the "activations" signature exposes, for showing what each layer sees.
ACTIVATION_LAYERS = ("c1", "c3", "f6", "output")
# The batch dimension's name in the ONNX file, where tf2onnx would write "unk__50".
ONNX_BATCH_DIM = "batch"


class ExportError(RuntimeError):
    """A format could not be written; the run fails and the previous model stays."""


def export_and_check(model, directory, images, labels):
    """Write every format into `directory`, then check the exports against the SavedModel on `images`.

    Returns (metadata.json's "files" and "export_check" entries, the check's figures as printable
    lines). Raises ExportError or export_check.ExportCheckError.
    """
    export_model(model, directory)
    agreements = check_exports(directory, images, labels)
    figures = "\n".join([f"Exports checked against the SavedModel on the {len(labels):,} test images:",
                         *(f"  {agreement.describe()}" for agreement in agreements)])
    return {"files": file_manifest(directory), "export_check": export_check_metadata(agreements)}, figures


def export_again(source, output, images, labels, command):
    """Every format of the model in `source` (its lenet5.keras) written to `output`, checked like a trained one.

    Its metadata is kept, updated with the files, the check and how and when (`command`); its report
    and search summary are copied. `output` is replaced only on success. Returns the check's figures.
    """
    source = Path(source)
    model = keras.models.load_model(source / KERAS_FILENAME)
    try:
        info = json.loads((source / METADATA_FILENAME).read_text())
    except (OSError, ValueError):
        info = {}
    with atomic_directory(output) as staging:
        exported, figures = export_and_check(model, staging, images, labels)
        when = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        info |= exported | {"exported": {"command": command, "date": when, "tensorflow_version": tf.__version__,
                                         "keras_version": keras.__version__}}
        for entry in source.iterdir():  # The report and search summary, which only training writes.
            if not (staging / entry.name).exists():
                (shutil.copytree if entry.is_dir() else shutil.copy2)(entry, staging / entry.name)
        (staging / METADATA_FILENAME).write_text(json.dumps(info, indent=2) + "\n")
    return figures


def export_model(model, directory):
    """Write every format into `directory`: the SavedModel with lenet5.keras, lenet5.tflite, lenet5.onnx."""
    export_saved_model(model, directory)
    export_litert(directory, directory / TFLITE_FILENAME)
    export_onnx(model, directory / ONNX_FILENAME)


def export_saved_model(model, directory):
    """Export `model` to `directory`: serving_default(image) -> probabilities, activations(image) -> per layer.

    The Keras file beside it keeps the optimizer-free model for fine-tuning (`--init-from`).
    """
    image_spec = _image_spec()
    probe = keras.Model(
        model.inputs, {name: model.get_layer(name).output for name in ACTIVATION_LAYERS}
    )

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        name="serve",
        fn=lambda image: {OUTPUT_NAME: model(image, training=False)},
        input_signature=[image_spec],
    )
    archive.add_endpoint(
        name="activations",
        fn=lambda image: probe(image, training=False),
        input_signature=[image_spec],
    )
    archive.write_out(str(directory), verbose=False)
    uncompiled(model).save(f"{directory}/{KERAS_FILENAME}")


def uncompiled(model):
    """The same layers and weights without the training loss and metric, which are the trainer's own
    (pipeline.py): the Keras file then loads anywhere, and fine-tuning compiles it afresh."""
    copy = type(model).from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy


def export_litert(saved_model_dir, path):
    """The SavedModel's serving_default as LiteRT: the same graph, the same `image` -> `probabilities` names.

    (Keras's model.export(format="litert") converts the same way but names the output "output_0".)
    """
    try:
        path.write_bytes(litert_converter(saved_model_dir).convert())
    except OSError:
        raise
    except Exception as error:  # The converter raises ConverterError and others; all mean "no LiteRT file".
        raise ExportError(f"Could not export {path.name}: {error}") from error


def litert_converter(saved_model_dir):
    """A LiteRT converter for the SavedModel's serving_default, float32, built-in ops only.

    Built-in ops only: the file then runs in the plain LiteRT interpreter on any device, no Flex delegate.
    """
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model_dir), signature_keys=["serving_default"])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter


def export_onnx(model, path):
    """`model` as ONNX through Keras's exporter (tf2onnx), with the SavedModel's input and output names."""
    import onnx  # Imported here: only exporting needs it.

    try:
        with warnings.catch_warnings():
            # Keras's NumPy 2 patch for tf2onnx probes np.object, which NumPy warns about.
            warnings.filterwarnings("ignore", message=".*np.object.*", category=FutureWarning)
            model.export(str(path), format="onnx", input_signature=[_image_spec()], verbose=False)
        exported = onnx.load(str(path))
        _rename_output(exported.graph, OUTPUT_NAME)
        for value in (*exported.graph.input, *exported.graph.output):
            value.type.tensor_type.shape.dim[0].dim_param = ONNX_BATCH_DIM
        onnx.checker.check_model(exported, full_check=True)
    except OSError:
        raise
    except Exception as error:  # tf2onnx and onnx raise many types; all mean "no ONNX file".
        raise ExportError(f"Could not export {path.name}: {error}") from error
    onnx.save(exported, str(path))


def _rename_output(graph, name):
    """Give the graph's only output `name` (tf2onnx calls it after a TensorFlow node, e.g. "Identity:0")."""
    (output,) = graph.output
    old = output.name
    for node in graph.node:
        node.output[:] = [name if tensor == old else tensor for tensor in node.output]
        node.input[:] = [name if tensor == old else tensor for tensor in node.input]
    output.name = name


def _image_spec():
    return tf.TensorSpec((None, *INPUT_SHAPE), tf.float32, name=INPUT_NAME)


def file_manifest(directory):
    """{relative path: {"bytes", "sha256"}} of every file under `directory`, sorted, for metadata.json."""
    manifest = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        manifest[path.relative_to(directory).as_posix()] = {
            "bytes": path.stat().st_size,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
    return manifest
