"""Moderation: the blocking policy every provider shares, and the on-device classifier on the
photographs of the labelled set (all clean: the repository ships no explicit images, so the
classifier's positives are tested through a fake, and its false-positive rate is measured)."""

from __future__ import annotations

from typing import Any

import pytest
from PIL import Image

from photopipe.errors import ErrorCode, PermanentImageError
from photopipe.providers.moderation import ModerationPolicy
from photopipe.providers.nsfw import NsfwClassifier
from photopipe.providers.ondevice import OnDeviceProvider
from tests.support import faces
from tests.support.measured import report

CLASSIFIER = NsfwClassifier()
CLEAN = [*faces.NO_FACE_PHOTOS, "astronaut.png", "camera.png"]
SCORES: dict[str, float] = {}


@pytest.mark.parametrize("name", CLEAN)
def test_clean_photos_get_an_empty_moderation_list(name: str) -> None:
    image = faces.sample(name)
    SCORES[name] = CLASSIFIER.score(image)
    report(
        "on-device moderation",
        f"highest open_nsfw score on {len(SCORES)} clean photos {max(SCORES.values()):.3f} "
        f"(reported from 0.60), none reported",
    )
    assert CLASSIFIER.labels(image) == []


def label(name: str, confidence: float, parent: str | None = None) -> dict[str, Any]:
    return {"name": name, "confidence": confidence, **({"parent": parent} if parent else {})}


def test_a_blocked_label_or_parent_at_the_minimum_confidence_rejects() -> None:
    policy = ModerationPolicy(frozenset({"Explicit"}), min_confidence=80)
    for found in (label("Explicit", 80.0), label("Explicit Nudity", 95.5, parent="Explicit")):
        with pytest.raises(PermanentImageError) as failure:
            policy.enforce([label("Smoking", 99.0), found])
        assert failure.value.code is ErrorCode.MODERATION_REJECTED
        assert "Explicit" in str(failure.value)


def test_unblocked_or_less_confident_labels_pass() -> None:
    policy = ModerationPolicy(frozenset({"Explicit"}), min_confidence=80)
    policy.enforce([label("Explicit Nudity", 79.9, parent="Explicit"), label("Smoking", 99.0, parent="Tobacco")])
    ModerationPolicy(frozenset()).enforce([label("Explicit", 100.0)])


class FixedScore(NsfwClassifier):
    """The classifier with its model replaced by a fixed score."""

    def __init__(self, score: float) -> None:
        self._fixed = score

    def score(self, image: Image.Image) -> float:
        return self._fixed


def test_the_classifiers_score_becomes_rekognitions_label_from_the_report_floor() -> None:
    assert FixedScore(0.59).labels(Image.new("RGB", (8, 8))) == []
    assert FixedScore(0.914).labels(Image.new("RGB", (8, 8))) == [
        {"name": "Explicit Nudity", "parent": "Explicit", "confidence": 91.4}
    ]


def test_the_on_device_provider_rejects_before_running_the_other_models() -> None:
    class NoFaces:
        def detect(self, image: Image.Image) -> list[dict[str, Any]]:
            raise AssertionError("faces ran on a rejected photo")

    provider = OnDeviceProvider(
        ModerationPolicy(frozenset({"Explicit"}), 80),
        faces=NoFaces(),
        moderation=FixedScore(0.97),  # type: ignore[arg-type]
    )
    with pytest.raises(PermanentImageError) as failure:
        provider.analyse(Image.new("RGB", (64, 64)))
    assert failure.value.code is ErrorCode.MODERATION_REJECTED
    reported = OnDeviceProvider(ModerationPolicy(frozenset()), moderation=FixedScore(0.97))
    assert reported.analyse(Image.new("RGB", (64, 64)))["moderation"][0]["confidence"] == 97.0
