import numpy as np
import pytest
from PIL import Image

from lenet.corrections import CorrectionError, corrections_enabled, save_correction, save_number_correction
from lenet.extra_data import ExtraDataError, load_labelled_folders, oversample


def a_digit_image(seed=0):
    image = np.zeros((28, 28), np.float32)
    image[4:24, 12:16] = np.random.default_rng(seed).uniform(0.5, 1.0, (20, 4))
    return image


def test_correction_is_a_28x28_png_in_its_digit_folder(tmp_path):
    image = a_digit_image()
    path = save_correction(image, "7", tmp_path)
    assert path.parent == tmp_path / "7" and path.suffix == ".png"
    saved = np.asarray(Image.open(path))
    assert saved.shape == (28, 28) and saved.dtype == np.uint8
    np.testing.assert_allclose(saved / 255, image, atol=1 / 255)
    assert [p.suffix for p in (tmp_path / "7").iterdir()] == [".png"]  # No staging file left.


def test_two_corrections_of_the_same_drawing_both_kept(tmp_path):
    first = save_correction(a_digit_image(), "1", tmp_path)
    second = save_correction(a_digit_image(), "1", tmp_path)
    assert first != second and first.exists() and second.exists()


@pytest.mark.parametrize("digit", ["", "10", "a", "-1", None, "7.5"])
def test_labels_outside_0_to_9_are_refused(tmp_path, digit):
    with pytest.raises(CorrectionError, match="0 to 9"):
        save_correction(a_digit_image(), digit, tmp_path)
    assert not any(tmp_path.iterdir())


def test_blank_drawing_is_refused(tmp_path):
    with pytest.raises(CorrectionError, match="Nothing is drawn"):
        save_correction(None, "3", tmp_path)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("value, enabled", [(None, True), ("1", True), ("0", False), ("false", False),
                                            ("off", False), ("No", False)])
def test_saving_can_be_switched_off(monkeypatch, value, enabled):
    if value is None:
        monkeypatch.delenv("LENET_SAVE_CORRECTIONS", raising=False)
    else:
        monkeypatch.setenv("LENET_SAVE_CORRECTIONS", value)
    assert corrections_enabled() is enabled


def test_saved_corrections_load_back_as_training_data(tmp_path):
    for digit in ("3", "3", "8"):
        save_correction(a_digit_image(int(digit)), digit, tmp_path)
    images, labels = load_labelled_folders([tmp_path])
    assert images.shape == (3, 28, 28) and images.dtype == np.uint8
    assert sorted(labels.tolist()) == [3, 3, 8]


@pytest.mark.parametrize("damage, message", [
    (lambda f: (f / "4" / "bad.png").write_bytes(b"not a png"), "bad.png: not a readable image"),
    (lambda f: Image.new("L", (30, 30)).save(f / "4" / "big.png"), "big.png: is 30x30 pixels"),
    (lambda f: (f / "seven").mkdir(), "subfolders must be named 0 to 9"),
])
def test_a_bad_file_is_named_in_the_error(tmp_path, damage, message):
    save_correction(a_digit_image(), "4", tmp_path)
    damage(tmp_path)
    with pytest.raises(ExtraDataError, match=message):
        load_labelled_folders([tmp_path])


def test_missing_or_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ExtraDataError, match="no such folder"):
        load_labelled_folders([tmp_path / "nowhere"])
    with pytest.raises(ExtraDataError, match="no drawings found"):
        load_labelled_folders([tmp_path])


def test_oversampling_gives_extra_data_a_tenth_of_an_epoch():
    images, labels = np.zeros((50, 28, 28), np.uint8), np.arange(50) % 10
    repeated, repeated_labels = oversample(images, labels, base_count=55_000, seed=0)
    share = len(repeated) / (len(repeated) + 55_000)
    assert 0.09 < share < 0.11
    assert np.bincount(repeated_labels).min() == np.bincount(repeated_labels).max()


def test_a_number_is_saved_digit_by_digit_in_each_digits_folder(tmp_path):
    images = [a_digit_image(seed) for seed in range(4)]
    paths = save_number_correction(images, " 2026 ", tmp_path)
    assert [path.parent.name for path in paths] == ["2", "0", "2", "6"]
    for path, image in zip(paths, images):
        np.testing.assert_allclose(np.asarray(Image.open(path)) / 255, image, atol=1 / 255)


@pytest.mark.parametrize("number, message", [
    ("203", "read as 4 digits but you typed 3"), ("20266", "read as 4 digits but you typed 5"),
    ("20a6", "digits 0 to 9"), ("", "digits 0 to 9"), (None, "digits 0 to 9"), ("-1", "digits 0 to 9"),
])
def test_a_number_that_does_not_fit_the_drawing_saves_nothing(tmp_path, number, message):
    with pytest.raises(CorrectionError, match=message):
        save_number_correction([a_digit_image(seed) for seed in range(4)], number, tmp_path)
    assert not any(tmp_path.iterdir())


def test_a_blank_drawing_is_refused_as_a_number(tmp_path):
    with pytest.raises(CorrectionError, match="Nothing is drawn"):
        save_number_correction([], "7", tmp_path)
