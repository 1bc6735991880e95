"""The worker gives a record up before the function timeout, so the job never hangs PROCESSING."""

from __future__ import annotations

import threading

import pytest

from photopipe import wiring
from photopipe.adapters import sqs
from photopipe.handlers import worker
from photopipe.jobs.work import Outcome, Report, UploadedObject
from tests.support.events import Context, sqs_event


class SlowService:
    def __init__(self) -> None:
        self.failed: list[tuple[str, str, int, str]] = []
        self.release = threading.Event()

    def process(self, upload: UploadedObject, claim_token: str, deadline: float = 0.0) -> Report:
        self.release.wait(1.5)  # stands for an image that takes longer than the function has left
        return Report(Outcome.COMPLETED)

    def attempt_failed(self, upload: UploadedObject, claim_token: str, receives: int, reason: str) -> bool:
        self.failed.append((upload.key, claim_token, receives, reason))
        return receives >= 3


@pytest.mark.slow  # waits out a real function deadline
@pytest.mark.parametrize("receives", [1, 3])
def test_a_record_that_outlives_the_function_fails_its_attempt_and_comes_back_later(
    monkeypatch: pytest.MonkeyPatch, receives: int
) -> None:
    service = SlowService()
    retries: list[int] = []
    monkeypatch.setattr(wiring, "processing_service", lambda span=None: service)
    monkeypatch.setattr(sqs, "retry_later", lambda arn, handle, count, at_least=0: retries.append(count))
    try:
        response = worker.lambda_handler(
            sqs_event("incoming/alice/job-1/original", receives, 10), Context(remaining_ms=3_300)
        )  # type: ignore[arg-type]
    finally:
        service.release.set()
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert retries == [receives]
    # Whether this attempt was the last is the domain's decision (ProcessingService.attempt_failed).
    assert service.failed == [("incoming/alice/job-1/original", "m-1", receives, "the attempt ran out of time")]
