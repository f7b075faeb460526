"""Gradio's delete_cache keeps deleting while requests add files (lenet/web/cache_cleanup.py)."""

from types import SimpleNamespace

import pytest
from gradio import route_utils

from lenet.web import cache_cleanup
from lenet.web.cache_cleanup import delete_files_safely


def busy_server(tmp_path, monkeypatch):
    """(blocks with three cached files, their set): every deletion lets a request add a file."""
    files = set()
    for name in ("a", "b", "c"):
        (tmp_path / name).write_bytes(b"cached")
        files.add(str(tmp_path / name))
    real_remove = route_utils.os.remove

    def remove_while_a_request_adds_a_file(path):
        real_remove(path)
        files.add(str(tmp_path / f"new-{len(files)}"))

    monkeypatch.setattr(route_utils.os, "remove", remove_while_a_request_adds_a_file)
    return SimpleNamespace(blocks={}, temp_file_sets=[files]), files


def test_gradios_own_cleanup_breaks_on_a_busy_server(tmp_path, monkeypatch):
    # The bug worked around: once Gradio fixes it, this fails and lenet/web/cache_cleanup.py can go.
    blocks, _ = busy_server(tmp_path, monkeypatch)
    with pytest.raises(RuntimeError, match="changed size during iteration"):
        cache_cleanup._gradio_cleanup(blocks, None)


def test_safe_cleanup_deletes_old_files_and_keeps_the_new_ones(tmp_path, monkeypatch):
    blocks, files = busy_server(tmp_path, monkeypatch)
    delete_files_safely(blocks, None)
    assert not any((tmp_path / name).exists() for name in ("a", "b", "c"))
    assert files == {str(tmp_path / f"new-{size}") for size in (3, 4, 5)}


def test_the_app_installs_it():
    import demo  # noqa: F401  (installing it is part of building the app)

    assert route_utils.delete_files_created_by_app is delete_files_safely
