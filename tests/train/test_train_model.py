import filecmp
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import types
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import train_model
from lenet.config import (
    KERAS_FILENAME,
    METADATA_FILENAME,
    ONNX_FILENAME,
    PROJECT_ROOT,
    TFLITE_FILENAME,
)
from lenet.inference import Classifier
from lenet.train import export_check, recipe, trainer
from lenet.train.export import export_saved_model
from lenet.train.pendigits import PUBLISHED_MD5
from lenet.train.pipeline import to_model_input
from lenet.train.segments import JUNK_LABEL

# The trainer runs on the team's data, or on stand-ins where ../shared has none (conftest.py).
pytestmark = pytest.mark.usefixtures("training_data")

SMOKE_FLAGS = ["--limit", "2000", "--epochs", "1"]
# Where pen data is not the point, MNIST alone keeps the run short.
MNIST_ONLY = "--no-pen-data"


def run_trainer(*flags, **popen_args):
    return subprocess.run(
        [sys.executable, "train_model.py", *flags], cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=300, **popen_args,
    )


def fake_previous_model(folder):
    """A folder that looks like an earlier export, with content we can compare byte for byte."""
    (folder / "variables").mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(os.urandom(4096))
    (folder / "variables" / "variables.index").write_bytes(os.urandom(512))
    (folder / METADATA_FILENAME).write_text('{"test_accuracy": 0.99}\n')
    return folder


def assert_unchanged(folder, snapshot):
    comparison = filecmp.dircmp(folder, snapshot)
    assert not (comparison.left_only or comparison.right_only or comparison.diff_files)
    for sub in ("variables",):
        assert not filecmp.dircmp(folder / sub, snapshot / sub).diff_files


def no_leftovers(parent):
    return [p.name for p in parent.iterdir() if ".staging-" in p.name or ".old-" in p.name]


SMOKE_STDERR = {}  # The smoke run's stderr, for the test of what it prints.


@pytest.fixture(scope="module")
def smoke_model(tmp_path_factory):
    output = tmp_path_factory.mktemp("smoke") / "model"
    result = run_trainer(*SMOKE_FLAGS, "--output", str(output))
    assert result.returncode == 0, result.stderr
    SMOKE_STDERR["text"] = result.stderr
    return output, result.stdout


def test_smoke_run_writes_a_loadable_saved_model(smoke_model):
    output, stdout = smoke_model
    assert "Test accuracy:" in stdout
    loaded = tf.saved_model.load(str(output))
    signature = loaded.signatures["serving_default"]
    assert signature.structured_input_signature[1]["image"].shape.as_list() == [None, 28, 28, 1]
    probabilities = signature(image=tf.zeros((2, 28, 28, 1)))["probabilities"].numpy()
    assert probabilities.shape == (2, 10)


def test_a_run_that_succeeds_prints_no_error_and_each_tensorflow_notice_once(smoke_model):
    lines = SMOKE_STDERR["text"].splitlines()
    assert not [line for line in lines if line.startswith(("E0", "F0")) or "Traceback" in line], lines
    notices = [line for line in lines if "oneDNN custom operations are on" in line]
    assert len(notices) <= 1, notices


def test_harmless_tensorflow_errors_are_held_back_and_everything_else_passes_on():
    # In a process of its own: what reaches file descriptor 2, as C++ libraries write it.
    code = (
        "import os, sys\n"
        "from lenet.tensorflow_import import without_harmless_errors\n"
        "with without_harmless_errors():\n"
        "    os.write(2, b'E0000 00:00:1.0  1 node_def_util.cc:682] NodeDef mentions attribute "
        "use_unbounded_threadpool which is not in the op definition: Op<name=MapDataset>\\n')\n"
        "    os.write(2, b'E0000 00:00:1.0  1 other.cc:1] a real error\\n')\n"
        "    print('from Python', file=sys.stderr)\n"
        "print('after', file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert result.stderr.splitlines() == ["E0000 00:00:1.0  1 other.cc:1] a real error", "from Python", "after"]


