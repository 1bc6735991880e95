"""The Rekognition provider against botocore's Stubber: no free emulator serves Rekognition."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import ANY, Stubber
from PIL import Image

from photopipe.errors import DeploymentFault, ErrorCode, PermanentImageError, TransientError
from photopipe.providers.rekognition import RekognitionProvider


@pytest.fixture
def stubbed() -> Iterator[tuple[RekognitionProvider, Stubber]]:
    client = boto3.client("rekognition", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield RekognitionProvider(client, frozenset({"Explicit Nudity"}), min_confidence=80), stubber
        stubber.assert_no_pending_responses()


def labels(*names: str) -> dict[str, object]:
    return {"Labels": [{"Name": n, "Confidence": 93.2} for n in names]}


def test_labels_are_added_to_the_local_analysis(stubbed: tuple[RekognitionProvider, Stubber]) -> None:
    provider, stubber = stubbed
    stubber.add_response(
        "detect_labels", labels("Dog", "Beach"), {"Image": {"Bytes": ANY}, "MaxLabels": 15, "MinConfidence": 70}
    )
    stubber.add_response(
        "detect_moderation_labels", {"ModerationLabels": []}, {"Image": {"Bytes": ANY}, "MinConfidence": 60}
    )
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
    with pytest.raises(PermanentImageError) as failure:
        provider.analyse(Image.new("RGB", (64, 64)))
    assert failure.value.code is ErrorCode.MODERATION_REJECTED


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
    assert len(provider.analyse(Image.new("RGB", (64, 64)))["moderationLabels"]) == 2


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
