"""PngFolderIndex: what a folder of labelled PNGs holds, without rescanning it on every save."""

import os

import pytest

from lenet.web import png_folder
from lenet.web.png_folder import PngFolderIndex


def write(folder, label, name, size):
    (folder / label).mkdir(parents=True, exist_ok=True)
    path = folder / label / name
    path.write_bytes(b"x" * size)
    return path


@pytest.fixture
def scans(monkeypatch):
    """A list that grows by one for every folder listing."""
    listed = []
    real_scandir = os.scandir
    monkeypatch.setattr(png_folder.os, "scandir", lambda path: listed.append(path) or real_scandir(path))
    return listed


def test_counts_pngs_and_bytes_per_label_folder(tmp_path):
    write(tmp_path, "1", "a-00ff00ff00ff00ff.png", 100)
    write(tmp_path, "2", "b-1234abcd.png", 50)
    write(tmp_path, "2", "notes.txt", 999)
    write(tmp_path, "other", "c-99.png", 999)
    index = PngFolderIndex(tmp_path, ["1", "2"])
    index.refresh()
    assert (index.count, index.total_bytes) == (2, 150)
    assert index.files_named_with(["1234abcd", "nothing"]) == [tmp_path / "2" / "b-1234abcd.png"]


def test_its_own_writes_need_no_rescan(tmp_path, scans):
    index = PngFolderIndex(tmp_path, ["1", "2"])
    index.refresh()
    listed = len(scans)
    for number in range(5):
        index.added(write(tmp_path, "1", f"{number}-abc{number}.png", 10), 10)
        index.refresh()
    moved = tmp_path / "2" / "0-abc0.png"
    (tmp_path / "2").mkdir()
    os.replace(tmp_path / "1" / "0-abc0.png", moved)
    index.moved(tmp_path / "1" / "0-abc0.png", moved)
    index.refresh()
    assert len(scans) == listed
    assert (index.count, index.total_bytes) == (5, 50) and index.files_named_with(["abc0"]) == [moved]


def test_files_added_or_removed_by_someone_else_are_seen(tmp_path):
    index = PngFolderIndex(tmp_path, ["1"])
    index.refresh()
    outside = write(tmp_path, "1", "x-aa.png", 10)
    index.refresh()
    assert index.count == 1
    outside.unlink()
    # Within the same clock tick the folder's time may not move; a forced refresh always looks.
    index.refresh(force=True)
    assert index.count == 0
