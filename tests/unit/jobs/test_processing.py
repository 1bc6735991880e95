from __future__ import annotations

from contextlib import nullcontext
from datetime import timedelta

import pytest

from photopipe.config import settings_from
from photopipe.errors import TransientError
from photopipe.images.variants import VariantSpec
from photopipe.jobs.model import Job, JobStatus, Operations, original_key
from photopipe.jobs.processing import ProcessingService
from photopipe.jobs.service import JobService
from photopipe.jobs.work import Outcome, UploadedObject
from photopipe.providers.local import LocalProvider
from photopipe.providers.moderation import ModerationPolicy
from photopipe.providers.ondevice import OnDeviceProvider
from tests.support.fakes import InMemoryJobs
from tests.support.images import photo
from tests.support.worlds import NOW, SETTINGS, World


def test_a_photo_completes_with_every_output_and_one_event() -> None:
    world = World()
    upload = world.upload(photo(1600, 1200))
    assert world.worker.process(upload, "msg-1").outcome is Outcome.COMPLETED
    job = world.jobs.items[upload.key.split("/")[2]]
    assert job.status is JobStatus.COMPLETED
    assert [o.name for o in job.outputs] == ["thumbnail", "medium", "large"]
    assert all(o.key in world.store.results for o in job.outputs)
    assert [h["status"] for h in job.status_history] == ["PENDING_UPLOAD", "PROCESSING", "COMPLETED"]
    assert [e.status for e in world.events.events] == [JobStatus.COMPLETED]
    assert job.event_pending is False
    assert job.analysis is not None and job.analysis["width"] == 1600


def test_a_bad_image_fails_permanently_with_a_code() -> None:
    world = World()
    upload = world.upload(b"definitely not a jpeg")
    assert world.worker.process(upload, "msg-1").outcome is Outcome.FAILED
    job = world.jobs.items[upload.key.split("/")[2]]
    assert job.status is JobStatus.FAILED
    assert job.error is not None and job.error.code == "NOT_AN_IMAGE"
    assert [e.error_code for e in world.events.events] == ["NOT_AN_IMAGE"]


def test_a_fresh_upload_is_claimed_without_reading_the_job_first() -> None:
    """One conditional write claims it; the job is read only when a claim is refused."""
    reads: list[str] = []

    class CountingJobs(InMemoryJobs):
        def get(self, job_id: str) -> Job | None:
            reads.append(job_id)
            return super().get(job_id)

    world = World()
    world.jobs = CountingJobs()
    world.api = JobService(SETTINGS, world.jobs, world.store, clock=lambda: world.now)
    world.worker = ProcessingService(SETTINGS, world.jobs, world.store, world.events, LocalProvider())
    upload = world.upload(photo(64, 48))
    assert world.worker.process(upload, "msg-1").outcome is Outcome.COMPLETED
    assert reads == []
    assert world.worker.process(upload, "msg-2").outcome is Outcome.DUPLICATE  # refused: now it reads
    assert len(reads) == 1
    stranger = UploadedObject("uploads", original_key("mallory", upload.key.split("/")[2]), 10, '"e"')
    assert world.worker.process(stranger, "msg-3").outcome is Outcome.IGNORED


class Flagged:
    """The on-device classifier, as sure as it gets that the photo is explicit."""

    def labels(self, image: object) -> list[dict[str, object]]:
        return [{"name": "Explicit Nudity", "parent": "Explicit", "confidence": 99.0}]


def test_a_photo_moderation_rejects_fails_with_its_code_and_leaves_no_output() -> None:
    provider = OnDeviceProvider(ModerationPolicy(frozenset({"Explicit"})), moderation=Flagged())  # type: ignore[arg-type]
    world = World(provider=provider)
    upload = world.upload(photo(640, 480))
    assert world.worker.process(upload, "msg-1").outcome is Outcome.FAILED
    job = world.jobs.items[upload.key.split("/")[2]]
    assert job.error is not None and job.error.code == "MODERATION_REJECTED", job.error
    assert "Explicit" in job.error.message
    assert job.outputs == [] and world.store.results == {}
    assert [e.error_code for e in world.events.events] == ["MODERATION_REJECTED"]


def test_a_duplicate_delivery_neither_reprocesses_nor_renotifies() -> None:
    world = World()
    upload = world.upload(photo())
    world.worker.process(upload, "msg-1")
    written = dict(world.store.results)
    assert world.worker.process(upload, "msg-2").outcome is Outcome.DUPLICATE
    assert world.store.results == written
    assert len(world.events.events) == 1


def test_a_duplicate_arriving_while_processing_is_dropped() -> None:
    world = World()
    upload = world.upload(photo())
    world.jobs.claim(upload.key.split("/")[2], "alice", "msg-1", "now")
    assert world.worker.process(upload, "msg-2").outcome is Outcome.DUPLICATE
    assert world.jobs.items[upload.key.split("/")[2]].status is JobStatus.PROCESSING


