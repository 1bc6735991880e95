"""Uploads in parts: the API's side, the worker's and the sweeper's, over the in-memory world."""

from __future__ import annotations

from datetime import timedelta

import pytest

from photopipe.errors import ErrorCode, PhotopipeError
from photopipe.jobs.model import Job, JobStatus, Operations, original_key
from photopipe.jobs.ports import MultipartSlot, UploadSlot
from photopipe.jobs.work import Outcome, UploadedObject
from tests.support.images import photo
from tests.support.worlds import World

MIB = 1024 * 1024


def started(world: World, data: bytes) -> tuple[Job, MultipartSlot]:
    job, slot = world.api.create_job("alice", "image/jpeg", len(data), Operations(), multipart=True)
    assert isinstance(slot, MultipartSlot) and job.upload_id
    return job, slot


def put_parts(world: World, job: Job, slot: MultipartSlot, data: bytes, numbers: list[int]) -> dict[int, str]:
    """The client's PUTs of these parts, in this order: their ETags."""
    size = slot.part_size
    return {n: world.store.put_part(job.upload_id or "", n, data[(n - 1) * size : n * size]) for n in numbers}


def test_a_multipart_job_gets_a_url_per_part_each_signed_for_its_length() -> None:
    world = World()
    _, slot = started(world, bytes(20 * MIB))
    assert slot.part_size == 8 * MIB and [p.number for p in slot.parts] == [1, 2, 3]
    assert [p.headers["Content-Length"] for p in slot.parts] == [str(8 * MIB), str(8 * MIB), str(4 * MIB)]
    assert all(f"length={p.headers['Content-Length']}" in p.url for p in slot.parts)
    assert slot.expires_at == "2026-01-03T03:04:05.000Z"  # the 24 h window, from creation
    single_job, single = world.api.create_job("alice", "image/jpeg", 1000, Operations())
    assert isinstance(single, UploadSlot) and single_job.upload_id is None


def test_sizes_past_each_limit_are_refused() -> None:
    world = World()
    with pytest.raises(PhotopipeError) as single:
        world.api.create_job("alice", "image/jpeg", 60 * MIB, Operations())
    assert single.value.code is ErrorCode.PAYLOAD_TOO_LARGE and "multipart" in single.value.message
    world.api.create_job("alice", "image/jpeg", 60 * MIB, Operations(), multipart=True)
    with pytest.raises(PhotopipeError) as parts:
        world.api.create_job("alice", "image/jpeg", 201 * MIB, Operations(), multipart=True)
    assert parts.value.code is ErrorCode.PAYLOAD_TOO_LARGE


def test_parts_sent_out_of_order_complete_into_the_original_and_the_worker_takes_it() -> None:
    world = World()
    data = photo(1600, 1200) + bytes(17 * MIB)  # a JPEG's bytes, then padding past two parts
    job, slot = started(world, data)
    etags = put_parts(world, job, slot, data, [3, 1])
    resumed = world.api.renew_upload_slot("alice", job.job_id, received=True)
    assert isinstance(resumed, MultipartSlot) and [p.number for p in resumed.received or []] == [1, 3]
    etags |= put_parts(world, job, slot, data, [2])
    with pytest.raises(PhotopipeError) as missing:
        world.api.complete_upload("alice", job.job_id, [(1, etags[1]), (3, etags[3])])
    assert missing.value.code is ErrorCode.UPLOAD_INCOMPLETE and "parts 2" in missing.value.message
    with pytest.raises(PhotopipeError) as wrong:
        world.api.complete_upload("alice", job.job_id, [(1, etags[2]), (2, etags[2]), (3, etags[3])])
    assert wrong.value.code is ErrorCode.UPLOAD_INCOMPLETE and "ETags of parts 1" in wrong.value.message
    world.api.complete_upload("alice", job.job_id, sorted(etags.items()))
    key = original_key("alice", job.job_id)
    assert world.store.uploads[key] == data
    world.api.complete_upload("alice", job.job_id, sorted(etags.items()))  # a second call is harmless
    upload = UploadedObject("uploads", key, len(data), '"etag-3"')
    assert world.worker.process(upload, "msg-1").outcome is Outcome.COMPLETED


def test_deleting_a_job_still_waiting_aborts_its_upload() -> None:
    world = World()
    job, slot = started(world, bytes(9 * MIB))
    put_parts(world, job, slot, bytes(9 * MIB), [1])
    world.api.delete_job("alice", job.job_id)
    assert world.store.multipart == {}


def test_the_sweeper_ends_an_upload_in_parts_only_after_its_window_and_aborts_it() -> None:
    world = World()
    job, _ = started(world, bytes(9 * MIB))
    world.now += timedelta(hours=2)  # long past a single PUT's window, within the upload's
    assert world.sweeper.end_unfinished_uploads(timedelta(minutes=20), 10, backlog=None) == []
    assert world.sweeper.end_unfinished_uploads(timedelta(hours=24), 10, False, multipart=True) == []
    world.now += timedelta(hours=23)
    (ended,) = world.sweeper.end_unfinished_uploads(timedelta(hours=24), 10, False, multipart=True)
    assert ended.status is JobStatus.FAILED and ended.error and ended.error.code == "UPLOAD_ABANDONED"
    assert world.store.multipart == {}
    with pytest.raises(PhotopipeError) as late:
        world.api.complete_upload("alice", job.job_id, [(1, '"x"')])
    assert late.value.code is ErrorCode.UPLOAD_INCOMPLETE
