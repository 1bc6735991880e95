"""Deleting a job leaves nothing behind, whatever the worker does at the same moment."""

from __future__ import annotations

from tests.support.fakes import InMemoryStore
from tests.support.images import photo
from tests.support.worlds import World, job_id_of


def test_a_worker_finishing_between_the_deletes_writes_nothing_that_stays() -> None:
    """The worst moment: the API has deleted the job's objects and not yet its record, and the
    worker processes the photo right then. The tombstone makes its writes refused and undone."""
    world = World()
    upload = world.upload(photo(400, 300))
    deleting = world.store

    ran: list[str] = []

    class WorkerRunsMidDelete(InMemoryStore):
        def delete_job_objects(self, original_key: str, *prefixes: str) -> None:
            InMemoryStore.delete_job_objects(deleting, original_key, *prefixes)
            if not ran:  # the API's delete: the worker runs right after it
                ran.append("worker")
                deleting.uploads[upload.key] = photo(400, 300)  # what the worker's download sees
                world.worker.process(upload, "msg-1")  # finishes, or is refused, right here

    deleting.__class__ = WorkerRunsMidDelete
    world.api.delete_job("alice", job_id_of(upload))
    assert world.jobs.items == {}
    assert deleting.uploads == {} and deleting.results == {}, (deleting.uploads, list(deleting.results))
    assert world.events.events == []  # the job was never announced


def test_an_original_arriving_after_its_job_was_deleted_is_removed() -> None:
    world = World()
    upload = world.upload(photo(64, 48))
    world.api.delete_job("alice", job_id_of(upload))
    world.store.uploads[upload.key] = photo(64, 48)  # a PUT through the still-valid URL
    world.worker.process(upload, "msg-1")
    assert world.store.uploads == {}
