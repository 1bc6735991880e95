"""JobService's per-user limits on job creation, with the in-memory limiter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from photopipe.config import settings_from
from photopipe.errors import ErrorCode, LimitExceeded, PhotopipeError
from photopipe.jobs.model import Operations
from photopipe.jobs.service import JobService
from tests.support.fakes import InMemoryJobs, InMemoryLimiter, InMemoryStore

NOW = datetime(2026, 5, 10, 12, 0, 30, tzinfo=UTC)


def service(clock: list[datetime], **env: str) -> JobService:
    settings = settings_from({"MAX_UPLOAD_BYTES": "1000000", **env})
    return JobService(settings, InMemoryJobs(), InMemoryStore(), clock=lambda: clock[0], limiter=InMemoryLimiter())


def test_creations_past_the_per_minute_rate_are_refused_until_the_next_minute() -> None:
    clock = [NOW]
    jobs = service(clock, JOBS_PER_USER_MINUTE="3")
    for _ in range(3):
        jobs.create_job("alice", "image/jpeg", 100, Operations())
    with pytest.raises(LimitExceeded) as refused:
        jobs.create_job("alice", "image/jpeg", 100, Operations())
    assert refused.value.code is ErrorCode.RATE_LIMITED and refused.value.retry_after_seconds == 30
    jobs.create_job("bob", "image/jpeg", 100, Operations())  # another user is not held back
    clock[0] = NOW + timedelta(seconds=30)
    jobs.create_job("alice", "image/jpeg", 100, Operations())


def test_declared_bytes_past_the_daily_quota_are_refused() -> None:
    clock = [NOW]
    jobs = service(clock, UPLOAD_BYTES_PER_USER_DAY="1000")
    jobs.create_job("alice", "image/jpeg", 600, Operations())
    with pytest.raises(LimitExceeded) as refused:
        jobs.create_job("alice", "image/jpeg", 401, Operations())
    assert refused.value.code is ErrorCode.QUOTA_EXCEEDED
    assert refused.value.retry_after_seconds == 12 * 3600 - 30  # until the UTC day ends
    jobs.create_job("alice", "image/jpeg", 400, Operations())  # exactly up to the quota


def test_an_edit_the_deployments_provider_cannot_make_is_refused_at_once_naming_the_provider() -> None:
    edits = ({"op": "grayscale"}, {"op": "removeBackground"}, {"op": "ai", "prompt": "a hat"})
    local = service([NOW], IMAGE_PROVIDER="local")
    with pytest.raises(PhotopipeError) as refused:
        local.create_job("alice", "image/jpeg", 100, Operations(edits=edits))
    assert refused.value.code is ErrorCode.INVALID_REQUEST
    assert "(local)" in refused.value.message and "removeBackground, ai" in refused.value.message
    ondevice = service([NOW], IMAGE_PROVIDER="ondevice")
    ondevice.create_job("alice", "image/jpeg", 100, Operations(edits=edits[:2]))
    with pytest.raises(PhotopipeError, match="ai"):
        ondevice.create_job("alice", "image/jpeg", 100, Operations(edits=edits))
