"""train_model.py --tune: a Keras Tuner search on the validation split (MNIST, and by default the held-out
pen writers), its winner exported like a plain run."""

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import tensorflow as tf

import train_model
from lenet.config import DEFAULT_MODEL_DIR, METADATA_FILENAME, PROJECT_ROOT
from lenet.train import recipe
from lenet.train.tuning import (
    BRUSH_RANGES,
    PEN_SHARES,
    SUMMARY_JSON,
    SUMMARY_MARKDOWN,
    PenSearchData,
    brush_name,
    project_name,
)

# The trainer runs on the team's data, or on stand-ins where ../shared has none (conftest.py).
pytestmark = pytest.mark.usefixtures("training_data")

# One drawing per pen trajectory keeps the drawing to seconds; the search works the same with more.
SMOKE_FLAGS = ["--limit", "2000", "--epochs", "1", "--pen-variants", "1"]
MNIST_ONLY = "--no-pen-data"
DRAWING = "Drawing the pen digits with brush range "


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


def drawn_ranges(stdout):
    """The brush ranges the pen digits were drawn with, in order, as the search reports them."""
    return [line.split(DRAWING)[1].split(",")[0] for line in stdout.splitlines() if DRAWING in line]


def run_search(root, *flags):
    """A 2-trial smoke search exporting to root/model, trials in root/tune; returns (root, stdout)."""
    result = run_trainer("--tune", 2, *SMOKE_FLAGS, *flags, "--output", root / "model", "--tune-dir", root / "tune")
    assert result.returncode == 0, result.stderr
    return root, result.stdout


@pytest.fixture(scope="module")
def search(tmp_path_factory, mnist):
    """A 2-trial smoke search with pen data, the default; returns (folder holding model/ and tune/, stdout).

    Its --pen-share is one the search must ignore: trial 0 is the trainer's recipe.
    """
    return run_search(tmp_path_factory.mktemp("search"), "--pen-share", "0.4")


@pytest.fixture(scope="module")
def mnist_only_search(tmp_path_factory, mnist):
    """The same search with --no-pen-data --mnist-scans 0: MNIST alone, as searches were before pen data."""
    return run_search(tmp_path_factory.mktemp("mnist_only_search"), MNIST_ONLY, "--mnist-scans", 0)


def test_search_exports_a_loadable_model_and_a_summary(search):
    root, stdout = search
    signature = tf.saved_model.load(str(root / "model")).signatures["serving_default"]
    assert signature(image=tf.zeros((2, 28, 28, 1)))["probabilities"].shape == (2, 10)
    summary = json.loads((root / "model" / SUMMARY_JSON).read_text())
    assert [row["status"] for row in summary["trials"]] == ["COMPLETED", "COMPLETED"]
    scores = [row["val_both_accuracy"] for row in summary["trials"]]
    assert scores == sorted(scores, reverse=True)
    table = (root / "model" / SUMMARY_MARKDOWN).read_text()
    assert table in stdout and table.count("\n| ") == 2 + 2  # Header, rule, one row per trial.
    header = table.split("\n| ")[1]
    assert all(column in header for column in ("val both", "val MNIST", "val pen", "pen share", "brush"))
    assert leftovers(root) == []


def test_pen_knobs_are_searched_starting_from_the_recipe(search):
    root, stdout = search
    recorded = tuner_trials(root / "tune")
    space = {hp["config"]["name"]: hp["config"] for hp in recorded["0"]["hyperparameters"]["space"]}
    lowest, highest, step = PEN_SHARES
    assert (space["pen_share"]["min_value"], space["pen_share"]["max_value"], space["pen_share"]["step"]) == (
        lowest, max(highest, recipe.PEN_SHARE), step)
    assert {brush_name(brush) for brush in BRUSH_RANGES} <= set(space["pen_brush"]["values"])
    # Trial 0 is the trainer's recipe, pen knobs included, whatever --pen-share said.
    assert "Note: --tune searches --pen-share; the value given is not used." in stdout
    values = recorded["0"]["hyperparameters"]["values"]
    assert {name: values[name] for name in recipe.RECIPE} == recipe.RECIPE
    assert values["pen_share"] == recipe.PEN_SHARE and values["pen_brush"] == brush_name(recipe.PEN_BRUSH)
    # Each brush range is drawn once for the whole run, trials and final training together.
    ranges = drawn_ranges(stdout)
    assert len(ranges) == len(set(ranges))


