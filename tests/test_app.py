"""The app as API users see it: demo launched in-process, called through gradio_client."""

import importlib.util

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from benchmarks.browser import free_port
from benchmarks.drawing import STROKES, draw_strokes, known_numbers, sketchpad
from lenet.config import MODEL_DIR_ENV, PROJECT_ROOT, RUNTIME_ENV
from lenet.inference import Classifier
from lenet.reader import PREVIEW_GAP, PREVIEW_SCALE, PROMPT, DigitReader
from tests.paper_photos import jpeg_file, paper_photo, png_bomb

KNOWN = known_numbers()


def upload_value(value, folder):
    """A sketchpad value of numpy images -> the same value as files, the way a browser sends it."""
    def saved(name, array):
        path = folder / f"{name}.png"
        Image.fromarray(array).save(path)
        return handle_file(str(path))

    return {
        "background": saved("background", value["background"]),
        "layers": [saved(f"layer{i}", layer) for i, layer in enumerate(value["layers"])],
        "composite": saved("composite", value["composite"]),
    }


@pytest.mark.parametrize("digit", sorted(STROKES))
def test_drawn_digit_is_read(app_client, tmp_path, digit):
    value = upload_value(sketchpad(draw_strokes(STROKES[digit], brush=24)), tmp_path)
    label, preview = app_client.predict(value, api_name="/predict")
    assert label["label"] == digit
    confidences = {item["label"]: item["confidence"] for item in label["confidences"]}
    assert sorted(confidences) == [str(d) for d in range(10)]
    assert sum(confidences.values()) == pytest.approx(1.0, abs=1e-4)
    shown = np.asarray(Image.open(preview))
    assert shown.shape[:2] == (224, 224)
    # Nearest-neighbour upscale: every 8x8 block is one of the model's pixels.
    blocks = shown[..., 0] if shown.ndim == 3 else shown
    assert (blocks == np.kron(blocks[::8, ::8], np.ones((8, 8), blocks.dtype))).all()


def check_number_answer(label, preview_pixels, number):
    """The /predict contract for a number: its label, its readings, one 28x28 input per digit."""
    assert label["label"] == number
    confidences = {item["label"]: item["confidence"] for item in label["confidences"]}
    if len(number) == 1:
        assert sorted(confidences) == [str(d) for d in range(10)]
    else:
        assert max(confidences, key=confidences.get) == number
        assert all(len(reading) == len(number) and reading.isdigit() for reading in confidences)
        assert sum(confidences.values()) <= 1 + 1e-4
    tile = 28 * PREVIEW_SCALE
    assert preview_pixels.shape[:2] == (tile, len(number) * (tile + PREVIEW_GAP) - PREVIEW_GAP)


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_known_numbers_through_the_api(app_client, tmp_path, name):
    alpha, number = KNOWN[name]
    label, preview = app_client.predict(upload_value(sketchpad(alpha), tmp_path), api_name="/predict")
    check_number_answer(label, np.asarray(Image.open(preview)), number)


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_known_numbers_in_process(name):
    from demo import read_drawing

    alpha, number = KNOWN[name]
    label, preview, _, reading = read_drawing(sketchpad(alpha))
    confidences = [{"label": key, "confidence": value} for key, value in label.items()]
    check_number_answer({"label": max(label, key=label.get), "confidences": confidences}, preview, number)
    assert reading.label == number


def test_blank_canvas_gets_the_prompt_and_no_preview(app_client, tmp_path):
    value = upload_value(sketchpad(np.zeros((800, 800), np.uint8)), tmp_path)
    label, preview = app_client.predict(value, api_name="/predict")
    assert label["label"] == PROMPT
    assert not label.get("confidences")
    assert preview is None


