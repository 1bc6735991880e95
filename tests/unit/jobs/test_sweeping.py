"""The sweeper's work: pending events published, stalled jobs failed, nothing a delivery holds."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from photopipe.handlers.worker import work_in
from photopipe.jobs.model import JobStatus, Operations, original_key
from photopipe.jobs.sweeping import Backlog, SweepService
from photopipe.jobs.work import Outcome, UploadedObject
from tests.support.fakes import InMemoryJobs
from tests.support.images import photo
from tests.support.worlds import NOW, World, stall

# A jobs queue with messages waiting: each may resume its job for up to 4 days, 3 receives.
BUSY = Backlog(max_receive_count=3, message_retention=timedelta(days=4))


def test_the_sweeper_publishes_events_that_stayed_pending_and_skips_what_still_fails() -> None:
    # SNS down for every delivery of two jobs: nothing but the sweeper is left to announce them.
    world = World(publisher_failures=4)
    first, second = world.upload(photo(8, 8)), world.upload(photo(8, 8))
    for upload in (first, second):
        for _ in range(2):
            with pytest.raises(ConnectionError):
                world.worker.process(upload, "msg-1")
    world.now = NOW + timedelta(minutes=5)
    fresh = world.upload(photo(8, 8))
    world.worker.process(fresh, "msg-9")  # finished just now: its own delivery published it
    world.events.failures = 1  # and the first publish of the sweep fails too

    published, skipped = world.sweeper.publish_pending(timedelta(seconds=60), limit=100)

    ids = [u.key.split("/")[2] for u in (first, second)]
    assert skipped == [ids[0]] and [job.job_id for job in published] == [ids[1]]
    published, skipped = world.sweeper.publish_pending(timedelta(seconds=60), limit=100)
    assert [job.job_id for job in published] == [ids[0]] and skipped == []
    assert sorted(e.job_id for e in world.events.events) == sorted([*ids, fresh.key.split("/")[2]])
    assert world.sweeper.publish_pending(timedelta(seconds=60), limit=100) == ([], [])


def test_the_sweeper_fails_a_job_stalled_past_the_limit_and_announces_it() -> None:
    world = World()
    stalled, recent = (stall(world, world.upload(photo(8, 8)), minutes) for minutes in (30, 5))
    pending = world.upload(photo(8, 8)).key.split("/")[2]

    abandoned = world.sweeper.abandon_stalled(timedelta(minutes=10), limit=100)

    assert [job.job_id for job in abandoned] == [stalled]
    job = world.jobs.items[stalled]
    assert job.status is JobStatus.FAILED
    assert job.error is not None and job.error.code == "PROCESSING_ABANDONED"
    assert [(e.job_id, e.error_code) for e in world.events.events] == [(stalled, "PROCESSING_ABANDONED")]
    assert job.event_pending is False
    assert world.jobs.items[recent].status is JobStatus.PROCESSING
    assert world.jobs.items[pending].status is JobStatus.PENDING_UPLOAD  # waits for its upload, not a worker


def test_behind_a_backlog_only_the_jobs_no_message_can_resume_are_failed() -> None:
    world = World()
    last_try = stall(world, world.upload(photo(8, 8)), 30)
    for _ in range(2):  # redelivered twice, the last allowed time, then its process died
        world.jobs.resume(last_try, "msg-1", (NOW - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    retried = stall(world, world.upload(photo(8, 8)), 30)  # its message may be in the backlog
    ancient = stall(world, world.upload(photo(8, 8)), 5 * 24 * 60)  # older than SQS keeps a message

    abandoned = world.sweeper.abandon_stalled(timedelta(minutes=10), limit=100, backlog=BUSY)

    assert sorted(job.job_id for job in abandoned) == sorted([last_try, ancient])
    assert world.jobs.items[last_try].attempts == 3
    assert world.jobs.items[retried].status is JobStatus.PROCESSING
    # The backlog drained and the job's message never came: now it is failed too.
    assert [job.job_id for job in world.sweeper.abandon_stalled(timedelta(minutes=10), limit=100)] == [retried]


def test_the_sweeper_leaves_a_job_a_delivery_resumed_after_it_looked() -> None:
    world = World()
    job_id = stall(world, world.upload(photo(8, 8)), 30)

    class ResumedMeanwhile(InMemoryJobs):
        def stalled(self, updated_before: str, limit: int) -> list[str]:
            found = super().stalled(updated_before, limit)
            world.jobs.resume(job_id, "msg-1", "2026-01-02T03:04:05.000Z")  # the redelivery, just now
            return found

    resumed = ResumedMeanwhile()
    resumed.items = world.jobs.items
    resumed.claims = world.jobs.claims
    sweeper = SweepService(resumed, world.events, clock=lambda: NOW)

    assert sweeper.abandon_stalled(timedelta(minutes=10), limit=100) == []
    assert world.jobs.items[job_id].status is JobStatus.PROCESSING
    assert world.events.events == []


def test_a_job_whose_photo_never_came_ends_upload_abandoned_and_one_never_claimed_is_requeued_once() -> None:
    world = World()
    arrived = world.upload(photo(8, 8)).key.split("/")[2]  # its photo is there; no delivery came
    job, _ = world.api.create_job("alice", "image/jpeg", 10, Operations())  # no photo ever
    recent = world.api.create_job("alice", "image/jpeg", 10, Operations())[0]
    assert world.sweeper.end_unfinished_uploads(timedelta(minutes=20), 100, backlog=None) == []
    world.now = NOW + timedelta(minutes=21)
    world.api.create_job("alice", "image/jpeg", 10, Operations())  # created now: waits its turn
    assert [j.job_id for j in world.sweeper.end_unfinished_uploads(timedelta(minutes=20), 100, backlog=BUSY)] == [
        job.job_id,
        recent.job_id,
    ], "behind a backlog a photo that arrived may still be queued: only the missing ones end"
    assert world.queue.uploads == []
    # No backlog: the photo that arrived is queued again, once, and waits again.
    assert world.sweeper.end_unfinished_uploads(timedelta(minutes=20), 100, backlog=None) == []
    assert [key for key, _ in world.queue.uploads] == [original_key("alice", arrived)]
    assert world.jobs.items[arrived].status is JobStatus.PENDING_UPLOAD
    world.now += timedelta(minutes=21)  # that message was lost too
    ended = world.sweeper.end_unfinished_uploads(timedelta(minutes=20), 100, backlog=None)
    assert arrived in [j.job_id for j in ended] and len(world.queue.uploads) == 1  # never a second time
    codes = {j: world.jobs.get(j).error.code for j in (arrived, job.job_id)}  # type: ignore[union-attr]
    assert codes == {arrived: "PROCESSING_ABANDONED", job.job_id: "UPLOAD_ABANDONED"}
    assert {e.job_id for e in world.events.events} >= {arrived, job.job_id}, "devices hear of both"


def test_a_requeued_photo_is_processed_by_the_worker_from_its_message() -> None:
    world = World()
    upload = world.upload(photo(64, 48))
    world.now += timedelta(minutes=21)
    world.sweeper.end_unfinished_uploads(timedelta(minutes=20), 100, backlog=None)
    (body,) = [json.dumps({"uploadRequeued": {"key": key, "size": size}}) for key, size in world.queue.uploads]
    (requeued,) = work_in(body)
    assert isinstance(requeued, UploadedObject) and requeued.key == upload.key
    assert world.worker.process(requeued, "msg-requeued").outcome is Outcome.COMPLETED
