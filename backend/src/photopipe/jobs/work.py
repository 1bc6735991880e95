"""What one queue message asks the worker to do, and what it came to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from photopipe.jobs.model import parse_original_key


@dataclass(frozen=True)
class UploadedObject:
    bucket: str
    key: str
    size: int
    etag: str

    @property
    def job_id(self) -> str | None:
        """The job whose original this is; None for a key no slot was given for."""
        ids = parse_original_key(self.key)
        return ids[1] if ids else None


@dataclass(frozen=True)
class EditRequested:
    """An edit the api created PROCESSING and queued: its record id (edit_record_id)."""

    record_id: str

    @property
    def job_id(self) -> str:
        return self.record_id


Work = UploadedObject | EditRequested


class Outcome(StrEnum):
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    DUPLICATE = "DUPLICATE"
    IGNORED = "IGNORED"


@dataclass(frozen=True)
class Report:
    """What one upload came to, for logs and metrics."""

    outcome: Outcome
    job_id: str | None = None
    processing_ms: int | None = None
    input_megapixels: float | None = None
    output_bytes: int = 0
    error_code: str | None = None
