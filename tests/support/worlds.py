"""A worker, an API and a sweeper over in-memory fakes sharing one clock: the jobs' unit world."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from photopipe.config import settings_from
from photopipe.images.provider import Provider
from photopipe.jobs.model import Operations, original_key
from photopipe.jobs.processing import ProcessingService
from photopipe.jobs.service import JobService
from photopipe.jobs.sweeping import SweepService
from photopipe.jobs.work import UploadedObject
from photopipe.providers.local import LocalProvider
from tests.support.fakes import InMemoryJobs, InMemoryStore, RecordingPublisher, RecordingQueue

SETTINGS = settings_from({"MAX_UPLOAD_BYTES": "10000000"})
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class World:
    def __init__(self, publisher_failures: int = 0, provider: Provider | None = None) -> None:
        self.jobs = InMemoryJobs()
        self.store = InMemoryStore()
        self.events = RecordingPublisher(publisher_failures)
        self.now = NOW
        self.queue = RecordingQueue()
        self.api = JobService(SETTINGS, self.jobs, self.store, clock=lambda: self.now, queue=self.queue)
        self.worker = ProcessingService(
            SETTINGS, self.jobs, self.store, self.events, provider or LocalProvider(), clock=lambda: self.now
        )
        self.sweeper = SweepService(self.jobs, self.events, self.store, clock=lambda: self.now, queue=self.queue)

    def upload(self, data: bytes, content_type: str = "image/jpeg", user: str = "alice") -> UploadedObject:
        job, _ = self.api.create_job(user, content_type, max(len(data), 1), Operations())
        key = original_key(user, job.job_id)
        self.store.uploads[key] = data
        return UploadedObject("uploads", key, len(data), '"etag"')


def job_id_of(upload: UploadedObject) -> str:
    return upload.key.split("/")[2]


def stall(world: World, upload: UploadedObject, minutes_ago: int) -> str:
    """A job claimed minutes ago whose process then died: nothing touched it since."""
    job_id = upload.key.split("/")[2]
    world.jobs.claim(
        job_id, "alice", "msg-1", (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    )
    return job_id
