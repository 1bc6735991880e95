"""The Rekognition provider against botocore's Stubber: no free emulator serves Rekognition."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import ANY, Stubber
from PIL import Image

from photopipe.errors import DeploymentFault, ErrorCode, PermanentImageError, TransientError
from photopipe.providers.moderation import ModerationPolicy
from photopipe.providers.rekognition import RekognitionProvider


@pytest.fixture
def stubbed() -> Iterator[tuple[RekognitionProvider, Stubber]]:
    client = boto3.client("rekognition", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield RekognitionProvider(client, ModerationPolicy(frozenset({"Explicit Nudity"}), 80)), stubber
        stubber.assert_no_pending_responses()


def labels(*names: str) -> dict[str, object]:
    return {"Labels": [{"Name": n, "Confidence": 93.2} for n in names]}


NO_FACES: dict[str, object] = {"FaceDetails": []}


def test_labels_are_added_to_the_local_analysis(stubbed: tuple[RekognitionProvider, Stubber]) -> None:
    provider, stubber = stubbed
    stubber.add_response(
        "detect_labels", labels("Dog", "Beach"), {"Image": {"Bytes": ANY}, "MaxLabels": 15, "MinConfidence": 70}
    )
    stubber.add_response(
        "detect_moderation_labels", {"ModerationLabels": []}, {"Image": {"Bytes": ANY}, "MinConfidence": 60}
    )
    stubber.add_response("detect_faces", NO_FACES, {"Image": {"Bytes": ANY}, "Attributes": ["DEFAULT"]})
    analysis = provider.analyse(Image.new("RGB", (3000, 2000), (90, 90, 90)))
    assert [label["name"] for label in analysis["labels"]] == ["Dog", "Beach"]
    assert analysis["provider"] == "rekognition" and analysis["width"] == 3000


def test_blocked_moderation_labels_fail_the_job(stubbed: tuple[RekognitionProvider, Stubber]) -> None:
    provider, stubber = stubbed
    stubber.add_response("detect_labels", labels("Person"))
    stubber.add_response(
        "detect_moderation_labels",
        {"ModerationLabels": [{"Name": "Graphic Nudity", "ParentName": "Explicit Nudity", "Confidence": 97.0}]},
    )
    stubber.add_response("detect_faces", NO_FACES)
    with pytest.raises(PermanentImageError) as failure:
        provider.analyse(Image.new("RGB", (64, 64)))
    assert failure.value.code is ErrorCode.MODERATION_REJECTED


def test_the_default_policy_blocks_rekognitions_current_taxonomy_by_parent_or_name() -> None:
    """Taxonomy v7 puts "Explicit Nudity" under "Explicit"; v6 had it at the top."""
    from photopipe.config import settings_from

    settings = settings_from({})
    policy = ModerationPolicy(settings.moderation_blocked_categories, settings.moderation_min_confidence)
    client = boto3.client("rekognition", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    for label in (
        {"Name": "Explicit Sexual Activity", "ParentName": "Explicit", "Confidence": 91.0},
        {"Name": "Explicit Nudity", "ParentName": "Explicit", "Confidence": 91.0},
        {"Name": "Graphic Male Nudity", "ParentName": "Explicit Nudity", "Confidence": 91.0},
    ):
        with Stubber(client) as stubber:
            stubber.add_response("detect_labels", labels())
            stubber.add_response("detect_moderation_labels", {"ModerationLabels": [label]})
            stubber.add_response("detect_faces", NO_FACES)
            with pytest.raises(PermanentImageError) as failure:
                RekognitionProvider(client, policy).analyse(Image.new("RGB", (64, 64)))
        assert failure.value.code is ErrorCode.MODERATION_REJECTED, label


def test_low_confidence_or_unblocked_labels_pass(stubbed: tuple[RekognitionProvider, Stubber]) -> None:
    provider, stubber = stubbed
    stubber.add_response("detect_labels", labels())
    stubber.add_response(
        "detect_moderation_labels",
        {
            "ModerationLabels": [
                {"Name": "Graphic Nudity", "ParentName": "Explicit Nudity", "Confidence": 61.0},
                {"Name": "Smoking", "ParentName": "Tobacco", "Confidence": 99.0},
            ]
        },
    )
    stubber.add_response("detect_faces", NO_FACES)
    assert len(provider.analyse(Image.new("RGB", (64, 64)))["moderation"]) == 2


def test_throttling_is_transient_and_bad_images_are_permanent(stubbed: tuple[RekognitionProvider, Stubber]) -> None:
    provider, stubber = stubbed
    stubber.add_client_error("detect_labels", "ThrottlingException")
    with pytest.raises(TransientError):
        provider.analyse(Image.new("RGB", (64, 64)))
    stubber.add_client_error("detect_labels", "InvalidImageFormatException")
    with pytest.raises(PermanentImageError):
        provider.analyse(Image.new("RGB", (64, 64)))


def test_access_denied_is_the_deployments_fault_retried_not_the_images(
    stubbed: tuple[RekognitionProvider, Stubber],
) -> None:
    # A role without rekognition:DetectLabels used to fail every job as PROVIDER_REJECTED.
    provider, stubber = stubbed
    stubber.add_client_error("detect_labels", service_error_code="AccessDeniedException", http_status_code=400)
    with pytest.raises(DeploymentFault, match="AccessDeniedException") as fault:
        provider.analyse(Image.new("RGB", (64, 64)))
    assert isinstance(fault.value, TransientError)


def test_faces_moderation_and_text_fill_the_shape_every_provider_fills() -> None:
    client = boto3.client("rekognition", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    provider = RekognitionProvider(client, ModerationPolicy(frozenset()), detect_text=True)
    with Stubber(client) as stubber:
        stubber.add_response("detect_labels", labels())
        stubber.add_response(
            "detect_moderation_labels",
            {"ModerationLabels": [{"Name": "Smoking", "ParentName": "", "Confidence": 71.234}]},
        )
        face = {
            # A face cut by the right edge: Rekognition's box reaches past the frame.
            "BoundingBox": {"Width": 0.3, "Height": 0.4, "Left": 0.8, "Top": -0.05},
            "Confidence": 99.91,
            "Landmarks": [{"Type": "eyeLeft", "X": 0.85, "Y": 0.1}, {"Type": "nose", "X": 1.02, "Y": 0.2}],
        }
        stubber.add_response("detect_faces", {"FaceDetails": [face]})
        box = {"Width": 0.5, "Height": 0.1, "Left": 0.25, "Top": 0.7}
        stubber.add_response(
            "detect_text",
            {
                "TextDetections": [
                    {
                        "DetectedText": "OPEN DAILY",
                        "Type": "LINE",
                        "Confidence": 98.5,
                        "Geometry": {"BoundingBox": box},
                    },
                    {"DetectedText": "OPEN", "Type": "WORD", "Confidence": 98.5, "Geometry": {"BoundingBox": box}},
                ]
            },
            {"Image": {"Bytes": ANY}},
        )
        analysis = provider.analyse(Image.new("RGB", (640, 480)))
        stubber.assert_no_pending_responses()
    assert analysis["moderation"] == [{"name": "Smoking", "confidence": 71.2}], "no empty parent"
    (found,) = analysis["faces"]
    assert found["box"] == {"left": 0.8, "top": 0.0, "width": 0.2, "height": 0.4}, "clamped to the frame"
    assert found["confidence"] == 99.9
    assert found["landmarks"] == [{"type": "eyeLeft", "x": 0.85, "y": 0.1}, {"type": "nose", "x": 1.0, "y": 0.2}]
    assert analysis["text"] == [
        {"text": "OPEN DAILY", "confidence": 98.5, "box": {"left": 0.25, "top": 0.7, "width": 0.5, "height": 0.1}}
    ], "lines only, not their words again"


def test_text_detection_is_not_called_unless_the_deployment_enables_it(
    stubbed: tuple[RekognitionProvider, Stubber],
) -> None:
    provider, stubber = stubbed
    stubber.add_response("detect_labels", labels())
    stubber.add_response("detect_moderation_labels", {"ModerationLabels": []})
    stubber.add_response("detect_faces", NO_FACES)
    analysis = provider.analyse(Image.new("RGB", (64, 64)))
    assert "text" not in analysis and analysis["faces"] == [] and analysis["moderation"] == []


def test_redact_faces_blurs_the_faces_rekognition_finds_and_nothing_else(
    stubbed: tuple[RekognitionProvider, Stubber],
) -> None:
    from photopipe.images.edits import RedactFacesEdit
    from tests.support import faces

    provider, stubber = stubbed
    portrait = faces.sample("astronaut.png")
    left, top, width, height = faces.ASTRONAUT_FACE
    found = {
        "FaceDetails": [
            {"BoundingBox": {"Left": left, "Top": top, "Width": width, "Height": height}, "Confidence": 99.9}
        ]
    }
    stubber.add_response("detect_faces", found, {"Image": {"Bytes": ANY}, "Attributes": ["DEFAULT"]})
    redacted = provider.edit(portrait, RedactFacesEdit(style="pixelate"))
    face = (round(left * 512) + 10, round(top * 512) + 10)
    corner = (5, 5)
    assert redacted.getpixel(face) != portrait.getpixel(face) and redacted.getpixel(corner) == portrait.getpixel(corner)


def test_a_refused_detect_faces_call_is_the_deployments_fault_when_access_is_denied(
    stubbed: tuple[RekognitionProvider, Stubber],
) -> None:
    from photopipe.images.edits import RedactFacesEdit

    provider, stubber = stubbed
    stubber.add_client_error("detect_faces", "AccessDeniedException")
    with pytest.raises(DeploymentFault):
        provider.edit(Image.new("RGB", (64, 64)), RedactFacesEdit())
