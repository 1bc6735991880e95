"""The job record and the values it carries. Pure data: no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from photopipe.images.variants import DEFAULT_VARIANTS, VariantSpec


class JobStatus(StrEnum):
    PENDING_UPLOAD = "PENDING_UPLOAD"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"

    @property
    def is_terminal(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.FAILED)


class EventType(StrEnum):
    JOB_COMPLETED = "JobCompleted"
    JOB_FAILED = "JobFailed"
    EDIT_COMPLETED = "EditCompleted"
    EDIT_FAILED = "EditFailed"


@dataclass(frozen=True)
class Operations:
    variants: tuple[VariantSpec, ...] = DEFAULT_VARIANTS
    analysis: bool = True
    edits: tuple[dict[str, Any], ...] = ()
    # Test-only: fail this many processing attempts with a transient error. Honoured only where
    # the deployment enables fault injection (the local environment); ignored everywhere else.
    inject_transient_failures: int = 0


@dataclass(frozen=True)
class Output:
    name: str
    key: str
    width: int
    height: int
    content_type: str
    bytes: int


@dataclass(frozen=True)
class JobError:
    code: str
    message: str


@dataclass
class Job:
    job_id: str
    user_id: str
    status: JobStatus
    content_type: str
    content_length: int
    created_at: str
    updated_at: str
    operations: Operations = field(default_factory=Operations)
    outputs: list[Output] = field(default_factory=list)
    analysis: dict[str, Any] | None = None
    error: JobError | None = None
    status_history: list[dict[str, str]] = field(default_factory=list)
    processing_ms: int | None = None
    attempts: int = 0
    # The SQS message that claimed the job last: the one that finished it, once terminal.
    claim_token: str | None = None
    # Set by the terminal write, cleared once the job event is published (the outbox flag).
    event_pending: bool = False
    # An edit asked after upload is a record of its own in the jobs table, run through the same
    # claim, finish, outbox and sweeper as a job: `edit_of` names the job whose original it
    # renders (None for a job), and its job_id is edit_record_id(edit_of, edit id).
    edit_of: str | None = None
    # A job's edits, by edit id (time-ordered: the greatest is the newest).
    edit_ids: tuple[str, ...] = ()
    # The S3 multipart upload its photo arrives through, for a job created with multipart.
    upload_id: str | None = None
    # Set first when the job is deleted (a tombstone): no status move succeeds after it, so a
    # worker finishing meanwhile finds the job gone and removes what it wrote.
    deleting: bool = False
    # When the sweeper queued its arrived photo again, once, because no delivery ever claimed it.
    requeued_at: str | None = None

    @property
    def edit_id(self) -> str | None:
        return self.job_id.split(EDIT_SEPARATOR, 1)[1] if self.edit_of else None


_SEGMENT = re.compile(r"^[A-Za-z0-9_.@-]{1,128}$")
# Outside the job id alphabet: an edit's record id can never be taken for a job's in a path.
EDIT_SEPARATOR = "~"
_EDIT_ID = re.compile(r"^[0-9a-f]{20}$")


def edit_record_id(job_id: str, edit_id: str) -> str:
    return f"{job_id}{EDIT_SEPARATOR}{edit_id}"


def is_valid_edit_id(edit_id: str) -> bool:
    return bool(_EDIT_ID.match(edit_id))


def edit_result_prefix(user_id: str, job_id: str, edit_id: str) -> str:
    """Under the job's own results: deleting the job deletes its edits' outputs."""
    return f"{result_prefix(user_id, job_id)}edits/{edit_id}/"


def edit_renders_prefix(job_id: str) -> str:
    """The cached renders of every edit of the job (their record ids share this prefix)."""
    return f"renders/{job_id}{EDIT_SEPARATOR}"


def original_key(user_id: str, job_id: str) -> str:
    return f"incoming/{user_id}/{job_id}/original"


def parse_original_key(key: str) -> tuple[str, str] | None:
    """(user_id, job_id) of an original's key, or None for anything else in the bucket."""
    parts = key.split("/")
    if len(parts) != 4 or parts[0] != "incoming" or parts[3] != "original":
        return None
    user_id, job_id = parts[1], parts[2]
    if not (is_valid_user_id(user_id) and _SEGMENT.match(job_id)):
        return None
    return user_id, job_id


def result_prefix(user_id: str, job_id: str) -> str:
    return f"results/{user_id}/{job_id}/"


def renders_prefix(job_id: str) -> str:
    """Where the delivery function caches the renders of a job's image (results bucket)."""
    return f"renders/{job_id}/"


def is_valid_job_id(job_id: str) -> bool:
    """Could name a job: anything else is answered 404 before a table is asked (an id past
    DynamoDB's key limit made the read fail, and the API answer a 500)."""
    return bool(_SEGMENT.match(job_id))


def is_valid_user_id(user_id: str) -> bool:
    """Safe as one segment of an S3 key: `.` and `..` would be path steps to a browser or a CLI."""
    return bool(_SEGMENT.match(user_id)) and user_id not in (".", "..")