def broken_files(folder):
    """{case: path} of files a public Space receives that are not usable drawings."""
    seven = folder / "seven.png"
    Image.fromarray(sketchpad(draw_strokes(STROKES["7"]))["layers"][0]).save(seven)
    cases = {
        "text named .png": (folder / "text.png", b"this is text, not a PNG"),
        "truncated PNG": (folder / "truncated.png", seven.read_bytes()[: seven.stat().st_size // 2]),
        "empty file": (folder / "empty.png", b""),
    }
    for path, content in cases.values():
        path.write_bytes(content)
    huge = folder / "huge.png"
    Image.new("L", (8000, 8000), 255).save(huge)
    return {**{case: path for case, (path, _) in cases.items()}, "8000x8000": huge}


@pytest.mark.parametrize("case, message", [
    ("text named .png", "not an image that can be read"),
    ("truncated PNG", "damaged"),
    ("empty file", "not an image that can be read"),
    ("8000x8000", "8000×8000 pixels \\(64 megapixels\\); the limit is 50 megapixels"),
])
def test_unusable_upload_gets_a_clear_message_and_the_server_keeps_answering(app_client, tmp_path, case, message):
    path = broken_files(tmp_path)[case]
    with pytest.raises(AppError, match=message):
        app_client.predict({"background": None, "layers": [handle_file(str(path))], "composite": None},
                       api_name="/predict")
    value = upload_value(sketchpad(draw_strokes(STROKES["7"])), tmp_path)
    label, _ = app_client.predict(value, api_name="/predict")
    assert label["label"] == "7"


@pytest.fixture
def corrections_folder(tmp_path, monkeypatch):
    folder = tmp_path / "corrections"
    monkeypatch.setenv("LENET_CORRECTIONS_DIR", str(folder))
    for name in ("LENET_SAVE_CORRECTIONS", "SYSTEM", "LENET_CORRECTIONS_MAX_FILES", "LENET_CORRECTIONS_MAX_BYTES"):
        monkeypatch.delenv(name, raising=False)
    return folder


def test_correct_saves_the_28x28_input_in_the_digit_folder(app_client, tmp_path, corrections_folder):
    value = upload_value(sketchpad(draw_strokes(STROKES["1"], brush=24)), tmp_path)
    note = app_client.predict(value, "7", api_name="/correct")
    saved = list(corrections_folder.glob("7/*.png"))
    assert len(saved) == 1 and saved[0].name in note
    pixels = np.asarray(Image.open(saved[0]))
    assert pixels.shape == (28, 28) and pixels.dtype == np.uint8 and pixels.max() > 200


def test_correct_saves_each_digit_of_a_number_in_its_folder(app_client, tmp_path, corrections_folder):
    value = upload_value(sketchpad(KNOWN["2026"][0]), tmp_path)
    note = app_client.predict(value, "2026", api_name="/correct")
    # Both 2s are drawn with the same strokes, so they are the same 28x28 picture: stored once.
    for digit in ("2", "0", "6"):
        saved = list(corrections_folder.glob(f"{digit}/*.png"))
        assert len(saved) == 1 and saved[0].name in note


@pytest.mark.parametrize("digit, message", [
    ("12", "read as 1 digit but you typed 2"), ("", "digits 0 to 9"), (None, "digits 0 to 9"), ("x", "digits 0 to 9"),
])
def test_correct_refuses_labels_outside_0_to_9(app_client, tmp_path, corrections_folder, digit, message):
    value = upload_value(sketchpad(draw_strokes(STROKES["1"])), tmp_path)
    with pytest.raises(AppError, match=message):
        app_client.predict(value, digit, api_name="/correct")
    assert not corrections_folder.exists() or not any(corrections_folder.rglob("*.png"))


def test_correct_refuses_a_blank_drawing(app_client, tmp_path, corrections_folder):
    value = upload_value(sketchpad(np.zeros((800, 800), np.uint8)), tmp_path)
    with pytest.raises(AppError, match="Nothing is drawn"):
        app_client.predict(value, "3", api_name="/correct")
    assert not corrections_folder.exists()


def test_corrections_switched_off_write_nothing(app_client, tmp_path, corrections_folder, monkeypatch):
    monkeypatch.setenv("LENET_SAVE_CORRECTIONS", "0")
    value = upload_value(sketchpad(draw_strokes(STROKES["7"])), tmp_path)
    with pytest.raises(AppError, match="turned off"):
        app_client.predict(value, "7", api_name="/correct")
    assert not corrections_folder.exists()


def app_module(name):
    """demo.py loaded again as a module of its own, so that it reads the environment afresh."""
    spec = importlib.util.spec_from_file_location(name, PROJECT_ROOT / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("runtime", ["litert", "onnx"])
def test_the_app_serves_predict_through_the_chosen_runtime(exported_model_dir, tmp_path, monkeypatch, runtime):
    monkeypatch.setenv(RUNTIME_ENV, runtime)
    monkeypatch.setenv(MODEL_DIR_ENV, str(exported_model_dir))
    app = app_module(f"demo_{runtime}")
    assert app.classifier.runtime == runtime
    reference = DigitReader(Classifier(exported_model_dir))
    port = free_port()
    app.demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        for digit in sorted(STROKES):
            drawing = sketchpad(draw_strokes(STROKES[digit], brush=24))
            label, _ = client.predict(upload_value(drawing, tmp_path), api_name="/predict")
            assert label["label"] == digit
            served = {item["label"]: item["confidence"] for item in label["confidences"]}
            expected = reference.read(drawing).confidences()
            assert served == pytest.approx(expected, abs=1e-5)
    finally:
        app.demo.close()


def test_an_unknown_runtime_stops_the_app_with_the_choices(monkeypatch):
    monkeypatch.setenv(RUNTIME_ENV, "tensorrt")
    with pytest.raises(SystemExit, match="savedmodel, litert, onnx"):
        app_module("demo_unknown_runtime")


def test_on_spaces_saving_is_off_unless_the_owner_turns_it_on(app_client, tmp_path, corrections_folder, monkeypatch):
    monkeypatch.setenv("SYSTEM", "spaces")
    value = upload_value(sketchpad(draw_strokes(STROKES["7"])), tmp_path)
    with pytest.raises(AppError, match="off on this Space"):
        app_client.predict(value, "7", api_name="/correct")
    assert not corrections_folder.exists()
    monkeypatch.setenv("LENET_SAVE_CORRECTIONS", "1")
    app_client.predict(value, "7", api_name="/correct")
    assert len(list(corrections_folder.glob("7/*.png"))) == 1


def test_a_script_cannot_fill_the_disk_through_correct(app_client, tmp_path, corrections_folder, monkeypatch):
    monkeypatch.setenv("LENET_CORRECTIONS_MAX_FILES", "2")
    for digit in ("1", "7"):
        value = upload_value(sketchpad(draw_strokes(STROKES[digit])), tmp_path)
        for _ in range(2):  # The same drawing twice is stored once.
            app_client.predict(value, digit, api_name="/correct")
    value = upload_value(sketchpad(draw_strokes(STROKES["4"])), tmp_path)
    with pytest.raises(AppError, match="folder is full"):
        app_client.predict(value, "4", api_name="/correct")
    assert len(list(corrections_folder.rglob("*.png"))) == 2


def test_the_page_gets_answer_preview_and_readout_in_one_reading_and_the_prompt_when_nothing_is_sent():
    from demo import read_drawing

    label, preview, readout, reading = read_drawing(sketchpad(draw_strokes(STROKES["7"])))
    assert max(label, key=label.get) == "7" and preview is not None and '<span class="digit">7</span>' in readout
    # What the page sends for a drawing exported after "Clear canvas": nothing.
    label, preview, readout, reading = read_drawing(None)
    assert (label, preview, readout) == (PROMPT, None, "") and reading.is_blank


PHONE_24MP = (5712, 4284)


@pytest.mark.parametrize("orientation", [None, 6])
def test_a_24_megapixel_photo_of_a_7_is_read_through_the_photo_endpoint(app_client, tmp_path, orientation):
    # Taken with the phone turned (EXIF orientation 6), the file's pixels lie on their side.
    path = jpeg_file(paper_photo("7", PHONE_24MP, gradient=0.4), tmp_path / "photo.jpg", orientation=orientation)
    label, preview = app_client.predict(handle_file(str(path)), api_name="/predict_photo")
    assert label["label"] == "7"
    assert np.asarray(Image.open(preview)).shape[:2] == (224, 224)


def test_a_photo_of_a_number_is_read_digit_by_digit(app_client, tmp_path):
    picture = np.concatenate([paper_photo(digit, (300, 450)) for digit in "147"], axis=1)
    path = tmp_path / "number.png"
    Image.fromarray(picture).save(path)
    label, preview = app_client.predict(handle_file(str(path)), api_name="/predict_photo")
    check_number_answer(label, np.asarray(Image.open(preview)), "147")


@pytest.mark.parametrize("content, message", [
    (b"this is text, not a photo", "not an image that can be read"),
    (b"\xff\xd8\xff\xe0 a JPEG's first bytes and nothing after", "not an image that can be read, or it is damaged"),
    (png_bomb(), "hundreds of megapixels; the limit is 50 megapixels"),
], ids=["text", "damaged JPEG", "decompression bomb"])
def test_unusable_photos_get_a_clear_message_and_the_server_keeps_answering(app_client, tmp_path, content, message):
    path = tmp_path / "photo.jpg"
    path.write_bytes(content)
    with pytest.raises(AppError, match=message):
        app_client.predict(handle_file(str(path)), api_name="/predict_photo")
    seven = jpeg_file(paper_photo("7"), tmp_path / "seven.jpg")
    label, _ = app_client.predict(handle_file(str(seven)), api_name="/predict_photo")
    assert label["label"] == "7"


def test_the_page_reads_a_photo_and_saves_its_correction(tmp_path, corrections_folder):
    from demo import correct_reading, read_photo

    path = jpeg_file(paper_photo("4", gradient=0.3), tmp_path / "four.jpg")
    label, preview, readout, reading = read_photo(str(path))
    assert max(label, key=label.get) == "4" and preview is not None and '<span class="digit">4</span>' in readout
    note = correct_reading(reading, "4")
    assert "Saved a 4" in note
    saved = list((corrections_folder / "4").glob("*.png"))
    assert len(saved) == 1
    assert (np.asarray(Image.open(saved[0])) == np.rint(reading.model_inputs[0] * 255)).all()
