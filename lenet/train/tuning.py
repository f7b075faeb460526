"""Search LeNet-5's training recipe with Keras Tuner, scored on the held-out validation images.

With pen data (the trainer's default) a trial is scored as the trainer selects its epoch: on both
MNIST validation and the held-out pen writers (their mean, at the epoch best on it), and the search
also chooses the pen drawings' share of every batch and the range of brush widths they are drawn
with. Drawing the pen digits with one brush range costs as much as several epochs, so each range
is drawn once per search, when a trial first asks for it, and kept in memory for the trials after it.

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

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import keras
import keras_tuner
import tensorflow as tf

from lenet.config import VARIANTS
from lenet.model import build_model
from lenet.train.pipeline import (
    compile_for_training,
    evaluation_dataset,
    training_dataset,
)
from lenet.train.selection import BOTH_ACCURACY, PEN_ACCURACY, KeepBestOnBothPopulations
from lenet.train.stopping import stop_training_on_signals

TUNER_NAME = "BayesianOptimization"
OBJECTIVE = "val_accuracy"  # Last epoch's accuracy on the held-out images: what the exported model gets.
# With pen data the trainer keeps the epoch best on MNIST validation and held-out writers together,
# so a trial scores that epoch's mean of the two.
PEN_OBJECTIVE = BOTH_ACCURACY
SUMMARY_JSON = "search_summary.json"
SUMMARY_MARKDOWN = "search_summary.md"

# The search space. Defaults are the committed recipe, which is always trial 0: the baseline to beat.
LEARNING_RATES = (3e-4, 1e-2)  # Sampled on a log scale; default 2e-3.
BATCH_SIZES = (64, 128, 256)
AUGMENT_STRENGTHS = (0.0, 2.0, 0.25)  # Lowest, highest, step; 0 turns augmentation off.
PEN_SHARES = (0.0, 0.5, 0.05)  # Lowest, highest, step; 0 trains on MNIST alone but still scores on both.
# Brush diameter ranges, as a fraction of the digit's height: fine pens, the drawing style's default,
# markers, any of them.
# The recipe's range joins them if it is not one of them.
BRUSH_RANGES = ((0.02, 0.08), (0.04, 0.16), (0.08, 0.24), (0.02, 0.24))
# Trials pick their epochs between a third of the cap (--epochs) and the cap.
MIN_EPOCHS_FRACTION = 1 / 3
# Trials drawn at random (counting the recipe) before the Gaussian process proposes the next ones.
RANDOM_TRIALS = 3


class SearchError(RuntimeError):
    """The search could not run or finished without a single successful trial."""


@dataclass
class PenSearchData:
    """The pen drawings a search trains and scores on.

    draw: brush range (low, high) -> (uint8 (N, 28, 28), labels), the training writers' drawings.
    validation: (images, labels) of the held-out writers, the same for every trial.
    fingerprint: a JSON-able description of the data (file checksum, writers, trajectories,
    variants); the search's folder is named after it, so other data starts another search.
    """

    draw: Callable
    validation: tuple
    fingerprint: dict
    drawn: dict = field(default_factory=dict)  # Brush range -> drawings, filled as trials ask.

    def training(self, brush):
        """The training drawings for `brush`, drawn on the first call for it and kept."""
        brush = tuple(brush)
        if brush not in self.drawn:
            print(f"Drawing the pen digits with brush range {brush_name(brush)}, once for the whole search ...",
                  flush=True)
            started = time.perf_counter()
            self.drawn[brush] = self.draw(brush)
            print(f"Drew {len(self.drawn[brush][1]):,} pen digits in {time.perf_counter() - started:.0f} s.")
        return self.drawn[brush]


def brush_name(brush):
    """(0.04, 0.16) -> "0.04-0.16", the brush range as the search space and its summary name it."""
    return "-".join(f"{width:g}" for width in brush)


def brush_choices(recipe_brush):
    """The brush ranges searched, by name, thinnest brush first; the recipe's is always among them."""
    return [brush_name(brush) for brush in sorted({*BRUSH_RANGES, tuple(recipe_brush)})]