def test_smoke_run_writes_metadata_and_report(smoke_model, mnist):
    output, stdout = smoke_model
    info = json.loads((output / METADATA_FILENAME).read_text())
    assert info["epochs"] == 1 and info["training_images"] == 2000 and info["variant"] == "modern"
    assert f"{info['test_accuracy']:.4%}" in stdout
    # Both sources, with the published files' checksums and names that hold no machine's paths.
    assert info["data"]["mnist"]["md5"]["t10k-labels-idx1-ubyte"] == "27ae3e4e09519cfbb04c329615203637"
    pen = info["data"]["pendigits"]
    assert pen["md5"] == PUBLISHED_MD5 and pen["file"] == "pendigits-orig.tra"
    assert set(pen["training_writers"]).isdisjoint(pen["validation_writers"])
    assert len(pen["validation_writers"]) == recipe.PEN_VALIDATION_WRITERS
    assert (pen["wobble"], pen["stroke_shift"]) == (recipe.PEN_WOBBLE, recipe.PEN_STROKE_SHIFT)
    # Scan copies of both sources, and how they are stored.
    assert (info["data"]["mnist"]["scan_copies"], pen["scan_copies"]) == (recipe.MNIST_SCANS, recipe.PEN_SCANS)
    assert info["scan_copies"] == {"square_sides": [12, 20], "thresholded_share": 0.5}
    assert "of them scan copies" in stdout
    assert str(PROJECT_ROOT.parent) not in json.dumps(info)
    assert f"{info['validation_pen_accuracy']:.4%}" in stdout
    # Windows cut from pairs of training digits, and how the model tells junk from digits.
    assert info["data"]["junk"]["share"] == recipe.JUNK_SHARE and "windows from pairs of digits" in stdout
    assert 0 <= info["junk_rejection"]["junk_below_half"] <= 1 and "Windows cut from MNIST test pairs" in stdout
    for name in ("curves.png", "confusion_matrix.png", "misclassified.png"):
        assert (output / "report" / name).read_bytes().startswith(b"\x89PNG")
    assert no_leftovers(output.parent) == []


