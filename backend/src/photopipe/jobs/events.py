"""The job event the worker publishes on a terminal transition and the notifier consumes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from photopipe.jobs.model import EventType, Job, JobStatus


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
        )


def event_for(job: Job) -> JobEvent:
    if not job.status.is_terminal:
        raise ValueError(f"job {job.job_id} is {job.status}, not terminal")
    return JobEvent(
        event_type=EventType.JOB_COMPLETED if job.status is JobStatus.COMPLETED else EventType.JOB_FAILED,
        job_id=job.job_id,
        user_id=job.user_id,
        status=job.status,
        occurred_at=job.updated_at,
        error_code=job.error.code if job.error else None,
        outputs=tuple(o.name for o in job.outputs),
        thumbhash=_thumbhash(job),
    )


def _thumbhash(job: Job) -> str | None:
    placeholder = (job.analysis or {}).get("placeholder")
    value = placeholder.get("thumbhash") if isinstance(placeholder, dict) else None
    return value if isinstance(value, str) else None
