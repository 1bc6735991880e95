"""The SNS push sender against botocore's Stubber."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import ANY, Stubber

from photopipe.adapters.push_senders import SnsPushSender
from photopipe.errors import TransientError
from photopipe.jobs.events import JobEvent
from photopipe.jobs.model import EventType, JobStatus
from photopipe.notify.model import Device, DeviceGone, Platform

APP = "arn:aws:sns:eu-west-1:123456789012:app/APNS/photopipe-ios"
ENDPOINT = "arn:aws:sns:eu-west-1:123456789012:endpoint/APNS/photopipe-ios/abc"
DEVICE = Device("alice", "dev_1", Platform.IOS, "apns-token-123", "2026-01-01T00:00:00.000Z")
EVENT = JobEvent(EventType.JOB_COMPLETED, "job-1", "alice", JobStatus.COMPLETED, "2026-01-01T00:00:01.000Z")


@pytest.fixture
def stubbed() -> Iterator[tuple[SnsPushSender, Stubber]]:
    sns = boto3.client("sns", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(sns) as stubber:
        yield SnsPushSender(sns, APP), stubber
        stubber.assert_no_pending_responses()


def test_a_push_goes_to_the_devices_platform_endpoint(stubbed: tuple[SnsPushSender, Stubber]) -> None:
    sender, stubber = stubbed
    stubber.add_response(
        "create_platform_endpoint",
        {"EndpointArn": ENDPOINT},
        {"PlatformApplicationArn": APP, "Token": "apns-token-123"},
    )
    stubber.add_response(
        "publish", {"MessageId": "m-1"}, {"TargetArn": ENDPOINT, "MessageStructure": "json", "Message": ANY}
    )
    result = sender.send(DEVICE, EVENT)
    assert result.simulated is False
    assert result.detail == ENDPOINT


def test_the_payload_carries_the_event_for_each_platform() -> None:
    sent: dict[str, str] = {}

    class RecordingSns:
        def create_platform_endpoint(self, **kwargs: str) -> dict[str, str]:
            return {"EndpointArn": ENDPOINT}

        def publish(self, **kwargs: str) -> dict[str, str]:
            sent.update(kwargs)
            return {"MessageId": "m"}

    SnsPushSender(RecordingSns(), APP).send(DEVICE, EVENT)
    payload = json.loads(sent["Message"])
    assert json.loads(payload["APNS"])["photopipe"]["jobId"] == "job-1"
    assert json.loads(payload["GCM"])["data"]["status"] == "COMPLETED"


def test_a_disabled_endpoint_means_the_device_is_gone(stubbed: tuple[SnsPushSender, Stubber]) -> None:
    sender, stubber = stubbed
    stubber.add_response("create_platform_endpoint", {"EndpointArn": ENDPOINT})
    stubber.add_client_error("publish", "EndpointDisabled")
    with pytest.raises(DeviceGone):
        sender.send(DEVICE, EVENT)


def test_throttling_is_transient(stubbed: tuple[SnsPushSender, Stubber]) -> None:
    sender, stubber = stubbed
    stubber.add_client_error("create_platform_endpoint", "Throttling")
    with pytest.raises(TransientError):
        sender.send(DEVICE, EVENT)
