"""The LiteRT and ONNX files: the SavedModel's contract, and the export check that guards them."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
import pytest
from PIL import Image

from benchmarks.drawing import STROKES, draw_strokes
from lenet.config import (
    INPUT_NAME,
    METADATA_FILENAME,
    ONNX_FILENAME,
    OUTPUT_NAME,
    PROJECT_ROOT,
    TFLITE_FILENAME,
)
from lenet.model import build_model
from lenet.train.export import ONNX_BATCH_DIM, export_onnx
from lenet.train.export_check import CHECKED_RUNTIMES, ExportCheckError, check_exports
from lenet.train.pipeline import to_model_input


def test_the_onnx_file_takes_image_and_gives_probabilities(exported_model_dir):
    graph = onnx.load(exported_model_dir / ONNX_FILENAME).graph
    onnx.checker.check_model(str(exported_model_dir / ONNX_FILENAME))
    [image], [probabilities] = graph.input, graph.output
    shape = lambda value: [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]  # noqa: E731
    assert (image.name, shape(image)) == (INPUT_NAME, [ONNX_BATCH_DIM, 28, 28, 1])
    assert (probabilities.name, shape(probabilities)) == (OUTPUT_NAME, [ONNX_BATCH_DIM, 10])


def test_the_litert_file_has_the_saved_models_signature(exported_model_dir):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(exported_model_dir / TFLITE_FILENAME))
    assert interpreter.get_signature_list() == {"serving_default": {"inputs": [INPUT_NAME], "outputs": [OUTPUT_NAME]}}


def test_the_export_check_passes_on_all_of_mnist_test(exported_model_dir, mnist):
    _, (x_test, y_test) = mnist
    metadata = json.loads((exported_model_dir / METADATA_FILENAME).read_text())
    agreements = check_exports(exported_model_dir, to_model_input(x_test), y_test)
    assert [agreement.runtime for agreement in agreements] == list(CHECKED_RUNTIMES)
    for agreement in agreements:
        assert agreement.passed and agreement.images == 10_000 and agreement.top1_differences == 0
        # The exports score what the trainer measured for the model.
        assert agreement.accuracy == pytest.approx(metadata["test_accuracy"], abs=1e-4)


def test_the_export_check_catches_an_export_of_another_model(exported_model_dir, tmp_path, mnist):
    folder = tmp_path / "model"
    shutil.copytree(exported_model_dir, folder)
    export_onnx(build_model("modern"), folder / ONNX_FILENAME)  # Untrained weights: another model.
    _, (x_test, y_test) = mnist
    with pytest.raises(ExportCheckError) as caught:
        check_exports(folder, to_model_input(x_test[:500]), y_test[:500])
    message = str(caught.value)
    assert "onnx:" in message and "FAILED" in message and "litert" not in message
    assert np.isfinite(float(message.split("max |Δp| ")[1].split(" ")[0]))


def readme_examples():
    """The Python blocks of the README's "Use the model elsewhere" section."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Use the model elsewhere")[1].split("\n## ")[0]
    return [block.split("```")[0] for block in section.split("```python\n")[1:]]


@pytest.mark.parametrize("runtime", ["litert", "onnx", "savedmodel"])
def test_the_readmes_examples_read_a_drawn_seven(exported_model_dir, tmp_path, runtime):
    examples = readme_examples()
    assert len(examples) == 3
    code = examples[["litert", "onnx", "savedmodel"].index(runtime)]
    drawing = tmp_path / "seven.png"
    Image.fromarray(255 - draw_strokes(STROKES["7"], brush=24)).save(drawing)  # Dark ink on white paper.
    code = code.replace('"saved_model', f'"{exported_model_dir}').replace("my_digit.png", str(drawing))
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr
    digit, confidence = result.stdout.split()
    assert digit == "7" and float(confidence) > 0.9
