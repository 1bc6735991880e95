"""Edits asked of a finished job: the api's side and the worker's, over the in-memory world."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image, ImageChops

from photopipe.errors import ErrorCode, PhotopipeError
from photopipe.jobs.model import EventType, JobStatus, edit_record_id
from photopipe.jobs.service import JobService
from photopipe.jobs.work import EditRequested, Outcome
from tests.support.images import photo
from tests.support.worlds import SETTINGS, World, job_id_of

GRAY = ({"op": "grayscale"},)


def finished(world: World, user: str = "alice") -> str:
    upload = world.upload(photo(800, 600), user=user)
    assert world.worker.process(upload, "msg-upload").outcome is Outcome.COMPLETED
    return job_id_of(upload)


def run_queued(world: World) -> list[Outcome]:
    """The worker takes every queued edit, as the jobs queue would hand them over."""
    return [world.worker.process_edit(EditRequested(rid), f"msg-{rid}").outcome for rid in world.queue.edits]


def test_an_edit_runs_from_the_original_and_leaves_the_job_as_it_was() -> None:
    world = World()
    job_id = finished(world)
    before = world.jobs.items[job_id]
    edit = world.api.request_edit("alice", job_id, GRAY, None)
    assert edit.status is JobStatus.PROCESSING and world.queue.edits == [edit.job_id]
    assert run_queued(world) == [Outcome.COMPLETED]
    done = world.api.get_edit("alice", job_id, edit.edit_id or "")
    assert done.status is JobStatus.COMPLETED
    assert [o.name for o in done.outputs] == ["thumbnail", "medium", "large"]
    assert all(o.key.startswith(f"results/alice/{job_id}/edits/{edit.edit_id}/") for o in done.outputs)
    red, green, blue = Image.open(io.BytesIO(world.store.results[done.outputs[0].key][0])).convert("RGB").split()
    assert ImageChops.difference(red, green).getbbox() is None and ImageChops.difference(green, blue).getbbox() is None
    job = world.jobs.items[job_id]
    assert (job.outputs, job.status, job.status_history) == (before.outputs, before.status, before.status_history)
    assert world.api.list_jobs("alice", 10, None).jobs == [job]  # edits are not jobs
    (event,) = [e for e in world.events.events if e.edit_id]
    assert (event.event_type, event.job_id, event.edit_id) == (EventType.EDIT_COMPLETED, job_id, edit.edit_id)
    assert event.subject_id == edit.job_id


def test_an_edit_that_cannot_apply_fails_with_invalid_edit_and_its_event() -> None:
    world = World()
    job_id = finished(world)
    edit = world.api.request_edit(
        "alice", job_id, ({"op": "crop", "left": 5000, "top": 0, "width": 10, "height": 10},), None
    )
    assert run_queued(world) == [Outcome.FAILED]
    failed = world.api.get_edit("alice", job_id, edit.edit_id or "")
    assert failed.status is JobStatus.FAILED and failed.error and failed.error.code == ErrorCode.INVALID_EDIT.value
    assert [e.event_type for e in world.events.events if e.edit_id] == [EventType.EDIT_FAILED]


def test_an_edit_is_refused_before_the_job_is_done_and_for_another_user() -> None:
    world = World()
    upload = world.upload(photo(64, 48))
    with pytest.raises(PhotopipeError) as not_ready:
        world.api.request_edit("alice", job_id_of(upload), GRAY, None)
    assert not_ready.value.code is ErrorCode.JOB_NOT_READY and not_ready.value.http_status == 409
    job_id = finished(world)
    for user, job in (("mallory", job_id), ("alice", "no-such-job"), ("alice", edit_record_id(job_id, "0" * 20))):
        with pytest.raises(PhotopipeError) as hidden:
            world.api.request_edit(user, job, GRAY, None)
        assert hidden.value.code is ErrorCode.NOT_FOUND
    assert world.queue.edits == []


def test_model_ops_the_provider_cannot_make_are_refused_at_once() -> None:
    world = World()  # the local provider
    job_id = finished(world)
    with pytest.raises(PhotopipeError) as refused:
        world.api.request_edit("alice", job_id, ({"op": "removeBackground"},), None)
    assert refused.value.code is ErrorCode.INVALID_REQUEST and "local" in refused.value.message


def test_a_job_takes_edits_up_to_its_limit_and_a_deleted_one_frees_a_place() -> None:
    world = World()
    world.api = JobService(replace(SETTINGS, edits_per_job=2), world.jobs, world.store, queue=world.queue)
    job_id = finished(world)
    first = world.api.request_edit("alice", job_id, GRAY, None)
    world.api.request_edit("alice", job_id, GRAY, None)
    with pytest.raises(PhotopipeError) as full:
        world.api.request_edit("alice", job_id, GRAY, None)
    assert full.value.code is ErrorCode.QUOTA_EXCEEDED and full.value.http_status == 429
    world.api.delete_edit("alice", job_id, first.edit_id or "")
    world.api.request_edit("alice", job_id, GRAY, None)


def test_edits_list_newest_first_in_pages() -> None:
    world = World()
    job_id = finished(world)
    made = []
    for _ in range(5):
        world.now += timedelta(minutes=1)
        made.append(world.api.request_edit("alice", job_id, GRAY, None).edit_id)
    first = world.api.list_edits("alice", job_id, 3)
    assert [e.edit_id for e in first.edits] == made[::-1][:3] and first.cursor
    second = world.api.list_edits("alice", job_id, 3, first.cursor)
    assert [e.edit_id for e in second.edits] == made[::-1][3:] and second.cursor is None
    with pytest.raises(PhotopipeError):
        world.api.list_edits("alice", job_id, 3, "not-a-cursor")


def test_a_redelivered_edit_message_resumes_and_a_duplicate_is_dropped() -> None:
    world = World()
    job_id = finished(world)
    edit = world.api.request_edit("alice", job_id, GRAY, None)
    world.jobs.claim_edit(edit.job_id, "msg-a", edit.created_at)  # the first delivery died mid-render
    assert world.worker.process_edit(EditRequested(edit.job_id), "msg-b").outcome is Outcome.DUPLICATE
    assert world.worker.process_edit(EditRequested(edit.job_id), "msg-a").outcome is Outcome.COMPLETED
    assert world.worker.process_edit(EditRequested(edit.job_id), "msg-a").outcome is Outcome.DUPLICATE
    assert len([e for e in world.events.events if e.edit_id]) == 1


def test_a_stuck_edit_is_ended_by_the_sweeper_and_announced() -> None:
    world = World()
    job_id = finished(world)
    edit = world.api.request_edit("alice", job_id, GRAY, None)  # its message never reached a worker
    world.now += timedelta(hours=1)
    assert [j.job_id for j in world.sweeper.abandon_stalled(timedelta(minutes=10), limit=100)] == [edit.job_id]
    stuck = world.api.get_edit("alice", job_id, edit.edit_id or "")
    assert stuck.status is JobStatus.FAILED and stuck.error and stuck.error.code == "PROCESSING_ABANDONED"
    assert [e.event_type for e in world.events.events if e.edit_id] == [EventType.EDIT_FAILED]


def test_deleting_a_job_deletes_its_edits_and_their_objects() -> None:
    world = World()
    job_id = finished(world)
    edit = world.api.request_edit("alice", job_id, GRAY, None)
    run_queued(world)
    world.store.put_render(f"renders/{edit.job_id}/w_100", b"cached", "image/webp")
    world.api.delete_job("alice", job_id)
    assert edit.job_id not in world.jobs.items and job_id not in world.jobs.items
    assert world.store.results == {} and world.store.uploads == {}


def test_an_edit_deleted_while_it_renders_leaves_nothing_behind() -> None:
    world = World()
    job_id = finished(world)
    edit = world.api.request_edit("alice", job_id, GRAY, None)
    kept = dict(world.store.results)

    class DeletingJobs(type(world.jobs)):  # type: ignore[misc]
        def finish(self, job_id: str, *args: Any, **kwargs: Any) -> Any:
            world.api.delete_edit("alice", job_id.split("~")[0], edit.edit_id or "")
            return super().finish(job_id, *args, **kwargs)

    world.jobs.__class__ = DeletingJobs
    assert run_queued(world) == [Outcome.DUPLICATE]
    assert world.store.results == kept
    assert world.jobs.items[job_id].edit_ids == ()


def test_a_background_removed_without_a_new_one_defaults_to_png() -> None:
    world = World()
    job_id = finished(world)
    world.api = JobService(replace(SETTINGS, image_provider="ondevice"), world.jobs, world.store, queue=world.queue)
    cut = world.api.request_edit("alice", job_id, ({"op": "removeBackground"},), None)
    assert {v.format for v in cut.operations.variants} == {"png"}
    on_white = world.api.request_edit("alice", job_id, ({"op": "removeBackground", "background": "#ffffff"},), None)
    assert {v.format for v in on_white.operations.variants} == {"jpeg"}
