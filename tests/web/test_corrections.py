import threading

import numpy as np
import pytest
from PIL import Image

from lenet.train.extra_data import ExtraDataError, load_labelled_folders, oversample
from lenet.web import corrections
from lenet.web.corrections import (
    CorrectionError,
    Limits,
    correction_limits,
    corrections_enabled,
    describe_corrections,
    save_correction,
    save_number_correction,
)


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


def stored(folder):
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.png"))


def test_the_same_drawing_is_stored_once(tmp_path):
    first = save_correction(a_digit_image(), "1", tmp_path)
    second = save_correction(a_digit_image(), "1", tmp_path)
    assert second == first and stored(tmp_path) == [f"1/{first.name}"]


def test_the_same_drawing_saved_as_another_digit_moves_there(tmp_path):
    first = save_correction(a_digit_image(), "1", tmp_path)
    relabelled = save_correction(a_digit_image(), "7", tmp_path)
    assert stored(tmp_path) == [f"7/{first.name}"] and relabelled == tmp_path / "7" / first.name


def test_a_file_saved_by_an_older_version_counts_as_a_duplicate(tmp_path):
    # Older versions named files with 8 hex digits of the hash.
    first = save_correction(a_digit_image(), "2", tmp_path)
    stamp, digest = first.stem.split("-")
    older = first.rename(first.with_name(f"{stamp}-{digest[:8]}.png"))
    assert save_correction(a_digit_image(), "2", tmp_path) == older
    assert stored(tmp_path) == [f"2/{older.name}"]


def test_a_file_whose_name_shares_the_hash_prefix_but_not_the_bytes_is_no_duplicate(tmp_path):
    first = save_correction(a_digit_image(), "2", tmp_path)
    first.write_bytes(b"another picture")
    second = save_correction(a_digit_image(), "2", tmp_path)
    assert second != first and len(stored(tmp_path)) == 2


def test_the_folder_holds_at_most_max_files(tmp_path):
    limits = Limits(max_files=3, max_bytes=10**9)
    for seed in range(3):
        save_correction(a_digit_image(seed), "5", tmp_path, limits)
    with pytest.raises(CorrectionError, match="folder is full.*LENET_CORRECTIONS_MAX_FILES"):
        save_correction(a_digit_image(3), "6", tmp_path, limits)
    assert len(stored(tmp_path)) == 3
    # A drawing already there is still found: nothing new is stored.
    assert save_correction(a_digit_image(0), "5", tmp_path, limits).exists()
    assert len(stored(tmp_path)) == 3


def test_room_made_by_the_owner_is_used_again(tmp_path, monkeypatch):
    # Files removed in the same clock tick may leave the folder's time unchanged: a full folder is
    # then rescanned before refusing (here at once; on a server at most every 30 s).
    monkeypatch.setattr(corrections, "RESCAN_FULL_SECONDS", 0)
    limits = Limits(max_files=2, max_bytes=10**9)
    for seed in range(2):
        save_correction(a_digit_image(seed), "5", tmp_path, limits)
    for path in tmp_path.rglob("*.png"):  # Trained on them, then moved them away.
        path.unlink()
    assert save_correction(a_digit_image(2), "5", tmp_path, limits).exists()


def test_the_folder_holds_at_most_max_bytes(tmp_path):
    first = save_correction(a_digit_image(0), "5", tmp_path)
    limits = Limits(max_files=1000, max_bytes=first.stat().st_size + 10)
    with pytest.raises(CorrectionError, match="folder is full"):
        save_correction(a_digit_image(1), "5", tmp_path, limits)
    assert stored(tmp_path) == [f"5/{first.name}"]