def recipe_values(values):
    """A trial's hyperparameter values as the trainer's arguments take them.

    pen_brush "0.04-0.16" -> (0.04, 0.16); pen_share loses Keras Tuner's float noise (0.15000000000000002),
    which changes no batch: trial and final run both read the values through here.
    """
    values = dict(values)
    if "pen_brush" in values:
        values["pen_brush"] = tuple(float(width) for width in values["pen_brush"].split("-"))
    if "pen_share" in values:
        values["pen_share"] = round(values["pen_share"], 6)
    return values


class LeNetHyperModel(keras_tuner.HyperModel):
    """LeNet-5 trained exactly as train_model.py trains it, with the recipe drawn from `hp`."""

    def __init__(self, fit_data, validation_data, max_epochs, seed, recipe, pen=None):
        super().__init__(name="lenet5")
        self.fit_data = fit_data
        self.validation_data = validation_data
        self.max_epochs = max_epochs
        self.seed = seed
        self.recipe = recipe
        self.pen = pen

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
        if self.pen is not None:
            lowest, highest, step = PEN_SHARES
            share = self.recipe["pen_share"]
            hp.Float("pen_share", lowest, max(highest, share), step=step, default=share)
            hp.Choice("pen_brush", brush_choices(self.recipe["pen_brush"]),
                      default=brush_name(self.recipe["pen_brush"]))
        # Every trial starts from the weights a plain run with this seed starts from, so retraining
        # the winner reproduces its score.
        keras.utils.set_random_seed(self.seed)
        return compile_for_training(build_model(variant), learning_rate,
                                    steps_per_epoch(len(self.fit_data[0]), batch_size) * epochs)

    def fit(self, hp, model, verbose=2):
        """Train like train_model.train; return the kept epoch's validation metrics and the time taken."""
        (x_fit, y_fit), (x_val, y_val) = self.fit_data, self.validation_data
        values = recipe_values(hp.values)
        batch_size = values["batch_size"]
        pen_drawings, selection = None, None
        if self.pen is not None:
            pen_drawings = self.pen.training(values["pen_brush"])
            selection = KeepBestOnBothPopulations(*self.pen.validation)
        started = time.perf_counter()
        # Ctrl-C ends the trial after the current batch and unwinds out of the search as
        # KeyboardInterrupt; the trial stays unfinished, so a resumed search runs it again.
        with stop_training_on_signals() as stop_on_signal:
            history = model.fit(
                training_dataset(x_fit, y_fit, batch_size, self.seed, values["augment_strength"],
                                 pen=pen_drawings, pen_share=values.get("pen_share", 0.0)),
                steps_per_epoch=steps_per_epoch(len(x_fit), batch_size),
                epochs=values["epochs"],
                validation_data=evaluation_dataset(x_val, y_val),
                shuffle=False,
                callbacks=[stop_on_signal] + ([selection] if selection is not None else []),
                verbose=verbose,
            )
        return {**kept_epoch_metrics(history.history, selection), "seconds": time.perf_counter() - started}


def kept_epoch_metrics(history, selection=None):
    """The validation metrics of the epoch the trainer keeps: the last, or the one `selection`
    (a KeepBestOnBothPopulations) chose and restored.
    """
    if selection is None:
        return {OBJECTIVE: float(history["val_accuracy"][-1]), "val_loss": float(history["val_loss"][-1])}
    kept = selection.best[1] - 1
    return {metric: float(history[metric][kept]) for metric in (PEN_OBJECTIVE, OBJECTIVE, PEN_ACCURACY, "val_loss")}


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


