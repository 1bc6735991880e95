"""The event the worker publishes when a job or an edit ends, and the notifier consumes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from photopipe.jobs.model import EventType, Job, JobStatus, edit_record_id


@dataclass(frozen=True)
class JobEvent:
    event_type: EventType
    job_id: str
    user_id: str
    status: JobStatus
    occurred_at: str
    error_code: str | None = None
    outputs: tuple[str, ...] = ()
    # The COMPLETED job's ThumbHash (base64, ~30 bytes): an app paints it as the event arrives.
    thumbhash: str | None = None
    # Set for an edit's event: job_id is then the edited job's.
    edit_id: str | None = None

    @property
    def subject_id(self) -> str:
        """What one delivery to a device is for: the job, or one edit of it."""
        return edit_record_id(self.job_id, self.edit_id) if self.edit_id else self.job_id

    def to_message(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "eventType": self.event_type.value,
            "jobId": self.job_id,
            "userId": self.user_id,
            "status": self.status.value,
            "occurredAt": self.occurred_at,
            "outputs": list(self.outputs),
        }
        if self.error_code:
            message["errorCode"] = self.error_code
        if self.thumbhash:
            message["placeholder"] = {"thumbhash": self.thumbhash}
        if self.edit_id:
            message["editId"] = self.edit_id
        return message

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> JobEvent:
        return cls(
            event_type=EventType(message["eventType"]),
            job_id=str(message["jobId"]),
            user_id=str(message["userId"]),
            status=JobStatus(message["status"]),
            occurred_at=str(message["occurredAt"]),
            error_code=message.get("errorCode"),
            outputs=tuple(message.get("outputs", [])),
            thumbhash=(message.get("placeholder") or {}).get("thumbhash"),
            edit_id=message.get("editId"),
        )


def event_for(job: Job) -> JobEvent:
    if not job.status.is_terminal:
        raise ValueError(f"job {job.job_id} is {job.status}, not terminal")
    completed = job.status is JobStatus.COMPLETED
    if job.edit_of:
        event_type = EventType.EDIT_COMPLETED if completed else EventType.EDIT_FAILED
    else:
        event_type = EventType.JOB_COMPLETED if completed else EventType.JOB_FAILED
    return JobEvent(
        event_type=event_type,
        job_id=job.edit_of or job.job_id,
        user_id=job.user_id,
        status=job.status,
        occurred_at=job.updated_at,
        error_code=job.error.code if job.error else None,
        outputs=tuple(o.name for o in job.outputs),
        thumbhash=_thumbhash(job),
        edit_id=job.edit_id,
    )


def _thumbhash(job: Job) -> str | None:
    placeholder = (job.analysis or {}).get("placeholder")
    value = placeholder.get("thumbhash") if isinstance(placeholder, dict) else None
    return value if isinstance(value, str) else None