def test_concurrent_saves_never_pass_the_cap(tmp_path):
    limits = Limits(max_files=5, max_bytes=10**9)
    refused = []

    def save(seed):
        try:
            save_correction(a_digit_image(seed), str(seed % 10), tmp_path, limits)
        except CorrectionError:
            refused.append(seed)

    threads = [threading.Thread(target=save, args=(seed,)) for seed in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(stored(tmp_path)) == 5 and len(refused) == 11


def test_limits_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LENET_CORRECTIONS_MAX_FILES", "1")
    monkeypatch.setenv("LENET_CORRECTIONS_MAX_BYTES", "20_000")
    assert correction_limits() == Limits(max_files=1, max_bytes=20_000)
    save_correction(a_digit_image(0), "4", tmp_path)
    with pytest.raises(CorrectionError, match="folder is full"):
        save_correction(a_digit_image(1), "4", tmp_path)


def test_defaults_hold_thousands_of_corrections(monkeypatch, tmp_path):
    monkeypatch.delenv("LENET_CORRECTIONS_MAX_FILES", raising=False)
    monkeypatch.delenv("LENET_CORRECTIONS_MAX_BYTES", raising=False)
    limits = correction_limits()
    size = save_correction(a_digit_image(), "4", tmp_path).stat().st_size
    assert 1000 <= limits.max_files <= 100_000 and limits.max_bytes >= limits.max_files * size


@pytest.mark.parametrize("value", ["many", "-1", "1.5"])
def test_a_bad_limit_names_the_variable(monkeypatch, tmp_path, value):
    monkeypatch.setenv("LENET_CORRECTIONS_MAX_BYTES", value)
    with pytest.raises(CorrectionError, match="LENET_CORRECTIONS_MAX_BYTES must be a whole number"):
        save_correction(a_digit_image(), "4", tmp_path)
    assert not stored(tmp_path)


@pytest.mark.parametrize("digit", ["", "10", "a", "-1", None, "7.5"])
def test_labels_outside_0_to_9_are_refused(tmp_path, digit):
    with pytest.raises(CorrectionError, match="0 to 9"):
        save_correction(a_digit_image(), digit, tmp_path)
    assert not any(tmp_path.iterdir())


def test_blank_drawing_is_refused(tmp_path):
    with pytest.raises(CorrectionError, match="Nothing is drawn"):
        save_correction(None, "3", tmp_path)
    assert not any(tmp_path.iterdir())


def set_env(monkeypatch, name, value):
    if value is None:
        monkeypatch.delenv(name, raising=False)
    else:
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("system", [None, "spaces"])
@pytest.mark.parametrize("value, enabled", [("1", True), ("0", False), ("false", False), ("off", False),
                                            ("No", False), ("yes", True)])
def test_saving_can_be_switched_on_or_off(monkeypatch, system, value, enabled):
    set_env(monkeypatch, "SYSTEM", system)
    set_env(monkeypatch, "LENET_SAVE_CORRECTIONS", value)
    assert corrections_enabled() is enabled


@pytest.mark.parametrize("system, enabled", [(None, True), ("spaces", False)])
def test_by_default_saving_is_off_only_on_hugging_face_spaces(monkeypatch, system, enabled):
    set_env(monkeypatch, "SYSTEM", system)
    monkeypatch.delenv("LENET_SAVE_CORRECTIONS", raising=False)
    assert corrections_enabled() is enabled


def test_the_page_says_why_saving_is_off(monkeypatch, tmp_path):
    monkeypatch.setenv("SYSTEM", "spaces")
    monkeypatch.delenv("LENET_SAVE_CORRECTIONS", raising=False)
    assert "off on this Space" in describe_corrections(False, None)
    assert "LENET_SAVE_CORRECTIONS=1" in describe_corrections(False, None)
    monkeypatch.setenv("LENET_SAVE_CORRECTIONS", "0")
    assert "turned off on this server" in describe_corrections(False, None)
    monkeypatch.setenv("LENET_SAVE_CORRECTIONS", "1")
    assert f"{tmp_path}/<digit>/" in describe_corrections(True, tmp_path)


def test_saved_corrections_load_back_as_training_data(tmp_path):
    for seed, digit in enumerate(("3", "3", "8")):
        save_correction(a_digit_image(seed), digit, tmp_path)
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


def test_a_number_is_saved_whole_or_not_at_all_when_the_folder_fills(tmp_path, monkeypatch):
    monkeypatch.setenv("LENET_CORRECTIONS_MAX_FILES", "3")
    digits = [np.eye(28, dtype=np.float32) * (k + 1) / 4 for k in range(2)]
    save_number_correction(digits, "12", tmp_path)
    with pytest.raises(CorrectionError, match="full"):
        save_number_correction([np.eye(28, dtype=np.float32)[::-1] * (k + 1) / 4 for k in range(2)], "45", tmp_path)
    assert sorted(path.parent.name for path in tmp_path.rglob("*.png")) == ["1", "2"]


def test_a_full_folder_still_takes_a_number_it_already_holds(tmp_path, monkeypatch):
    # Stored pictures take no new room: sending the same correction again is not refused as "full".
    monkeypatch.setenv("LENET_CORRECTIONS_MAX_FILES", "2")
    digits = [np.eye(28, dtype=np.float32) * (k + 1) / 4 for k in range(2)]
    first = save_number_correction(digits, "12", tmp_path)
    assert save_number_correction(digits, "12", tmp_path) == first
    assert save_number_correction(digits[:1] * 2, "11", tmp_path) == [first[0]] * 2
    assert len(list(tmp_path.rglob("*.png"))) == 2