def test_a_duplicate_out_of_retries_never_fails_the_job_another_delivery_holds() -> None:
    # A client repeating its PUT makes a second S3 event; its last delivery must not abandon the
    # job the first delivery is still working on (that orphaned the first one's outputs).
    world = World()
    upload = world.upload(photo())
    job_id = upload.key.split("/")[2]
    world.jobs.claim(job_id, "alice", "msg-1", "now")
    world.worker.abandon(upload, "msg-2", "Gave up after 3 attempts")
    assert world.jobs.items[job_id].status is JobStatus.PROCESSING
    assert world.events.events == []
    assert world.worker.process(upload, "msg-1").outcome is Outcome.COMPLETED


def test_the_holder_out_of_retries_fails_its_job() -> None:
    world = World()
    upload = world.upload(photo())
    job_id = upload.key.split("/")[2]
    world.jobs.claim(job_id, "alice", "msg-1", "now")
    job = world.worker.abandon(upload, "msg-1", "Gave up after 3 attempts")
    assert job is not None and job.status is JobStatus.FAILED
    assert [e.error_code for e in world.events.events] == ["PROCESSING_ABANDONED"]


def test_abandoning_a_finished_job_publishes_its_pending_event() -> None:
    world = World(publisher_failures=1)
    upload = world.upload(photo())
    with pytest.raises(ConnectionError):
        world.worker.process(upload, "msg-1")
    world.worker.abandon(upload, "msg-1", "Gave up after 3 attempts: ConnectionError")
    assert [e.status for e in world.events.events] == [JobStatus.COMPLETED]
    assert not world.jobs.items[upload.key.split("/")[2]].event_pending


def test_a_redelivery_of_the_claiming_message_resumes_the_job() -> None:
    world = World()
    upload = world.upload(photo())
    world.jobs.claim(upload.key.split("/")[2], "alice", "msg-1", "now")  # the first attempt died here
    assert world.worker.process(upload, "msg-1").outcome is Outcome.COMPLETED


def test_a_failed_publish_is_repaired_by_the_redelivery() -> None:
    world = World(publisher_failures=1)
    upload = world.upload(photo())
    with pytest.raises(ConnectionError):
        world.worker.process(upload, "msg-1")
    job_id = upload.key.split("/")[2]
    assert world.jobs.items[job_id].status is JobStatus.COMPLETED
    assert world.jobs.items[job_id].event_pending
    assert world.worker.process(upload, "msg-1").outcome is Outcome.DUPLICATE
    assert len(world.events.events) == 1 and not world.jobs.items[job_id].event_pending


def test_a_duplicate_leaves_a_pending_event_to_the_finishing_delivery() -> None:
    # A duplicate S3 event in the same batch sees the job finished but not yet announced: if it
    # published too, a failing webhook would get twice the attempts.
    world = World(publisher_failures=1)
    upload = world.upload(photo())
    with pytest.raises(ConnectionError):
        world.worker.process(upload, "msg-1")
    assert world.worker.process(upload, "msg-2").outcome is Outcome.DUPLICATE
    assert world.events.events == []
    world.worker.process(upload, "msg-1")
    assert len(world.events.events) == 1


def test_a_duplicate_repairs_an_event_left_pending_past_the_grace() -> None:
    world = World(publisher_failures=1)
    upload = world.upload(photo())
    with pytest.raises(ConnectionError):
        world.worker.process(upload, "msg-1")  # and msg-1 itself never comes back
    world.now = NOW + timedelta(seconds=61)
    assert world.worker.process(upload, "msg-2").outcome is Outcome.DUPLICATE
    assert len(world.events.events) == 1
    assert not world.jobs.items[upload.key.split("/")[2]].event_pending


def test_objects_that_are_not_job_originals_are_ignored() -> None:
    world = World()
    assert world.worker.process(UploadedObject("b", "incoming/x/y/original", 10, "e"), "m").outcome is Outcome.IGNORED
    assert world.worker.process(UploadedObject("b", "something/else.jpg", 10, "e"), "m").outcome is Outcome.IGNORED


def test_an_object_under_another_users_prefix_is_ignored() -> None:
    world = World()
    upload = world.upload(photo(), user="alice")
    forged = UploadedObject("b", upload.key.replace("alice", "mallory"), upload.size, upload.etag)
    assert world.worker.process(forged, "m").outcome is Outcome.IGNORED


def test_an_abandoned_job_fails_with_processing_abandoned_and_announces_it() -> None:
    world = World()
    upload = world.upload(photo())
    job = world.worker.abandon(upload, "msg-1", "Gave up after 3 attempts")
    assert job is not None and job.status is JobStatus.FAILED
    assert job.error is not None and job.error.code == "PROCESSING_ABANDONED"
    assert [e.error_code for e in world.events.events] == ["PROCESSING_ABANDONED"]


