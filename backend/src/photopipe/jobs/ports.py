"""What the job service needs from the outside world, as small interfaces.

Adapters implement these over boto3; unit tests implement them in memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from photopipe.jobs.model import Job, JobError, JobStatus, Output

if TYPE_CHECKING:  # the api, which imports these ports, runs without an image library
    from photopipe.images.rendering import Rendered, RenderRequest


@dataclass(frozen=True)
class UploadSlot:
    """One presigned PUT of the whole photo."""

    url: str
    method: str
    headers: dict[str, str]
    expires_at: str


@dataclass(frozen=True)
class Part:
    number: int
    size: int
    etag: str = ""  # S3's, quoted, once the part has arrived


@dataclass(frozen=True)
class PartSlot:
    number: int
    url: str
    headers: dict[str, str]


@dataclass(frozen=True)
class MultipartSlot:
    """Presigned PUTs of each part, each signed for its exact length; `received`: the parts S3
    holds already."""

    part_size: int
    parts: list[PartSlot]
    expires_at: str
    received: list[Part] | None = None


@dataclass(frozen=True)
class JobPage:
    jobs: list[Job]
    cursor: str | None


class TransitionRejected(Exception):
    """A conditional write found the job in another state than the move expects."""


class JobRepository(Protocol):
    def create(self, job: Job, ttl_epoch: int) -> None: ...

    def get(self, job_id: str) -> Job | None: ...

    def list_for_user(self, user_id: str, limit: int, cursor: str | None) -> JobPage: ...

    def delete(self, job_id: str) -> None: ...

    def mark_requeued(self, job_id: str, now: str) -> Job:
        """A job still waiting whose photo is queued again, once: `requeued_at` set, and its wait
        counted from now; else TransitionRejected (claimed meanwhile, or requeued before)."""
        ...

    def mark_deleting(self, job_id: str) -> None:
        """The tombstone: from now on every status move of the job is refused."""
        ...

    def claim(self, job_id: str, user_id: str, claim_token: str, now: str) -> Job:
        """This user's job PENDING_UPLOAD -> PROCESSING, held by claim_token; else TransitionRejected
        (no such job, another user's, or not waiting for its upload)."""
        ...

    def resume(self, job_id: str, claim_token: str, now: str) -> Job:
        """A PROCESSING job held by claim_token takes another attempt; else TransitionRejected."""
        ...

    def finish(
        self,
        job_id: str,
        claim_token: str,
        status: JobStatus,
        now: str,
        outputs: list[Output],
        analysis: Mapping[str, object] | None,
        error: JobError | None,
        processing_ms: int | None,
    ) -> Job:
        """PROCESSING (held by claim_token) -> COMPLETED | FAILED, marking the event pending."""
        ...

    def fail_unclaimed(
        self,
        job_id: str,
        now: str,
        error: JobError,
        updated_before: str | None = None,
        held_by: str | None = None,
        waiting_since_before: str | None = None,
    ) -> Job:
        """-> FAILED, marking the event pending; else TransitionRejected.

        With held_by: a PENDING_UPLOAD job, or a PROCESSING one that claim token holds.
        With updated_before: a PROCESSING job last updated before that time (the sweeper).
        With waiting_since_before: a PENDING_UPLOAD job created before that time (the sweeper).
        """
        ...

    def awaiting_upload(self, created_before: str, limit: int, multipart: bool = False) -> list[str]:
        """Ids of PENDING_UPLOAD jobs created before the given time, oldest first: those whose
        photo comes in one PUT, or (multipart) those it comes to in parts, over a longer window."""
        ...

    def stalled(self, updated_before: str, limit: int) -> list[str]:
        """Ids of PROCESSING jobs last updated before the given time, oldest first."""
        ...

    def pending_events(self, finished_before: str, limit: int) -> list[str]:
        """Ids of finished jobs whose event is still pending, finished before the given time."""
        ...

    def mark_event_published(self, job_id: str) -> None: ...

    def get_many(self, job_ids: list[str]) -> list[Job]:
        """The records of those ids that exist, in no particular order."""
        ...

    def add_edit(self, job_id: str, edit_id: str, max_edits: int) -> Job:
        """A COMPLETED job counts one more edit while it has fewer than max_edits; else
        TransitionRejected (no such job, not COMPLETED, or at the limit)."""
        ...

    def remove_edit(self, job_id: str, edit_id: str) -> None: ...

    def claim_edit(self, job_id: str, claim_token: str, now: str) -> Job:
        """An edit created PROCESSING and held by no delivery is held by claim_token from now;
        else TransitionRejected."""
        ...


class ObjectStore(Protocol):
    def presign_upload(self, key: str, content_type: str, content_length: int, ttl_seconds: int) -> str: ...

    def presign_download(self, key: str, ttl_seconds: int) -> str: ...

    def download_original(self, key: str, path: Path, max_bytes: int) -> int:
        """The original streamed into a file (never whole in memory); returns its size."""
        ...

    def write_result(self, key: str, body: bytes, content_type: str) -> None: ...

    def start_multipart(self, key: str, content_type: str) -> str:
        """An S3 multipart upload of the original at `key`: its upload id."""
        ...

    def presign_part(self, key: str, upload_id: str, number: int, length: int, ttl_seconds: int) -> str: ...

    def received_parts(self, key: str, upload_id: str) -> list[Part] | None:
        """The parts S3 holds, by number; None when the upload is no more (completed or aborted)."""
        ...

    def complete_multipart(self, key: str, upload_id: str, parts: list[Part]) -> None: ...

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Gone, with every part it held (an upload already ended is no error)."""
        ...

    def original_arrived(self, key: str) -> bool: ...

    def delete_job_objects(self, original_key: str, *prefixes: str) -> None:
        """The original, and every object under the given prefixes of the results bucket."""
        ...

    def delete_results(self, *prefixes: str) -> None:
        """Every object under the given prefixes of the results bucket."""
        ...


class Renderer(Protocol):
    """Renders one stored photo: in this process (tests), or in a child process the worker can
    kill (deployed: adapters/render_children.py)."""

    def render(self, source: Path, content_type: str | None, request: RenderRequest, deadline: float) -> Rendered:
        """`deadline`: time.monotonic() by which the whole invocation must be done. Raises
        PermanentImageError for the photo's own faults (a timeout or a crash of its render
        included), TransientError when this invocation has too little time left to start it."""
        ...


class WorkQueue(Protocol):
    """Where the worker takes work from besides S3's events: edits asked for later, and photos
    whose event never led to a claim."""

    def send_edit(self, record_id: str) -> None: ...

    def send_upload(self, key: str, size: int) -> None: ...


class EventPublisher(Protocol):
    def publish_job_event(self, job: Job) -> None: ...


class Limiter(Protocol):
    """Counters in fixed windows and short leases, shared by every process of the deployment."""

    def take(self, key: str, limit: int, window_seconds: int, now: int, amount: int = 1) -> int:
        """Counts `amount` uses of `key` in the window `now` falls in: 0 when the total stays
        within `limit`, else the seconds until the window ends (nothing is counted then)."""
        ...

    def lease(self, key: str, seconds: int, now: int) -> bool:
        """True for the one caller that holds `key` until it is released or `seconds` pass."""
        ...

    def release(self, key: str) -> None: ...

    def hold(self, key: str, holder: str, limit: int) -> bool:
        """Adds `holder` to the set under `key` unless the set already has `limit` members
        (atomic: racing holds stop exactly at the limit); True when it holds."""
        ...

    def holders(self, key: str) -> set[str]: ...

    def let_go(self, key: str, holders: set[str]) -> None:
        """Removes these members (absent ones are no error)."""
        ...
