"""The worker gives a record up before the function timeout, so the job never hangs PROCESSING."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from photopipe import wiring
from photopipe.handlers import worker
from photopipe.jobs.processing import Outcome, Report, UploadedObject
from tests.support.events import Context, s3_notification


class SlowService:
    def __init__(self) -> None:
        self.abandoned: list[str] = []
        self.release = threading.Event()

    def process(self, upload: UploadedObject, claim_token: str) -> Report:
        self.release.wait(1.5)  # stands for an image that takes longer than the function has left
        return Report(Outcome.COMPLETED)

    def abandon(self, upload: UploadedObject, claim_token: str, reason: str) -> None:
        self.abandoned.append(f"{upload.key} by {claim_token}: {reason}")


def sqs_event(receive_count: int) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": "m-1",
                "receiptHandle": "r-1",
                "eventSource": "aws:sqs",
                "awsRegion": "us-east-1",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:photopipe-jobs",
                "body": s3_notification("uploads", "incoming/alice/job-1/original", 10),
                "attributes": {
                    "ApproximateReceiveCount": str(receive_count),
                    "SentTimestamp": "1",
                    "SenderId": "x",
                    "ApproximateFirstReceiveTimestamp": "1",
                },
                "messageAttributes": {},
                "md5OfBody": "x",
            }
        ]
    }


@pytest.mark.parametrize(("receives", "abandoned"), [(1, 0), (3, 1)])
def test_a_record_that_outlives_the_function_fails_and_the_last_attempt_abandons_the_job(
    monkeypatch: pytest.MonkeyPatch, receives: int, abandoned: int
) -> None:
    service = SlowService()
    retries: list[int] = []
    monkeypatch.setattr(wiring, "processing_service", lambda span=None: service)
    monkeypatch.setattr(worker, "retry_later", lambda arn, handle, count: retries.append(count))
    try:
        response = worker.lambda_handler(sqs_event(receives), Context(remaining_ms=3_300))  # type: ignore[arg-type]
    finally:
        service.release.set()
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert retries == [receives]
    assert len(service.abandoned) == abandoned
    if abandoned:
        assert "by m-1: " in service.abandoned[0] and "ran out of time" in service.abandoned[0]