def test_pen_search_scores_both_populations_and_exports_the_winner(search):
    root, _ = search
    info = json.loads((root / "model" / METADATA_FILENAME).read_text())
    summary = json.loads((root / "model" / SUMMARY_JSON).read_text())
    best = summary["trials"][0]
    # The objective is the mean of MNIST validation and held-out pen writers, as the trainer selects epochs.
    assert summary["objective_metric"] == "val_both_accuracy"
    for row in summary["trials"]:
        assert row["val_both_accuracy"] == pytest.approx((row["val_accuracy"] + row["val_pen_accuracy"]) / 2)
    recorded = tuner_trials(root / "tune")
    winner = max(recorded.values(), key=lambda trial: trial["score"])
    assert winner["trial_id"] == best["trial"] and winner["score"] == best["val_both_accuracy"]
    assert winner["hyperparameters"]["values"] == best["hyperparameters"]
    # The winning recipe, pen share and brush range included, is what the exported model was trained with.
    chosen = best["hyperparameters"]
    assert {name: info[name] for name in recipe.RECIPE} == {name: chosen[name] for name in recipe.RECIPE}
    assert info["epochs"] == chosen["epochs"]
    pen = info["data"]["pendigits"]
    assert pen["share"] == pytest.approx(chosen["pen_share"]) and brush_name(pen["brush"]) == chosen["pen_brush"]
    assert info["search"]["hyperparameters"]["pen_brush"] == pen["brush"]
    assert info["search"]["trials"] == 2 and info["search"]["best_trial"] == best["trial"]
    # Retrained from the same seed through the plain-run path, the winner scores what its trial did.
    retrained = (info["validation_accuracy"] + info["validation_pen_accuracy"]) / 2
    assert retrained == pytest.approx(winner["score"], abs=1e-6)
    assert info["search"]["best_validation_both_accuracy"] == round(winner["score"], 6)


def test_mnist_only_search_is_the_search_before_pen_data(mnist_only_search):
    root, stdout = mnist_only_search
    assert "pen" not in stdout.lower()
    # The folder is the one searches used before pen data, so those searches resume. (With scan
    # copies the image count, and so the folder, differ: those trials saw other data.)
    assert [path.name for path in (root / "tune").iterdir()] == ["lenet5-epochs1-images2000-seed1"]
    info = json.loads((root / "model" / METADATA_FILENAME).read_text())
    summary = json.loads((root / "model" / SUMMARY_JSON).read_text())
    assert summary["objective_metric"] == "val_accuracy"
    best = summary["trials"][0]
    assert set(best["hyperparameters"]) == {*recipe.RECIPE, "epochs"}
    assert {name: info[name] for name in best["hyperparameters"]} == best["hyperparameters"]
    assert list(info["data"]) == ["mnist"]
    header = (root / "model" / SUMMARY_MARKDOWN).read_text().split("\n| ")[1]
    assert header == "rank | trial | val accuracy | variant | learning rate | batch | epochs | augment | seconds |"
    # Keras Tuner's own files agree on which trial won and with what values.
    recorded = tuner_trials(root / "tune")
    winner = max(recorded.values(), key=lambda trial: trial["score"])
    assert winner["trial_id"] == best["trial"]
    assert winner["hyperparameters"]["values"] == best["hyperparameters"]
    # Retrained from the same seed through the plain-run path, the winner scores what its trial did.
    assert info["validation_accuracy"] == round(winner["score"], 6)
    assert info["search"]["best_validation_accuracy"] == round(winner["score"], 6)


def test_each_brush_range_is_drawn_once():
    calls = []

    def draw(brush):
        calls.append(brush)
        return f"drawings with {brush}"

    pen = PenSearchData(draw, validation=None, fingerprint={})
    assert pen.training((0.02, 0.08)) == pen.training([0.02, 0.08]) == "drawings with (0.02, 0.08)"
    assert pen.training((0.04, 0.16)) == "drawings with (0.04, 0.16)"
    assert calls == [(0.02, 0.08), (0.04, 0.16)]


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


def test_other_pen_data_or_recipe_starts_another_search():
    searched = {**recipe.RECIPE, "pen_share": 0.25, "pen_brush": (0.04, 0.16)}
    data = {"md5": "abc", "trajectories": 6000, "variants": 4, "validation_writers": [1, 2, 3, 4, 5]}
    name = lambda searched, **changed: project_name(  # noqa: E731
        30, 60000, 1, searched, PenSearchData(draw=None, validation=None, fingerprint={**data, **changed}))
    names = [name(searched), name(searched, variants=2), name(searched, validation_writers=[1, 2, 3, 4, 6]),
             name(searched, md5="abd"), name({**searched, "pen_share": 0.3}), name({**searched, "pen_brush": (0.02, 0.08)})]
    assert len(set(names)) == len(names)
    assert name(searched).startswith(project_name(30, 60000, 1) + "-pen-")


def test_interrupted_search_keeps_the_old_model_and_leaves_the_trial_to_rerun(tmp_path, mnist):
    output = tmp_path / "model"
    output.mkdir()
    (output / "saved_model.pb").write_bytes(b"the previous model")
    # MNIST alone: drawing all pen digits would only delay the first epoch, where the signal comes.
    process = subprocess.Popen(
        [sys.executable, "-u", "train_model.py", "--tune", "3", "--limit", "20000", "--epochs", "5", MNIST_ONLY,
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
    assert "with pen data, pen share and brush range" in help_text
    with pytest.raises(SystemExit):
        train_model.parse_args(["--tune", "0"])
    assert "--tune: must be a positive integer" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train_model.parse_args(["--tune", "2", "--extra-data", str(PROJECT_ROOT)])
    assert "cannot be combined with --extra-data" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train_model.parse_args(["--tune", "2", "--init-from", str(DEFAULT_MODEL_DIR)])
    assert "cannot be combined with --init-from" in capsys.readouterr().err