def test_smoke_run_writes_checked_exports_and_lists_every_model_file(smoke_model):
    output, stdout = smoke_model
    info = json.loads((output / METADATA_FILENAME).read_text())
    model_files = {p.relative_to(output).as_posix() for p in output.rglob("*")
                   if p.is_file() and p.name != METADATA_FILENAME and "report" not in p.parts}
    assert {TFLITE_FILENAME, ONNX_FILENAME, KERAS_FILENAME, "saved_model.pb"} <= model_files
    assert set(info["files"]) == model_files
    for name, listed in info["files"].items():
        content = (output / name).read_bytes()
        assert listed == {"bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    for runtime in ("litert", "onnx"):
        checked = info["export_check"]["runtimes"][runtime]
        assert checked["images"] == 10_000 and checked["top1_differences"] == 0
        assert checked["max_probability_difference"] <= info["export_check"]["max_probability_difference_allowed"]
        assert f"{runtime}: 0 of 10,000 top-1 answers differ" in stdout


def test_export_only_writes_every_format_again_and_keeps_the_metadata(smoke_model, tmp_path, mnist):
    source, _ = smoke_model
    output = tmp_path / "exported"
    result = run_trainer("--export-only", "--init-from", str(source), "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert "Epoch" not in result.stdout and "0 of 10,000 top-1 answers differ" in result.stdout
    before, after = (json.loads((folder / METADATA_FILENAME).read_text()) for folder in (source, output))
    assert after["test_accuracy"] == before["test_accuracy"] and after["command"] == before["command"]
    assert "--export-only" in after["exported"]["command"]
    assert (output / "report" / "curves.png").read_bytes() == (source / "report" / "curves.png").read_bytes()
    _, (x_test, _) = mnist
    images = to_model_input(x_test[:100])
    for runtime in ("savedmodel", "litert", "onnx"):
        np.testing.assert_allclose(Classifier(output, runtime).predict_batch(images),
                                   Classifier(source, "savedmodel").predict_batch(images), atol=1e-5)


def test_exports_that_fail_the_check_fail_the_run_and_leave_the_old_model(smoke_model, tmp_path, monkeypatch):
    source, _ = smoke_model
    output = tmp_path / "model"
    shutil.copytree(source, output)
    snapshot = tmp_path / "snapshot"
    shutil.copytree(source, snapshot)
    # No float export matches the SavedModel to the last bit; with no tolerance the real check fails.
    monkeypatch.setattr(export_check, "MAX_PROBABILITY_DIFFERENCE", 0.0)
    with pytest.raises(SystemExit, match="does not answer like the SavedModel") as caught:
        train_model.main(["--export-only", "--init-from", str(output), "--output", str(output)])
    assert "FAILED" in str(caught.value.code) and "left as it was" in str(caught.value.code)
    assert_unchanged(output, snapshot)
    assert no_leftovers(tmp_path) == []


def test_exported_model_predicts_what_the_keras_model_did(tmp_path, mnist):
    (x_train, y_train), (x_test, _) = mnist
    args = train_model.parse_args(["--limit", "1000", "--epochs", "1", "--output", str(tmp_path / "m")])
    model, _, _ = trainer.train(args, x_train[:1000], y_train[:1000])
    export_saved_model(model, tmp_path / "m")
    images = x_test[:100, ..., np.newaxis].astype(np.float32) / 255
    exported = tf.saved_model.load(str(tmp_path / "m")).signatures["serving_default"]
    np.testing.assert_allclose(exported(image=images)["probabilities"].numpy(), model(images), atol=1e-5)
    reloaded = keras.models.load_model(tmp_path / "m" / KERAS_FILENAME)
    np.testing.assert_allclose(reloaded(images), model(images), atol=1e-6)


def test_same_seed_gives_the_same_weights(tmp_path):
    outputs = [tmp_path / "a", tmp_path / "b"]
    for output in outputs:
        assert run_trainer("--limit", "600", "--epochs", "1", "--output", str(output)).returncode == 0
    first, second = (keras.models.load_model(o / KERAS_FILENAME).get_weights() for o in outputs)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--epochs", "0"], "--epochs: must be a positive integer"),
        (["--epochs", "-3"], "--epochs: must be a positive integer"),
        (["--variant", "resnet"], "invalid choice: 'resnet'"),
        (["--data-dir", "/no/such/folder"], "folder /no/such/folder does not exist"),
        (["--learning-rate", "nan"], "--learning-rate: must be a positive number"),
        (["--output", "."], "is not a SavedModel folder"),
        (["--pen-share", "1"], "--pen-share: must be at least 0 and below 1"),
        (["--junk-share", "1"], "--junk-share: must be at least 0 and below 1"),
        (["--pen-data", "/no/such/folder"], "folder /no/such/folder does not exist"),
        (["--pen-data", ".", "--no-pen-data"], "--pen-data and --no-pen-data contradict"),
        (["--pen-brush", "0.2", "0.1"], "MIN 0.2 is above MAX 0.1"),
        (["--pen-wobble", "-0.1"], "--pen-wobble: must be at least 0 and below 1"),
        (["--pen-stroke-shift", "1.5"], "--pen-stroke-shift: must be at least 0 and below 1"),
        (["--pen-held-out-writers", "3,x"], "must be writer ids separated by commas, like 3,7,12; got 3,x"),
        (["--pen-held-out-writers", "0"], "must be writer ids separated by commas"),
        (["--export-only"], "--export-only needs --init-from PATH"),
    ],
)
def test_invalid_flags_get_an_argparse_error(flags, message, capsys):
    with pytest.raises(SystemExit) as caught:
        train_model.parse_args(flags)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


def test_help_states_every_default():
    result = run_trainer("--help")
    for flag in ("--epochs", "--batch-size", "--learning-rate", "--seed", "--variant", "--augment",
                 "--data-dir", "--output", "--limit", "--pen-data", "--pen-share", "--pen-variants",
                 "--pen-brush", "--pen-wobble", "--pen-stroke-shift", "--pen-validation-writers", "--junk-share"):
        assert flag in result.stdout
    assert result.stdout.count("(default:") >= 9


def test_failed_export_leaves_the_previous_model_byte_identical(tmp_path, monkeypatch):
    output = fake_previous_model(tmp_path / "model")
    snapshot = fake_previous_model(tmp_path / "snapshot")
    for source in output.rglob("*"):
        if source.is_file():
            (snapshot / source.relative_to(output)).write_bytes(source.read_bytes())

    def disk_full(model, directory):
        (Path(directory) / "saved_model.pb").write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("lenet.train.export.export_model", disk_full)
    with pytest.raises(SystemExit, match="No space left on device"):
        train_model.main(["--limit", "300", "--epochs", "1", MNIST_ONLY, "--output", str(output)])
    assert_unchanged(output, snapshot)
    assert no_leftovers(tmp_path) == []


