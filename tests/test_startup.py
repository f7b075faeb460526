"""`python demo.py` as its owner starts it: a clean log, and the page says whether drawings are stored."""

import json
import os
import urllib.request

import pytest

from benchmarks.browser import running_app

# TensorFlow's import notices, which the app must keep out of its log (lenet/tensorflow_import.py).
TENSORFLOW_CHATTER = ("oneDNN", "absl::InitializeLog", "TF_ENABLE_ONEDNN_OPTS", "cpu_feature_guard")


@pytest.fixture(scope="module")
def started_on_spaces(tmp_path_factory):
    """(log text, page config) of demo.py started as on Hugging Face Spaces, then stopped."""
    log_path = tmp_path_factory.mktemp("startup") / "demo.log"
    saved = {name: os.environ.pop(name, None) for name in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS",
                                                            "LENET_SAVE_CORRECTIONS")}
    try:
        with running_app(log_path, timeout=120, environment={"SYSTEM": "spaces", "PYTHONUNBUFFERED": "1"}) as url:
            with urllib.request.urlopen(f"{url}config", timeout=10) as response:
                config = json.load(response)
    finally:
        os.environ.update({name: value for name, value in saved.items() if value is not None})
    return log_path.read_text(errors="replace"), config


def test_the_start_log_shows_the_url_and_no_tensorflow_chatter(started_on_spaces):
    log, _ = started_on_spaces
    lines = [line for line in log.splitlines() if line.strip()]
    assert any("Running on local URL" in line for line in lines)
    assert not [line for line in lines if any(noise in line for noise in TENSORFLOW_CHATTER)], log
    assert len(lines) <= 3, log


def test_on_spaces_the_page_says_drawings_are_not_stored(started_on_spaces):
    _, config = started_on_spaces
    note = next(component["props"]["value"] for component in config["components"]
                if component.get("props", {}).get("elem_id") == "correction-note")
    assert "off on this Space" in note and "LENET_SAVE_CORRECTIONS=1" in note
