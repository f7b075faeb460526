"""Search LeNet-5's training recipe with Keras Tuner, scored on the held-out validation images.

Why Bayesian optimization and not Hyperband: on 2 CPU cores a trial costs minutes, so a search is
a handful of trials, and each should count. Bayesian optimization fits a Gaussian process to every
finished trial to choose the next one. Each of its trials is a complete, ordinary training run, so
the winner is retrained bit for bit as `train_model.py` would train it and N trials cost N runs.
Hyperband instead spends most of its budget on runs of a few epochs and resumes the survivors from
checkpoints. That ranks configurations early in training, where strong augmentation and low
learning rates look worse than they end up. It also breaks the cosine learning-rate decay, whose
length is fixed when the model is compiled: a short run stops high on it, a resumed one starts it over.

The search state lives in `<tune dir>/<project>/`; rerunning the same search there resumes it,
skipping finished trials and rerunning one that was interrupted.
"""

import json
import time
from pathlib import Path

import keras
import keras_tuner
import tensorflow as tf

from lenet.model import VARIANTS, build_model
from lenet.stopping import stop_training_on_signals
from lenet.training import compile_for_training, evaluation_dataset, training_dataset

TUNER_NAME = "BayesianOptimization"
OBJECTIVE = "val_accuracy"  # Last epoch's accuracy on the held-out images: what the exported model gets.
SUMMARY_JSON = "search_summary.json"
SUMMARY_MARKDOWN = "search_summary.md"

# The search space. Defaults are the committed recipe, which is always trial 0: the baseline to beat.
LEARNING_RATES = (3e-4, 1e-2)  # Sampled on a log scale; default 2e-3.
BATCH_SIZES = (64, 128, 256)
AUGMENT_STRENGTHS = (0.0, 2.0, 0.25)  # Lowest, highest, step; 0 turns augmentation off.
# Trials pick their epochs between a third of the cap (--epochs) and the cap.
MIN_EPOCHS_FRACTION = 1 / 3
# Trials drawn at random (counting the recipe) before the Gaussian process proposes the next ones.
RANDOM_TRIALS = 3


class SearchError(RuntimeError):
    """The search could not run or finished without a single successful trial."""


class LeNetHyperModel(keras_tuner.HyperModel):
    """LeNet-5 trained exactly as train_model.py trains it, with the recipe drawn from `hp`."""

    def __init__(self, fit_data, validation_data, max_epochs, seed, recipe):
        super().__init__(name="lenet5")
        self.fit_data = fit_data
        self.validation_data = validation_data
        self.max_epochs = max_epochs
        self.seed = seed
        self.recipe = recipe

    def build(self, hp):
        """Declare the search space and return a compiled model for the values `hp` holds."""
        variant = hp.Choice("variant", VARIANTS, default=self.recipe["variant"])
        learning_rate = hp.Float("learning_rate", *LEARNING_RATES, sampling="log",
                                 default=self.recipe["learning_rate"])
        batch_size = hp.Choice("batch_size", BATCH_SIZES, default=self.recipe["batch_size"])
        epochs = hp.Int("epochs", max(1, round(self.max_epochs * MIN_EPOCHS_FRACTION)), self.max_epochs,
                        default=self.max_epochs)
        lowest, highest, step = AUGMENT_STRENGTHS
        hp.Float("augment_strength", lowest, highest, step=step, default=self.recipe["augment_strength"])
        # Every trial starts from the weights a plain run with this seed starts from, so retraining
        # the winner reproduces its score.
        keras.utils.set_random_seed(self.seed)
        return compile_for_training(build_model(variant), learning_rate,
                                    steps_per_epoch(len(self.fit_data[0]), batch_size) * epochs)

    def fit(self, hp, model, verbose=2):
        """Train like train_model.train; return the last epoch's validation metrics and the time taken."""
        (x_fit, y_fit), (x_val, y_val) = self.fit_data, self.validation_data
        batch_size = hp.get("batch_size")
        started = time.perf_counter()
        # Ctrl-C ends the trial after the current batch and unwinds out of the search as
        # KeyboardInterrupt; the trial stays unfinished, so a resumed search runs it again.
        with stop_training_on_signals() as stop_on_signal:
            history = model.fit(
                training_dataset(x_fit, y_fit, batch_size, self.seed, hp.get("augment_strength")),
                steps_per_epoch=steps_per_epoch(len(x_fit), batch_size),
                epochs=hp.get("epochs"),
                validation_data=evaluation_dataset(x_val, y_val),
                shuffle=False,
                callbacks=[stop_on_signal],
                verbose=verbose,
            )
        return {
            OBJECTIVE: float(history.history["val_accuracy"][-1]),
            "val_loss": float(history.history["val_loss"][-1]),
            "seconds": time.perf_counter() - started,
        }


