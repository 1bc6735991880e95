"""What the API does with jobs: open an upload slot, read, list and delete."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from photopipe.clock import iso, utc_now
from photopipe.config import Settings
from photopipe.errors import ErrorCode, LimitExceeded, PhotopipeError
from photopipe.images.capabilities import unsupported_ops
from photopipe.images.formats import canonical_content_type
from photopipe.jobs.model import (
    Job,
    JobStatus,
    Operations,
    is_valid_job_id,
    original_key,
    renders_prefix,
    result_prefix,
)
from photopipe.jobs.ports import JobPage, JobRepository, Limiter, ObjectStore, UploadSlot


class JobService:
    def __init__(
        self,
        settings: Settings,
        jobs: JobRepository,
        store: ObjectStore,
        clock: Callable[[], datetime] = utc_now,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
        limiter: Limiter | None = None,
    ) -> None:
        self._settings = settings
        self._jobs = jobs
        self._store = store
        self._limiter = limiter  # per-user limits on creations; None: none (in-process tests)
        self._clock = clock
        self._new_id = new_id

    def create_job(
        self, user_id: str, content_type: str, content_length: int, operations: Operations
    ) -> tuple[Job, UploadSlot]:
        canonical = canonical_content_type(content_type)
        if canonical not in {canonical_content_type(t) for t in self._settings.allowed_content_types}:
            raise PhotopipeError(
                ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                f"contentType {content_type!r} is not supported; use one of "
                + ", ".join(self._settings.allowed_content_types),
            )
        if content_length > self._settings.max_upload_bytes:
            raise PhotopipeError(
                ErrorCode.PAYLOAD_TOO_LARGE,
                f"contentLength {content_length} exceeds the limit of {self._settings.max_upload_bytes} bytes.",
            )
        refused = unsupported_ops(self._settings.image_provider, [str(edit.get("op")) for edit in operations.edits])
        if refused:
            raise PhotopipeError(
                ErrorCode.INVALID_REQUEST,
                f"This deployment's image provider ({self._settings.image_provider}) cannot make "
                f"{', '.join(refused)} edits; docs/photos.md lists which provider makes which.",
            )
        now = self._clock()
        self._admit(user_id, content_length, int(now.timestamp()))
        stamp = iso(now)
        job = Job(
            job_id=self._new_id(),
            user_id=user_id,
            status=JobStatus.PENDING_UPLOAD,
            content_type=content_type,
            content_length=content_length,
            created_at=stamp,
            updated_at=stamp,
            operations=operations,
            status_history=[{"status": JobStatus.PENDING_UPLOAD.value, "at": stamp}],
        )
        ttl = int((now + timedelta(days=self._settings.job_ttl_days)).timestamp())
        self._jobs.create(job, ttl)
        return job, self._slot(job, now)

    def _admit(self, user_id: str, content_length: int, now: int) -> None:
        """A user's job creations per minute and declared upload bytes per day, counted atomically
        in the limits table: 429 with Retry-After past either."""
        if self._limiter is None:
            return
        settings = self._settings
        wait = self._limiter.take(f"jobs#{user_id}", settings.jobs_per_user_minute, 60, now)
        if wait:
            raise LimitExceeded(
                ErrorCode.RATE_LIMITED,
                f"At most {settings.jobs_per_user_minute} jobs a minute may be created; retry after {wait} s.",
                wait,
            )
        wait = self._limiter.take(
            f"upload-bytes#{user_id}", settings.upload_bytes_per_user_day, 86_400, now, amount=content_length
        )
        if wait:
            raise LimitExceeded(
                ErrorCode.QUOTA_EXCEEDED,
                f"Uploads of {content_length} more bytes would pass the daily {settings.upload_bytes_per_user_day} "
                f"bytes per user (UTC day); retry after {wait} s.",
                wait,
            )

    def renew_upload_slot(self, user_id: str, job_id: str) -> UploadSlot:
        """A fresh URL for a job still waiting for its photo (an idempotent replay after the
        first URL expired); 409 UPLOAD_SLOT_EXPIRED once the photo has arrived."""
        job = self.get_job(user_id, job_id)
        if job.status is not JobStatus.PENDING_UPLOAD:
            raise PhotopipeError(
                ErrorCode.UPLOAD_SLOT_EXPIRED,
                f"Job {job_id} already has its upload ({job.status.value}); its upload URL is not renewed.",
            )
        return self._slot(job, self._clock())

    def _slot(self, job: Job, now: datetime) -> UploadSlot:
        ttl_seconds = self._settings.upload_url_ttl_seconds
        url = self._store.presign_upload(
            original_key(job.user_id, job.job_id), job.content_type, job.content_length, ttl_seconds
        )
        return UploadSlot(
            url=url,
            method="PUT",
            # The client must send exactly these: they are part of the signature, and
            # If-None-Match makes the slot single-use where S3 enforces it.
            headers={"Content-Type": job.content_type, "Content-Length": str(job.content_length), "If-None-Match": "*"},
            expires_at=iso(now + timedelta(seconds=ttl_seconds)),
        )

    def get_job(self, user_id: str, job_id: str) -> Job:
        if not is_valid_job_id(job_id):
            raise PhotopipeError(ErrorCode.NOT_FOUND, "Job not found.")
        job = self._jobs.get(job_id)
        if job is None or job.user_id != user_id:
            # Another user's job is indistinguishable from a missing one.
            raise PhotopipeError(ErrorCode.NOT_FOUND, f"Job {job_id} not found.")
        return job

    def list_jobs(self, user_id: str, limit: int, cursor: str | None) -> JobPage:
        return self._jobs.list_for_user(user_id, limit, cursor)

    def delete_job(self, user_id: str, job_id: str) -> None:
        job = self.get_job(user_id, job_id)
        self._store.delete_job_objects(
            original_key(user_id, job.job_id), result_prefix(user_id, job.job_id), renders_prefix(job.job_id)
        )
        self._jobs.delete(job.job_id)