def project_name(max_epochs, training_images, seed, recipe=None, pen=None):
    """One folder per search: a changed cap, data size or seed starts a new search instead of mixing.

    With pen data (a PenSearchData) the name also carries a digest of the pen data, the search
    space and the recipe (trial 0), so that changing any of them starts a new search too.
    """
    name = f"lenet5-epochs{max_epochs}-images{training_images}-seed{seed}"
    if pen is None:
        return name
    searched = {"data": pen.fingerprint, "recipe": recipe, "variants": VARIANTS, "learning_rates": LEARNING_RATES,
                "batch_sizes": BATCH_SIZES, "augment_strengths": AUGMENT_STRENGTHS, "pen_shares": PEN_SHARES,
                "brushes": brush_choices(recipe["pen_brush"]), "min_epochs_fraction": MIN_EPOCHS_FRACTION}
    digest = hashlib.sha256(json.dumps(searched, sort_keys=True, default=list).encode()).hexdigest()
    return f"{name}-pen-{digest[:10]}"


def search(fit_data, validation_data, *, trials, max_epochs, seed, directory, recipe, pen=None, verbose=2):
    """Run (or resume) a search of `trials` trials; return its summary (see `summarize`).

    fit_data and validation_data are ((N, 28, 28) uint8, (N,) int) pairs; only validation_data scores.
    recipe: the trainer's defaults (variant, learning_rate, batch_size, augment_strength, and with
    pen data pen_share and pen_brush), trial 0. pen: a PenSearchData, or None for MNIST alone.
    """
    name = project_name(max_epochs, len(fit_data[0]) + len(validation_data[0]), seed, recipe, pen)
    project_dir = Path(directory) / name
    objective = OBJECTIVE if pen is None else PEN_OBJECTIVE
    resuming = (project_dir / "oracle.json").exists()
    try:
        tuner = _LeNetTuner(
            oracle=_RecipeFirstOracle(
                objective=keras_tuner.Objective(objective, direction="max"),
                max_trials=trials,
                num_initial_points=RANDOM_TRIALS,
                seed=seed + 1,  # Keras Tuner reads seed 0 as "unseeded"; any fixed mapping will do.
            ),
            hypermodel=LeNetHyperModel(fit_data, validation_data, max_epochs, seed, recipe, pen),
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
    summary = summarize(tuner.oracle, project_dir, max_epochs, seed, objective)
    if not summary["trials"] or summary["trials"][0]["status"] != "COMPLETED":
        reason = next((row["message"] for row in summary["trials"] if row.get("message")), "no trial ran")
        raise SearchError(f"no trial of the search in {project_dir} finished ({reason}).")
    return summary


OBJECTIVE_DESCRIPTIONS = {
    OBJECTIVE: f"{OBJECTIVE} (last epoch, held-out part of the training set)",
    PEN_OBJECTIVE: f"{PEN_OBJECTIVE} (mean of the accuracies on held-out MNIST and held-out pen writers, "
                   f"at the epoch best on it, as the trainer keeps)",
}


def summarize(oracle, project_dir, max_epochs, seed, objective=OBJECTIVE):
    """Every trial's hyperparameters and validation metrics, best first (ties: earlier trial first)."""
    order = {trial_id: index for index, trial_id in enumerate(oracle.start_order)}
    others = () if objective == OBJECTIVE else (OBJECTIVE, PEN_ACCURACY)
    rows = []
    for trial in oracle.trials.values():
        completed = trial.status == "COMPLETED"
        row = {
            "trial": trial.trial_id,
            "status": trial.status,
            objective: trial.score if completed else None,
            **{metric: _last_value(trial, metric) if completed else None for metric in others},
            "val_loss": _last_value(trial, "val_loss"),
            "seconds": _rounded(_last_value(trial, "seconds"), 1),
            "hyperparameters": dict(trial.hyperparameters.values),
        }
        if trial.message:
            row["message"] = _last_line(trial.message)
        rows.append(row)
    rows.sort(key=lambda row: (row[objective] is None, -(row[objective] or 0),
                               order.get(row["trial"], len(order))))
    return {
        "tuner": TUNER_NAME,
        "objective": OBJECTIVE_DESCRIPTIONS[objective],
        "objective_metric": objective,
        "max_epochs": max_epochs,
        "seed": seed,
        "tune_dir": str(project_dir),
        "trials": rows,
    }


def best_hyperparameters(summary):
    """The winning trial's values: variant, learning_rate, batch_size, epochs, augment_strength,
    and with pen data pen_share and pen_brush (low, high), as the trainer's arguments take them.
    """
    return recipe_values(summary["trials"][0]["hyperparameters"])


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
        **({"best_validation_pen_accuracy": round(best[PEN_ACCURACY], 6),
            "best_validation_both_accuracy": round(best[PEN_OBJECTIVE], 6)}
           if summary["objective_metric"] == PEN_OBJECTIVE else {}),
        "hyperparameters": best_hyperparameters(summary),
        "tune_dir": summary["tune_dir"],
        "summary": SUMMARY_JSON,
    }