def test_an_empty_upload_fails_without_reading_it() -> None:
    world = World()
    upload = world.upload(b"")
    assert world.worker.process(upload, "m").outcome is Outcome.FAILED
    assert world.jobs.items[upload.key.split("/")[2]].error.code == "EMPTY_FILE"  # type: ignore[union-attr]


def test_the_report_carries_what_metrics_need_and_steps_are_traced() -> None:
    world = World()
    steps: list[str] = []

    def span(name: str) -> nullcontext[None]:
        steps.append(name)
        return nullcontext()

    worker = ProcessingService(SETTINGS, world.jobs, world.store, world.events, LocalProvider(), lambda: NOW, span)
    report = worker.process(world.upload(photo(2000, 1000)), "msg-1")
    assert report.outcome is Outcome.COMPLETED
    assert report.input_megapixels == 2.0
    assert report.output_bytes == sum(len(body) for body, _ in world.store.results.values())
    assert report.processing_ms is not None
    assert steps[:4] == ["download", "decode", "analyse", "edit"]
    assert steps.count("upload") == 3


def test_injected_transient_failures_fail_the_first_attempts_only_where_enabled() -> None:
    world = World()
    enabled = settings_from({"FAULT_INJECTION": "1"})
    worker = ProcessingService(enabled, world.jobs, world.store, world.events, LocalProvider(), clock=lambda: NOW)
    job, _ = world.api.create_job("alice", "image/jpeg", 10, Operations(inject_transient_failures=2))
    key = original_key("alice", job.job_id)
    world.store.uploads[key] = photo()
    upload = UploadedObject("uploads", key, len(world.store.uploads[key]), "e")
    for _ in range(2):
        with pytest.raises(TransientError, match="injected"):
            worker.process(upload, "msg-1")
    assert worker.process(upload, "msg-1").outcome is Outcome.COMPLETED
    assert world.jobs.items[job.job_id].attempts == 3


def test_fault_injection_is_never_on_in_the_aws_environment() -> None:
    assert not settings_from({"FAULT_INJECTION": "1", "PHOTOPIPE_ENVIRONMENT": "aws"}).fault_injection


def test_edit_coordinates_refer_to_the_original_even_for_large_jpegs() -> None:
    world = World()
    job, _ = world.api.create_job(
        "alice",
        "image/jpeg",
        10,
        Operations(
            variants=(VariantSpec("s", 100),),
            edits=({"op": "crop", "left": 0, "top": 0, "width": 3000, "height": 1000},),
        ),
    )
    key = original_key("alice", job.job_id)
    world.store.uploads[key] = photo(4000, 3000)
    assert world.worker.process(UploadedObject("u", key, 1, "e"), "m").outcome is Outcome.COMPLETED
    assert (world.jobs.items[job.job_id].outputs[0].width, world.jobs.items[job.job_id].outputs[0].height) == (100, 33)


@pytest.mark.parametrize("data", [photo(64, 64), b"\xff\xd8\xff cut short"], ids=["completes", "fails"])
def test_outputs_of_a_job_deleted_while_it_rendered_are_removed(data: bytes) -> None:
    # Both terminal writes meet a job that is gone: the failure path's refusal was raised, and
    # the record retried as if the infrastructure had failed.
    world = World()
    upload = world.upload(data)
    job_id = upload.key.split("/")[2]

    class DeletedMeanwhile(InMemoryJobs):
        def finish(self, job_id: str, *args: object, **kwargs: object) -> object:  # type: ignore[override]
            world.api.delete_job("alice", job_id)  # the user deletes the job mid-render
            return super().finish(job_id, *args, **kwargs)  # type: ignore[arg-type]

    jobs = DeletedMeanwhile()
    jobs.items, jobs.claims = world.jobs.items, world.jobs.claims
    worker = ProcessingService(SETTINGS, jobs, world.store, world.events, LocalProvider(), clock=lambda: NOW)
    assert worker.process(upload, "msg-1").outcome is Outcome.DUPLICATE
    assert job_id not in world.jobs.items
    assert not [key for key in world.store.results if job_id in key]
    assert world.events.events == []


@pytest.mark.parametrize(("receives", "last"), [(1, False), (2, False), (3, True), (4, True)])
def test_only_the_last_allowed_attempt_abandons_the_job(receives: int, last: bool) -> None:
    world = World()
    upload = world.upload(photo(8, 8))
    job_id = upload.key.split("/")[2]
    world.jobs.claim(job_id, "alice", "msg-1", "2026-01-02T03:04:05.000Z")

    assert world.worker.attempt_failed(upload, "msg-1", receives, "ConnectionError: reset") is last

    job = world.jobs.items[job_id]
    assert job.status is (JobStatus.FAILED if last else JobStatus.PROCESSING)
    if last:
        assert (
            job.error is not None
            and job.error.message == "Gave up after 3 attempts: ConnectionError: reset".replace("3", str(receives), 1)
        )
