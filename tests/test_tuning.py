"""train_model.py --tune: a Keras Tuner search on the validation split, its winner exported like a plain run."""

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import tensorflow as tf

import train_model
from lenet.config import METADATA_FILENAME, PROJECT_ROOT
from lenet.tuning import SUMMARY_JSON, SUMMARY_MARKDOWN

SMOKE_FLAGS = ["--limit", "2000", "--epochs", "1"]


def run_trainer(*flags):
    return subprocess.run(
        [sys.executable, "train_model.py", *map(str, flags)], cwd=PROJECT_ROOT, capture_output=True,
        text=True, timeout=300,
    )


def tuner_trials(tune_dir):
    """Keras Tuner's own record of each trial, read from its files: {trial id: trial.json contents}."""
    trials = (json.loads(path.read_text()) for path in Path(tune_dir).glob("*/trial_*/trial.json"))
    return {trial["trial_id"]: trial for trial in trials}


def summary_rows(model_dir):
    """The search summary written next to a model: {trial id: row}."""
    rows = json.loads((model_dir / SUMMARY_JSON).read_text())["trials"]
    return {row["trial"]: row for row in rows}


def leftovers(parent):
    return [p.name for p in parent.iterdir() if ".staging-" in p.name or ".old-" in p.name]


@pytest.fixture(scope="module")
def search(tmp_path_factory, mnist):
    """A 2-trial smoke search; returns (folder holding model/ and tune/, stdout)."""
    root = tmp_path_factory.mktemp("search")
    result = run_trainer("--tune", 2, *SMOKE_FLAGS, "--output", root / "model", "--tune-dir", root / "tune")
    assert result.returncode == 0, result.stderr
    return root, result.stdout


def test_search_exports_a_loadable_model_and_a_summary(search):
    root, stdout = search
    signature = tf.saved_model.load(str(root / "model")).signatures["serving_default"]
    assert signature(image=tf.zeros((2, 28, 28, 1)))["probabilities"].shape == (2, 10)
    summary = json.loads((root / "model" / SUMMARY_JSON).read_text())
    assert [row["status"] for row in summary["trials"]] == ["COMPLETED", "COMPLETED"]
    scores = [row["val_accuracy"] for row in summary["trials"]]
    assert scores == sorted(scores, reverse=True)
    table = (root / "model" / SUMMARY_MARKDOWN).read_text()
    assert table in stdout and table.count("\n| ") == 2 + 2  # Header, rule, one row per trial.
    assert leftovers(root) == []


def test_exported_model_is_the_best_trial_retrained(search):
    root, _ = search
    info = json.loads((root / "model" / METADATA_FILENAME).read_text())
    best = json.loads((root / "model" / SUMMARY_JSON).read_text())["trials"][0]
    assert {name: info[name] for name in best["hyperparameters"]} == best["hyperparameters"]
    assert info["search"]["trials"] == 2 and info["search"]["best_trial"] == best["trial"]
    # Keras Tuner's own files agree on which trial won and with what values.
    recorded = tuner_trials(root / "tune")
    winner = max(recorded.values(), key=lambda trial: trial["score"])
    assert winner["trial_id"] == best["trial"]
    assert winner["hyperparameters"]["values"] == best["hyperparameters"]
    # Retrained from the same seed through the plain-run path, the winner scores what its trial did.
    assert info["validation_accuracy"] == round(winner["score"], 6)
    assert info["search"]["best_validation_accuracy"] == round(winner["score"], 6)


def test_resumed_search_runs_only_the_new_trial(search, tmp_path):
    root, _ = search
    tune_dir = shutil.copytree(root / "tune", tmp_path / "tune")
    finished = {path: path.stat().st_mtime_ns for path in tune_dir.glob("*/trial_*/trial.json")}
    result = run_trainer("--tune", 3, *SMOKE_FLAGS, "--output", tmp_path / "model", "--tune-dir", tune_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Running Trial") == 1
    assert {path: path.stat().st_mtime_ns for path in finished} == finished
    assert len(tuner_trials(tune_dir)) == 3
    first, resumed = summary_rows(root / "model"), summary_rows(tmp_path / "model")
    assert {trial: resumed[trial] for trial in first} == first


def test_interrupted_search_keeps_the_old_model_and_leaves_the_trial_to_rerun(tmp_path, mnist):
    output = tmp_path / "model"
    output.mkdir()
    (output / "saved_model.pb").write_bytes(b"the previous model")
    process = subprocess.Popen(
        [sys.executable, "-u", "train_model.py", "--tune", "3", "--limit", "20000", "--epochs", "5",
         "--output", str(output), "--tune-dir", str(tmp_path / "tune")],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    for line in process.stdout:
        if "Epoch 1/" in line:
            break
    process.send_signal(signal.SIGINT)
    remaining, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "left as it was" in remaining
    assert (output / "saved_model.pb").read_bytes() == b"the previous model"
    assert leftovers(tmp_path) == []
    # The cut-short trial is not scored; the oracle keeps it as running, to rerun on resume.
    assert [trial["status"] for trial in tuner_trials(tmp_path / "tune").values()] == ["RUNNING"]


def test_tune_flags_are_documented_and_checked(capsys):
    with pytest.raises(SystemExit) as caught:
        train_model.parse_args(["--help"])
    assert caught.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--tune N" in help_text and "--tune-dir" in help_text
    assert "with --tune, the most a trial may use" in help_text
    with pytest.raises(SystemExit):
        train_model.parse_args(["--tune", "0"])
    assert "--tune: must be a positive integer" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train_model.parse_args(["--tune", "2", "--extra-data", str(PROJECT_ROOT)])
    assert "cannot be combined with --extra-data" in capsys.readouterr().err
