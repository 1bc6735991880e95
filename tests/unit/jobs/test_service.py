"""JobService's per-user limits on job creation, with the in-memory limiter."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from photopipe.config import settings_from
from photopipe.errors import ErrorCode, LimitExceeded, PhotopipeError
from photopipe.jobs.model import JobStatus, Operations
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


def in_flight_world(clock: list[datetime], limit: int, **env: str) -> tuple[JobService, InMemoryJobs, InMemoryLimiter]:
    jobs, limiter = InMemoryJobs(), InMemoryLimiter()
    settings = settings_from({"MAX_UPLOAD_BYTES": "1000000", "JOBS_IN_FLIGHT_PER_USER": str(limit), **env})
    return JobService(settings, jobs, InMemoryStore(), clock=lambda: clock[0], limiter=limiter), jobs, limiter


def test_jobs_in_flight_past_the_limit_are_refused_until_one_ends() -> None:
    service_, jobs, _ = in_flight_world([NOW], 3)
    created = [service_.create_job("alice", "image/jpeg", 100, Operations())[0] for _ in range(3)]
    with pytest.raises(LimitExceeded) as refused:
        service_.create_job("alice", "image/jpeg", 100, Operations())
    assert refused.value.code is ErrorCode.QUOTA_EXCEEDED and refused.value.retry_after_seconds == 30
    assert "3 jobs may be in flight" in refused.value.message
    service_.create_job("bob", "image/jpeg", 100, Operations())  # another user is not held back
    # One of alice's jobs ends (the worker's write): its place is given back when she needs it.
    jobs.items[created[0].job_id] = replace(jobs.items[created[0].job_id], status=JobStatus.COMPLETED)
    service_.create_job("alice", "image/jpeg", 100, Operations())
    with pytest.raises(LimitExceeded):
        service_.create_job("alice", "image/jpeg", 100, Operations())


def test_a_deleted_job_gives_its_place_back_at_once() -> None:
    service_, _, limiter = in_flight_world([NOW], 2)
    first, _ = service_.create_job("alice", "image/jpeg", 100, Operations())
    service_.create_job("alice", "image/jpeg", 100, Operations())
    service_.delete_job("alice", first.job_id)
    assert len(limiter.holders("in-flight#alice")) == 1
    service_.create_job("alice", "image/jpeg", 100, Operations())


def test_a_place_whose_job_was_never_written_is_given_back_only_after_a_minute() -> None:
    clock = [NOW]
    service_, _, limiter = in_flight_world(clock, 1)
    # A creation that held its place and then died before writing the record (or is writing it now).
    assert limiter.hold("in-flight#alice", f"{int(NOW.timestamp())}:ghost", 1)
    with pytest.raises(LimitExceeded):
        service_.create_job("alice", "image/jpeg", 100, Operations())
    clock[0] = NOW + timedelta(seconds=61)
    service_.create_job("alice", "image/jpeg", 100, Operations())
    assert all(not holder.endswith(":ghost") for holder in limiter.holders("in-flight#alice"))


def test_a_creation_refused_after_taking_its_place_gives_it_back() -> None:
    service_, _, limiter = in_flight_world([NOW], 1, UPLOAD_BYTES_PER_USER_DAY="1000")
    with pytest.raises(LimitExceeded) as refused:
        service_.create_job("alice", "image/jpeg", 1001, Operations())
    assert refused.value.code is ErrorCode.QUOTA_EXCEEDED and "bytes" in refused.value.message
    assert limiter.holders("in-flight#alice") == set()
    service_.create_job("alice", "image/jpeg", 100, Operations())
