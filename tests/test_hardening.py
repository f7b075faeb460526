"""Whatever a public Space receives, it answers with a prediction or a clear message, and stays up."""

import os
import shutil
import subprocess
import sys

import gradio as gr
import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image

from benchmarks.drawing import STROKES, draw_strokes
from lenet.config import DEFAULT_MODEL_DIR, DEFAULT_RUNTIME, MODEL_DIR_ENV, PROJECT_ROOT, RUNTIME_ENV, TFLITE_FILENAME
from lenet.reader import PROMPT

# Generous: a hung request fails the test instead of hanging CI. Speed is measured in benchmarks/.
ANSWER_WITHIN_SECONDS = 30


def answer(client, value):
    return client.submit(value, api_name="/predict").result(timeout=ANSWER_WITHIN_SECONDS)


def saved(folder, name, image):
    path = folder / name
    image.save(path)
    return handle_file(str(path))


def seven_dark_on_white():
    return 255 - draw_strokes(STROKES["7"], brush=28)


def layer_only(file):
    return {"background": None, "layers": [file], "composite": None}


BLANK_LIKE = {
    "None": lambda folder: None,
    "empty value": lambda folder: {"background": None, "layers": [], "composite": None},
    "only a white background": lambda folder: {
        "background": saved(folder, "bg.png", Image.new("RGB", (800, 800), "white")),
        "layers": [], "composite": None,
    },
    "transparent layer": lambda folder: layer_only(saved(folder, "t.png", Image.new("RGBA", (800, 800)))),
    "all-white opaque layer": lambda folder: layer_only(
        saved(folder, "w.png", Image.new("RGBA", (800, 800), (255, 255, 255, 255)))),
    "1x1 layer": lambda folder: layer_only(saved(folder, "one.png", Image.new("RGBA", (1, 1), (0, 0, 0, 255)))),
    "single dot": lambda folder: layer_only(saved(folder, "dot.png", _dot())),
    "canvas filled with ink": lambda folder: layer_only(
        saved(folder, "full.png", Image.new("RGBA", (800, 800), (0, 0, 0, 255)))),
}


def _dot():
    image = Image.new("RGBA", (800, 800))
    image.paste((0, 0, 0, 255), (390, 390, 410, 410))
    return image


@pytest.mark.parametrize("case", sorted(BLANK_LIKE))
def test_blank_like_inputs_get_the_prompt_never_a_digit(app_client, tmp_path, case):
    label, preview = answer(app_client, BLANK_LIKE[case](tmp_path))
    assert label["label"] == PROMPT
    assert not label.get("confidences")
    assert preview is None


READABLE = {
    "16-bit grayscale PNG layer": lambda folder: layer_only(
        saved(folder, "g16.png", Image.fromarray(seven_dark_on_white().astype(np.uint16) * 257))),
    "RGB JPEG layer": lambda folder: layer_only(
        saved(folder, "seven.jpg", Image.fromarray(seven_dark_on_white()).convert("RGB"))),
    "digit only as background": lambda folder: {
        "background": saved(folder, "bg7.png", Image.fromarray(seven_dark_on_white())),
        "layers": [], "composite": None,
    },
    "digit only as composite": lambda folder: {
        "background": None, "layers": [],
        "composite": saved(folder, "c7.png", Image.fromarray(seven_dark_on_white())),
    },
}


@pytest.mark.parametrize("case", sorted(READABLE))
def test_images_in_other_formats_are_read(app_client, tmp_path, case):
    label, preview = answer(app_client, READABLE[case](tmp_path))
    assert label["label"] == "7"
    assert preview is not None


@pytest.mark.parametrize("bad", [np.nan, np.inf], ids=["NaN", "inf"])
def test_non_finite_arrays_in_process_get_a_clear_gradio_error(bad):
    from demo import predict

    layer = np.zeros((64, 64, 4), np.float32)
    layer[10:50, 30:34, 3] = bad
    with pytest.raises(gr.Error, match="NaN or infinite"):
        predict({"background": None, "layers": [layer], "composite": None})


def test_server_answers_correctly_after_all_of_the_above(app_client, tmp_path):
    label, _ = answer(app_client, READABLE["RGB JPEG layer"](tmp_path))
    assert label["label"] == "7"


def _start_app(model_dir, runtime=DEFAULT_RUNTIME):
    return subprocess.run(
        [sys.executable, "demo.py"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, MODEL_DIR_ENV: str(model_dir), RUNTIME_ENV: runtime, "GRADIO_SERVER_PORT": "1"},
    )


def test_app_refuses_to_start_without_a_model(tmp_path):
    result = _start_app(tmp_path / "missing")
    assert result.returncode != 0
    assert "Cannot load the LeNet-5 model" in result.stderr and "python train_model.py" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("runtime, served_file", [(DEFAULT_RUNTIME, TFLITE_FILENAME), ("savedmodel", "saved_model.pb")])
def test_app_refuses_to_start_with_a_corrupt_model(tmp_path, runtime, served_file):
    shutil.copytree(DEFAULT_MODEL_DIR, tmp_path / "model")
    (tmp_path / "model" / served_file).write_bytes(b"\x00garbage")
    result = _start_app(tmp_path / "model", runtime)
    assert result.returncode != 0
    assert "damaged" in result.stderr and "Traceback" not in result.stderr