def steps_per_epoch(images, batch_size):
    """Full batches per pass over `images` training images, as train_model.train counts them."""
    return max(1, images // batch_size)


class _LeNetTuner(keras_tuner.Tuner):
    """Runs a trial as build + fit, the way Keras Tuner documents overriding run_trial.

    The stock run_trial imports TensorBoard (not a dependency here) and checkpoints every trial's
    weights, which nothing uses: the winner is retrained from scratch.
    """

    def run_trial(self, trial, *args, **kwargs):
        keras.backend.clear_session()  # Free the previous trial's model and compiled functions.
        model = self.hypermodel.build(trial.hyperparameters)
        return self.hypermodel.fit(trial.hyperparameters, model, *args, **kwargs)


class _RecipeFirstOracle(keras_tuner.oracles.BayesianOptimizationOracle):
    """Bayesian optimization whose first trial is the default recipe, so the summary shows the baseline."""

    def populate_space(self, trial_id):
        if not self.trials:
            return {"status": keras_tuner.engine.trial.TrialStatus.RUNNING,
                    "values": {hp.name: hp.default for hp in self.hyperparameters.space}}
        return super().populate_space(trial_id)


def project_name(max_epochs, training_images, seed):
    """One folder per search: a changed cap, data size or seed starts a new search instead of mixing."""
    return f"lenet5-epochs{max_epochs}-images{training_images}-seed{seed}"


def search(fit_data, validation_data, *, trials, max_epochs, seed, directory, recipe, verbose=2):
    """Run (or resume) a search of `trials` trials; return its summary (see `summarize`).

    fit_data and validation_data are ((N, 28, 28) uint8, (N,) int) pairs; only validation_data scores.
    recipe: the trainer's defaults (variant, learning_rate, batch_size, augment_strength), trial 0.
    """
    name = project_name(max_epochs, len(fit_data[0]) + len(validation_data[0]), seed)
    project_dir = Path(directory) / name
    resuming = (project_dir / "oracle.json").exists()
    try:
        tuner = _LeNetTuner(
            oracle=_RecipeFirstOracle(
                objective=keras_tuner.Objective(OBJECTIVE, direction="max"),
                max_trials=trials,
                num_initial_points=RANDOM_TRIALS,
                seed=seed + 1,  # Keras Tuner reads seed 0 as "unseeded"; any fixed mapping will do.
            ),
            hypermodel=LeNetHyperModel(fit_data, validation_data, max_epochs, seed, recipe),
            directory=str(directory),
            project_name=name,
            overwrite=False,
        )
        finished = sum(trial.status == "COMPLETED" for trial in tuner.oracle.trials.values())
        if resuming:
            print(f"Resuming the search in {project_dir}: {finished} of {trials} trials done.")
        else:
            print(f"Starting a search of {trials} trials in {project_dir}.")
        tuner.search(verbose=verbose)
    except (OSError, tf.errors.OpError) as error:  # Keras Tuner writes through tf.io.gfile.
        reason = getattr(error, "strerror", None) or getattr(error, "message", None) or error
        raise SearchError(f"cannot keep the search in {project_dir} ({reason}); "
                          "choose another --tune-dir or fix its permissions") from error
    except RuntimeError as error:  # Keras Tuner's "too many failed trials" and "cannot reload".
        raise SearchError(f"the search in {project_dir} stopped: {_last_line(error)}") from error
    summary = summarize(tuner.oracle, project_dir, max_epochs, seed)
    if not summary["trials"] or summary["trials"][0]["status"] != "COMPLETED":
        reason = next((row["message"] for row in summary["trials"] if row.get("message")), "no trial ran")
        raise SearchError(f"no trial of the search in {project_dir} finished ({reason}).")
    return summary


def summarize(oracle, project_dir, max_epochs, seed):
    """Every trial's hyperparameters and validation metrics, best first (ties: earlier trial first)."""
    order = {trial_id: index for index, trial_id in enumerate(oracle.start_order)}
    rows = []
    for trial in oracle.trials.values():
        completed = trial.status == "COMPLETED"
        row = {
            "trial": trial.trial_id,
            "status": trial.status,
            OBJECTIVE: trial.score if completed else None,
            "val_loss": _last_value(trial, "val_loss"),
            "seconds": _rounded(_last_value(trial, "seconds"), 1),
            "hyperparameters": dict(trial.hyperparameters.values),
        }
        if trial.message:
            row["message"] = _last_line(trial.message)
        rows.append(row)
    rows.sort(key=lambda row: (row[OBJECTIVE] is None, -(row[OBJECTIVE] or 0),
                               order.get(row["trial"], len(order))))
    return {
        "tuner": TUNER_NAME,
        "objective": f"{OBJECTIVE} (last epoch, held-out part of the training set)",
        "max_epochs": max_epochs,
        "seed": seed,
        "tune_dir": str(project_dir),
        "trials": rows,
    }


def best_hyperparameters(summary):
    """The winning trial's values: variant, learning_rate, batch_size, epochs, augment_strength."""
    return dict(summary["trials"][0]["hyperparameters"])


def search_metadata(summary):
    """What metadata.json records about the search that chose the recipe."""
    best = summary["trials"][0]
    return {
        "tuner": summary["tuner"],
        "objective": summary["objective"],
        "trials": sum(row["status"] == "COMPLETED" for row in summary["trials"]),
        "max_epochs": summary["max_epochs"],
        "best_trial": best["trial"],
        "best_validation_accuracy": round(best[OBJECTIVE], 6),
        "hyperparameters": best_hyperparameters(summary),
        "tune_dir": summary["tune_dir"],
        "summary": SUMMARY_JSON,
    }


def summary_table(summary):
    """The summary as a Markdown table, best trial first."""
    lines = [
        f"{summary['tuner']} search, objective {summary['objective']}:",
        "",
        "| rank | trial | val accuracy | variant | learning rate | batch | epochs | augment | seconds |",
        "| ---: | ---: | ---: | :--- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for rank, row in enumerate(summary["trials"], start=1):
        values = row["hyperparameters"]
        accuracy = f"{row[OBJECTIVE]:.2%}" if row[OBJECTIVE] is not None else row["status"].lower()
        lines.append(
            f"| {rank} | {row['trial']} | {accuracy} | {values.get('variant', '')} "
            f"| {values.get('learning_rate', 0):.2e} | {values.get('batch_size', '')} "
            f"| {values.get('epochs', '')} | {values.get('augment_strength', '')} "
            f"| {row['seconds'] if row['seconds'] is not None else ''} |"
        )
    return "\n".join(lines) + "\n"


def write_summary(directory, summary):
    """Write search_summary.json and search_summary.md into `directory`; return their paths."""
    directory = Path(directory)
    json_path, markdown_path = directory / SUMMARY_JSON, directory / SUMMARY_MARKDOWN
    json_path.write_text(json.dumps(summary, indent=2) + "\n")
    markdown_path.write_text(summary_table(summary))
    return json_path, markdown_path


def _last_value(trial, metric):
    return trial.metrics.get_last_value(metric) if trial.metrics.exists(metric) else None


def _rounded(value, digits):
    return None if value is None else round(value, digits)


def _last_line(text):
    """Keras Tuner keeps whole tracebacks; the last line names the error."""
    lines = str(text).strip().splitlines()
    return lines[-1] if lines else str(text)