def summary_table(summary):
    """The summary as a Markdown table, best trial first; with pen data, both scores and the pen knobs."""
    pen = summary["objective_metric"] == PEN_OBJECTIVE
    scores = ([(PEN_OBJECTIVE, "val both"), (OBJECTIVE, "val MNIST"), (PEN_ACCURACY, "val pen")] if pen
              else [(OBJECTIVE, "val accuracy")])
    objective = scores[0][0]
    # (header, alignment, cell of a row and its hyperparameter values)
    columns = [
        *[(header, "---:", lambda row, values, metric=metric: _percent(row[metric])) for metric, header in scores],
        ("variant", ":---", lambda row, values: values.get("variant", "")),
        ("learning rate", "---:", lambda row, values: f"{values.get('learning_rate', 0):.2e}"),
        ("batch", "---:", lambda row, values: values.get("batch_size", "")),
        ("epochs", "---:", lambda row, values: values.get("epochs", "")),
        ("augment", "---:", lambda row, values: values.get("augment_strength", "")),
        *([("pen share", "---:", lambda row, values: f"{values.get('pen_share', 0):.2f}"),
           ("brush", ":---", lambda row, values: values.get("pen_brush", ""))] if pen else []),
        ("seconds", "---:", lambda row, values: row["seconds"] if row["seconds"] is not None else ""),
    ]
    lines = [
        f"{summary['tuner']} search, objective {summary['objective']}:",
        "",
        "| rank | trial | " + " | ".join(header for header, _, _ in columns) + " |",
        "| ---: | ---: | " + " | ".join(alignment for _, alignment, _ in columns) + " |",
    ]
    for rank, row in enumerate(summary["trials"], start=1):
        cells = [cell(row, row["hyperparameters"]) for _, _, cell in columns]
        if row[objective] is None:
            cells[0] = row["status"].lower()
        lines.append(f"| {rank} | {row['trial']} | " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines) + "\n"


def write_summary(directory, summary):
    """Write search_summary.json and search_summary.md into `directory`; return their paths."""
    directory = Path(directory)
    json_path, markdown_path = directory / SUMMARY_JSON, directory / SUMMARY_MARKDOWN
    json_path.write_text(json.dumps(summary, indent=2) + "\n")
    markdown_path.write_text(summary_table(summary))
    return json_path, markdown_path


def _percent(value):
    return "" if value is None else f"{value:.2%}"


def _last_value(trial, metric):
    return trial.metrics.get_last_value(metric) if trial.metrics.exists(metric) else None


def _rounded(value, digits):
    return None if value is None else round(value, digits)


def _last_line(text):
    """Keras Tuner keeps whole tracebacks; the last line names the error."""
    lines = str(text).strip().splitlines()
    return lines[-1] if lines else str(text)