def test_broken_data_leaves_the_previous_model_and_says_why(tmp_path):
    output = fake_previous_model(tmp_path / "model")
    before = (output / "saved_model.pb").read_bytes()
    data = tmp_path / "mnist"
    data.mkdir()
    (data / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b truncated")
    result = run_trainer("--data-dir", str(data), "--output", str(output))
    assert result.returncode != 0
    assert "mnist" in result.stderr and "Traceback" not in result.stderr
    assert (output / "saved_model.pb").read_bytes() == before


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_training_keeps_the_old_model_and_cleans_up(tmp_path, stop_signal):
    output = fake_previous_model(tmp_path / "model")
    before = (output / "saved_model.pb").read_bytes()
    process = subprocess.Popen(
        [sys.executable, "-u", "train_model.py", "--limit", "20000", "--epochs", "50", MNIST_ONLY,
         "--output", str(output)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    # Stop it once training is under way, i.e. after the staging folder exists and the first epoch ended.
    for line in process.stdout:
        if "Epoch 1/50" in line or "val_accuracy" in line:
            break
    process.send_signal(stop_signal)
    remaining, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "left as it was" in remaining
    assert (output / "saved_model.pb").read_bytes() == before
    assert no_leftovers(tmp_path) == []


def test_unwritable_output_gets_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_trainer("--limit", "300", "--epochs", "1", MNIST_ONLY, "--output", str(blocker / "model"))
    assert result.returncode != 0
    assert "Cannot write to" in result.stderr and "Traceback" not in result.stderr


def writer_corrections(folder, per_digit, seed):
    """The tilted writer's drawings saved as the app saves corrections; returns (images, labels)."""
    from benchmarks.drawing import WRITER, writer_drawing
    from lenet.preprocess import to_mnist
    from lenet.web.corrections import save_correction

    rng = np.random.default_rng(seed)
    images, labels = [], []
    for digit in WRITER:
        for _ in range(per_digit):
            image = to_mnist(writer_drawing(digit, 30, rng))
            save_correction(image, digit, folder)
            images.append(image)
            labels.append(int(digit))
    return np.stack(images), np.array(labels)


def test_fine_tuning_on_corrections_learns_them(tmp_path):
    from lenet.config import DEFAULT_MODEL_DIR

    images, labels = writer_corrections(tmp_path / "corrections", per_digit=8, seed=3)
    result = run_trainer("--init-from", str(DEFAULT_MODEL_DIR), "--extra-data", str(tmp_path / "corrections"),
                         "--limit", "3000", "--epochs", "2", MNIST_ONLY, "--output", str(tmp_path / "tuned"))
    assert result.returncode == 0, result.stderr
    info = json.loads((tmp_path / "tuned" / METADATA_FILENAME).read_text())
    assert info["fine_tuned_from"] == str(DEFAULT_MODEL_DIR) and info["extra_data"]["images"] == 80
    before = float(result.stdout.split("before fine-tuning: ")[1].split("%")[0]) / 100
    after = info["extra_data"]["accuracy"]
    assert after > before
    # The exported model itself, read back, agrees.
    reloaded = tf.saved_model.load(str(tmp_path / "tuned")).signatures["serving_default"]
    predicted = reloaded(image=images[..., np.newaxis].astype(np.float32))["probabilities"].numpy().argmax(1)
    assert np.mean(predicted == labels) == pytest.approx(after, abs=0.02)


def test_a_corrupt_file_in_the_extra_data_is_named(tmp_path):
    output = fake_previous_model(tmp_path / "model")
    before = (output / "saved_model.pb").read_bytes()
    writer_corrections(tmp_path / "corrections", per_digit=1, seed=0)
    (tmp_path / "corrections" / "5" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    result = run_trainer("--extra-data", str(tmp_path / "corrections"), "--limit", "300", "--epochs", "1",
                         MNIST_ONLY, "--output", str(output))
    assert result.returncode != 0
    assert "broken.png: not a readable image" in result.stderr and "Traceback" not in result.stderr
    assert (output / "saved_model.pb").read_bytes() == before


def test_scan_copies_of_both_sources_join_the_mnist_side_of_the_batches(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    pen = types.SimpleNamespace(train=(x_test[:200], y_test[:200]))  # Stand-ins for pen drawings.
    args = train_model.parse_args([])
    images, labels = recipe.with_scans(x_train[:400], y_train[:400], args, pen)
    # 10 % of the MNIST digits and 25 % of the pen drawings, less the few read as blank.
    assert 400 + 40 + 50 - 4 <= len(images) == len(labels) <= 400 + 40 + 50
    np.testing.assert_array_equal(images[:400], x_train[:400])
    assert len(pen.train[0]) == 200  # The pen side keeps only drawings as drawn.
    alone, _ = recipe.with_scans(x_train[:400], y_train[:400], train_model.parse_args(["--pen-scans", "0"]), pen)
    assert len(alone) <= 440 and len(alone) < len(images)
    unchanged, _ = recipe.with_scans(x_train[:400], y_train[:400], train_model.parse_args(["--mnist-scans", "0"]), None)
    assert len(unchanged) == 400


def test_junk_windows_are_cut_from_both_sources_and_not_at_all_with_a_zero_share(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    pen = types.SimpleNamespace(train=(x_test[:200], y_test[:200]))  # Stand-ins for pen drawings.
    assert recipe.cut_junk(x_train[:400], y_train[:400], train_model.parse_args(["--junk-share", "0"]), pen) is None
    images, labels = recipe.cut_junk(x_train[:400], y_train[:400], train_model.parse_args([]), pen)
    assert images.shape[1:] == (28, 28) and 200 < len(images) == len(labels) <= 400
    # Both kinds: junk, and digits carrying bits of a neighbour.
    assert 0 < np.mean(labels == JUNK_LABEL) < 1


def test_pen_training_writers_trains_on_that_many_whole_writers(tmp_path):
    args = train_model.parse_args(["--limit", "300", "--pen-training-writers", "3", "--pen-variants", "1",
                                   "--output", str(tmp_path / "m")])
    pen = recipe.load_pen_data(args)
    assert len(pen.training_writers) == 3 and pen.source["training_writers"] == pen.training_writers
    assert {digit.writer for digit in pen.trajectories} == set(pen.training_writers)
    assert not set(pen.training_writers) & set(pen.validation_writers)
    assert len(pen.train[1]) == len(pen.trajectories) < 300 * 25 / 30


def test_no_pen_data_is_the_mnist_only_path(tmp_path, mnist):
    output = tmp_path / "mnist_only"
    result = run_trainer("--limit", "600", "--epochs", "1", MNIST_ONLY, "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert "Pen drawings" not in result.stdout and "pen writers" not in result.stdout
    info = json.loads((output / METADATA_FILENAME).read_text())
    assert list(info["data"]) == ["mnist", "junk"] and "validation_pen_accuracy" not in info
    # The same weights as training on MNIST alone without the pen code path at all.
    (x_train, y_train), _ = mnist
    args = train_model.parse_args(["--limit", "600", "--epochs", "1", "--output", str(tmp_path / "direct")])
    keras.utils.set_random_seed(args.seed)
    tf.config.experimental.enable_op_determinism()
    direct, _, _ = trainer.train(args, x_train[:600], y_train[:600])
    for saved, trained in zip(keras.models.load_model(output / KERAS_FILENAME).get_weights(), direct.get_weights()):
        np.testing.assert_array_equal(saved, trained)


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--pen-held-out-writers", "31"], "error: the writers to hold out must be some, not all, of 1-30; got 31"),
        (["--pen-validation-writers", "30"], "error: can hold out 1 to 29 of 30 writers, not 30"),
        (["--pen-training-writers", "26"], "error: can train on 1 to 25 writers, not 26"),
    ],
)
def test_writers_that_cannot_be_held_out_get_a_clear_error_and_the_model_kept(tmp_path, flags, message):
    output = fake_previous_model(tmp_path / "model")
    snapshot = tmp_path / "snapshot"
    shutil.copytree(output, snapshot)
    result = run_trainer(*flags, "--limit", "300", "--epochs", "1", "--output", str(output))
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert_unchanged(output, snapshot)


def test_a_damaged_pen_data_file_is_named_and_the_model_kept(tmp_path):
    output = fake_previous_model(tmp_path / "model")
    before = (output / "saved_model.pb").read_bytes()
    pen = tmp_path / "pen"
    pen.mkdir()
    (pen / "pendigits-orig.tra").write_text('.SEGMENT DIGIT 0 ? "7"\n.COMMENT 7 1 0\n.PEN_DOWN\n 1 x\n')
    result = run_trainer("--pen-data", str(pen), "--limit", "300", "--epochs", "1", "--output", str(output))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "pendigits-orig.tra, line 4: point '1 x' is not two integers" in result.stderr
    assert (output / "saved_model.pb").read_bytes() == before


def test_init_from_needs_a_keras_file(tmp_path, capsys):
    with pytest.raises(SystemExit):
        train_model.parse_args(["--init-from", str(tmp_path)])
    assert "has no lenet5.keras" in capsys.readouterr().err
