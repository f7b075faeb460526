"""Check the LiteRT and ONNX files against the SavedModel they were made from, image by image."""

from dataclasses import asdict, dataclass

import numpy as np

from lenet.inference import Classifier

# Each export must give every test image the SavedModel's top-1 answer and probabilities within
# this of the SavedModel's. Float32 exports of the committed model differ by at most 1.7e-6 on the
# 10,000 MNIST test images (different kernels sum in a different order); 1e-5 leaves room for that.
MAX_PROBABILITY_DIFFERENCE = 1e-5
CHECKED_RUNTIMES = ("litert", "onnx")


class ExportCheckError(RuntimeError):
    """An export answers differently from the SavedModel; the run fails and the previous model stays."""


@dataclass(frozen=True)
class RuntimeAgreement:
    """How one runtime's export compares with the SavedModel on the checked images."""

    runtime: str
    images: int
    top1_differences: int  # images whose most probable digit differs from the SavedModel's
    max_probability_difference: float  # max |p_export - p_savedmodel| over all images and digits
    accuracy: float  # top-1 accuracy of the export on the labels

    @property
    def passed(self):
        return self.top1_differences == 0 and self.max_probability_difference <= MAX_PROBABILITY_DIFFERENCE

    def describe(self):
        verdict = "ok" if self.passed else "FAILED"
        return (f"{self.runtime:>6}: {self.top1_differences} of {self.images:,} top-1 answers differ from the "
                f"SavedModel's, max |Δp| {self.max_probability_difference:.1e} (bound "
                f"{MAX_PROBABILITY_DIFFERENCE:.0e}), accuracy {self.accuracy:.2%}: {verdict}")


def check_exports(model_dir, images, labels):
    """Run `images` (N, 28, 28, 1) through the SavedModel and each export in `model_dir` -> [RuntimeAgreement].

    Raises ExportCheckError naming every export that does not answer like the SavedModel.
    """
    reference = Classifier(model_dir, "savedmodel").predict_batch(images)
    agreements = []
    for runtime in CHECKED_RUNTIMES:
        probabilities = Classifier(model_dir, runtime).predict_batch(images)
        agreements.append(RuntimeAgreement(
            runtime=runtime,
            images=len(images),
            top1_differences=int(np.sum(probabilities.argmax(axis=1) != reference.argmax(axis=1))),
            max_probability_difference=float(np.max(np.abs(probabilities - reference))),
            accuracy=float(np.mean(probabilities.argmax(axis=1) == labels)),
        ))
    failed = [agreement.describe() for agreement in agreements if not agreement.passed]
    if failed:
        raise ExportCheckError("an export does not answer like the SavedModel:\n  " + "\n  ".join(failed))
    return agreements


def export_check_metadata(agreements):
    """The agreements as metadata.json's "export_check" entry."""
    return {
        "max_probability_difference_allowed": MAX_PROBABILITY_DIFFERENCE,
        "runtimes": {agreement.runtime: {key: value for key, value in asdict(agreement).items() if key != "runtime"}
                     for agreement in agreements},
    }
