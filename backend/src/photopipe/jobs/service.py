"""What the API does with jobs: open an upload slot, read, list and delete; ask edits of a
finished job's photo, read, list and delete them."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from photopipe.clock import from_iso, iso, utc_now
from photopipe.config import Settings
from photopipe.errors import ErrorCode, LimitExceeded, PhotopipeError
from photopipe.images.capabilities import unsupported_ops
from photopipe.images.formats import canonical_content_type
from photopipe.images.variants import DEFAULT_VARIANTS, VariantSpec
from photopipe.jobs.model import (
    Job,
    JobStatus,
    Operations,
    edit_record_id,
    edit_renders_prefix,
    edit_result_prefix,
    is_valid_edit_id,
    is_valid_job_id,
    original_key,
    renders_prefix,
    result_prefix,
)
from photopipe.jobs.ports import (
    JobPage,
    JobRepository,
    Limiter,
    MultipartSlot,
    ObjectStore,
    Part,
    PartSlot,
    TransitionRejected,
    UploadSlot,
    WorkQueue,
)

# What a caller refused for jobs in flight is told to wait: photos take seconds to process.
IN_FLIGHT_RETRY_SECONDS = 30
# How long a job's place may be held before its record exists (creation takes milliseconds).
IN_FLIGHT_CREATION_SECONDS = 60


@dataclass(frozen=True)
class EditPage:
    edits: list[Job]
    cursor: str | None


class JobService:
    def __init__(
        self,
        settings: Settings,
        jobs: JobRepository,
        store: ObjectStore,
        clock: Callable[[], datetime] = utc_now,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
        limiter: Limiter | None = None,
        queue: WorkQueue | None = None,
    ) -> None:
        self._settings = settings
        self._jobs = jobs
        self._store = store
        self._limiter = limiter  # per-user limits on creations; None: none (in-process tests)
        self._queue = queue  # where asked edits go to the worker; needed by request_edit only
        self._clock = clock
        self._new_id = new_id

    def create_job(
        self, user_id: str, content_type: str, content_length: int, operations: Operations, multipart: bool = False
    ) -> tuple[Job, UploadSlot | MultipartSlot]:
        """A job waiting for its photo, and where to put it: one presigned PUT, or (multipart)
        a presigned PUT for each part of an S3 multipart upload."""
        canonical = canonical_content_type(content_type)
        if canonical not in {canonical_content_type(t) for t in self._settings.allowed_content_types}:
            raise PhotopipeError(
                ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                f"contentType {content_type!r} is not supported; use one of "
                + ", ".join(self._settings.allowed_content_types),
            )
        limit = self._settings.max_multipart_bytes if multipart else self._settings.max_upload_bytes
        if content_length > limit:
            larger = "" if multipart else f"; up to {self._settings.max_multipart_bytes} with multipart"
            raise PhotopipeError(
                ErrorCode.PAYLOAD_TOO_LARGE,
                f"contentLength {content_length} exceeds the limit of {limit} bytes{larger}.",
            )
        self._refuse_unsupported(operations.edits)
        now = self._clock()
        epoch = int(now.timestamp())
        self._admit_work(user_id, epoch)
        job_id = self._new_id()
        held = self._hold_in_flight(user_id, job_id, epoch)
        try:
            return self._create(user_id, job_id, content_type, content_length, operations, multipart, now)
        except BaseException:
            if held:  # nothing was made: its place goes back now rather than at the next prune
                with contextlib.suppress(Exception):  # else the prune does it; the first error is the one to tell
                    self._let_go_in_flight(user_id, {held})
            raise

    def _create(
        self,
        user_id: str,
        job_id: str,
        content_type: str,
        content_length: int,
        operations: Operations,
        multipart: bool,
        now: datetime,
    ) -> tuple[Job, UploadSlot | MultipartSlot]:
        self._admit_bytes(user_id, content_length, int(now.timestamp()))
        stamp = iso(now)
        upload_id = self._store.start_multipart(original_key(user_id, job_id), content_type) if multipart else None
        job = Job(
            job_id=job_id,
            user_id=user_id,
            status=JobStatus.PENDING_UPLOAD,
            content_type=content_type,
            content_length=content_length,
            created_at=stamp,
            updated_at=stamp,
            operations=operations,
            status_history=[{"status": JobStatus.PENDING_UPLOAD.value, "at": stamp}],
            upload_id=upload_id,
        )
        ttl = int((now + timedelta(days=self._settings.job_ttl_days)).timestamp())
        self._jobs.create(job, ttl)
        return job, self._slot(job, now)

    def _refuse_unsupported(self, edits: Sequence[dict[str, Any]]) -> None:
        settings = self._settings
        refused = unsupported_ops(
            settings.image_provider, [str(edit.get("op")) for edit in edits], settings.edit_endpoint_ops
        )
        if refused:
            raise PhotopipeError(
                ErrorCode.INVALID_REQUEST,
                f"This deployment's image provider ({settings.image_provider}) cannot make "
                f"{', '.join(refused)} edits; docs/photos.md lists which provider makes which.",
            )

    def _admit_bytes(self, user_id: str, content_length: int, now: int) -> None:
        """A user's declared upload bytes per day, counted atomically in the limits table: 429
        QUOTA_EXCEEDED with Retry-After past it."""
        if self._limiter is None:
            return
        settings = self._settings
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

    def _admit_work(self, user_id: str, now: int) -> None:
        """Jobs and edits share one rate: each is a render of an original by the worker."""
        if self._limiter is None:
            return
        limit = self._settings.jobs_per_user_minute
        wait = self._limiter.take(f"jobs#{user_id}", limit, 60, now)
        if wait:
            raise LimitExceeded(
                ErrorCode.RATE_LIMITED,
                f"At most {limit} jobs and edits a minute may be asked for; retry after {wait} s.",
                wait,
            )

    def _hold_in_flight(self, user_id: str, job_id: str, now: int) -> str | None:
        """A place among the user's jobs in flight (waiting for their photo or being processed),
        held in one set per user with an atomic size condition: 429 QUOTA_EXCEEDED when all are
        taken by jobs that have not ended. Returns the place held."""
        if self._limiter is None:
            return None
        limit = self._settings.jobs_in_flight_per_user
        holder = _in_flight_place(now, job_id)
        key = _in_flight_key(user_id)
        if self._limiter.hold(key, holder, limit):
            return holder
        # Full: the places of jobs that ended since are given back, then one more try. Pruning
        # when full, rather than releasing at each ending, leaves nothing to drift: a crash
        # anywhere costs at most a place until the next prune.
        if self._prune_in_flight(key, now) and self._limiter.hold(key, holder, limit):
            return holder
        raise LimitExceeded(
            ErrorCode.QUOTA_EXCEEDED,
            f"At most {limit} jobs may be in flight at once (waiting for their photo or being processed); "
            f"retry after {IN_FLIGHT_RETRY_SECONDS} s, or once some have ended.",
            IN_FLIGHT_RETRY_SECONDS,
        )

    def _prune_in_flight(self, key: str, now: int) -> bool:
        """Gives back the places of jobs that ended, are being deleted or are gone; True if any."""
        assert self._limiter is not None
        held = {holder.partition(":")[2]: holder for holder in self._limiter.holders(key)}
        jobs = {job.job_id: job for job in self._jobs.get_many(list(held))}
        ended = set()
        for job_id, holder in held.items():
            job = jobs.get(job_id)
            if job is None:
                # The place is held before the record is written: a young one may be on its way.
                if now - int(holder.partition(":")[0]) > IN_FLIGHT_CREATION_SECONDS:
                    ended.add(holder)
            elif job.status.is_terminal or job.deleting:
                ended.add(holder)
        self._limiter.let_go(key, ended)
        return bool(ended)

    def _let_go_in_flight(self, user_id: str, holders: set[str]) -> None:
        if self._limiter is not None:
            self._limiter.let_go(_in_flight_key(user_id), holders)

    def renew_upload_slot(self, user_id: str, job_id: str, received: bool = False) -> UploadSlot | MultipartSlot:
        """Fresh URLs for a job still waiting for its photo (a replay after the first expired, a
        client resuming parts: with `received`, what S3 holds); 409 UPLOAD_SLOT_EXPIRED once it
        has arrived."""
        job = self.get_job(user_id, job_id)
        if job.status is not JobStatus.PENDING_UPLOAD:
            raise PhotopipeError(
                ErrorCode.UPLOAD_SLOT_EXPIRED,
                f"Job {job_id} already has its upload ({job.status.value}); its upload URL is not renewed.",
            )
        slot = self._slot(job, self._clock())
        if received and isinstance(slot, MultipartSlot) and job.upload_id:
            held = self._store.received_parts(original_key(user_id, job_id), job.upload_id)
            slot = replace(slot, received=held or [])
        return slot

    def _slot(self, job: Job, now: datetime) -> UploadSlot | MultipartSlot:
        key = original_key(job.user_id, job.job_id)
        if job.upload_id:
            return self._parts(job, key, job.upload_id, now)
        ttl_seconds = self._settings.upload_url_ttl_seconds
        url = self._store.presign_upload(key, job.content_type, job.content_length, ttl_seconds)
        return UploadSlot(
            url=url,
            method="PUT",
            # The client must send exactly these: they are part of the signature, and
            # If-None-Match makes the slot single-use where S3 enforces it.
            headers={"Content-Type": job.content_type, "Content-Length": str(job.content_length), "If-None-Match": "*"},
            expires_at=iso(now + timedelta(seconds=ttl_seconds)),
        )

    def _parts(self, job: Job, key: str, upload_id: str, now: datetime) -> MultipartSlot:
        """Every part's URL, valid to the end of the upload's window (counted from the job's
        creation): a client may take hours, and resume with these."""
        ends = from_iso(job.created_at) + timedelta(seconds=self._settings.multipart_window_seconds)
        ttl_seconds = max(1, int((ends - now).total_seconds()))
        parts = [
            PartSlot(
                p.number,
                self._store.presign_part(key, upload_id, p.number, p.size, ttl_seconds),
                {"Content-Length": str(p.size)},
            )
            for p in expected_parts(job.content_length, self._settings.multipart_part_bytes)
        ]
        return MultipartSlot(self._settings.multipart_part_bytes, parts, iso(ends))

    def complete_upload(self, user_id: str, job_id: str, parts: Sequence[tuple[int, str]]) -> Job:
        """Ends a job's multipart upload with the parts the client sent, (number, ETag): S3 then
        announces the photo and the worker takes it, as after one PUT. A second call is harmless."""
        job = self.get_job(user_id, job_id)
        if not job.upload_id:
            raise PhotopipeError(
                ErrorCode.INVALID_REQUEST, f"Job {job_id} was not created with multipart: its photo is one PUT."
            )
        key = original_key(user_id, job_id)
        held = self._store.received_parts(key, job.upload_id)
        if held is None:  # completed already, or aborted (the job deleted or swept)
            if not self._store.original_arrived(key):
                raise PhotopipeError(
                    ErrorCode.UPLOAD_INCOMPLETE,
                    f"Job {job_id}'s upload has ended without its photo ({job.status.value}).",
                )
            return job
        expected = expected_parts(job.content_length, self._settings.multipart_part_bytes)
        by_number = {part.number: part for part in held}
        sent = dict(parts)
        missing = [p.number for p in expected if p.number not in by_number or p.number not in sent]
        wrong = [n for n, etag in sent.items() if n in by_number and _unquoted(by_number[n].etag) != _unquoted(etag)]
        unknown = sorted(set(sent) - {p.number for p in expected})
        if missing or wrong or unknown:
            raise PhotopipeError(ErrorCode.UPLOAD_INCOMPLETE, _incomplete(missing, wrong, unknown))
        total = sum(by_number[p.number].size for p in expected)
        if total != job.content_length:
            raise PhotopipeError(
                ErrorCode.CONTENT_LENGTH_MISMATCH,
                f"The parts hold {total} bytes; the job declared contentLength {job.content_length}.",
            )
        self._store.complete_multipart(key, job.upload_id, [by_number[p.number] for p in expected])
        return job

    def get_job(self, user_id: str, job_id: str, deleting_too: bool = False) -> Job:
        """`deleting_too`: a job whose deletion began is found (to finish deleting it), else not."""
        if not is_valid_job_id(job_id):
            raise PhotopipeError(ErrorCode.NOT_FOUND, "Job not found.")
        job = self._jobs.get(job_id)
        if job is None or job.user_id != user_id or (job.deleting and not deleting_too):
            # Another user's job is indistinguishable from a missing one.
            raise PhotopipeError(ErrorCode.NOT_FOUND, f"Job {job_id} not found.")
        return job

    def list_jobs(self, user_id: str, limit: int, cursor: str | None) -> JobPage:
        return self._jobs.list_for_user(user_id, limit, cursor)

    def delete_job(self, user_id: str, job_id: str) -> Job:
        """The job, its edits, and every object of either: the results prefix holds the edits'
        outputs too. Returns what was deleted (its edit ids name the edits' other records).

        The tombstone first: a worker finishing the job meanwhile has its write refused and
        removes what it wrote, so nothing is written after the objects are deleted."""
        job = self.get_job(user_id, job_id, deleting_too=True)
        self._jobs.mark_deleting(job.job_id)
        if job.upload_id and job.status is JobStatus.PENDING_UPLOAD:
            self._store.abort_multipart(original_key(user_id, job.job_id), job.upload_id)
        self._store.delete_job_objects(
            original_key(user_id, job.job_id),
            result_prefix(user_id, job.job_id),
            renders_prefix(job.job_id),
            edit_renders_prefix(job.job_id),
        )
        for edit_id in job.edit_ids:
            self._jobs.delete(edit_record_id(job.job_id, edit_id))
        self._jobs.delete(job.job_id)
        if not job.status.is_terminal:
            self._let_go_in_flight(user_id, {_in_flight_place(int(from_iso(job.created_at).timestamp()), job.job_id)})
        return job

    def request_edit(
        self,
        user_id: str,
        job_id: str,
        edits: tuple[dict[str, Any], ...],
        variants: tuple[VariantSpec, ...] | None,
    ) -> Job:
        """An edit of a COMPLETED job's original, made by the worker: the record is PROCESSING
        from the start, and the queue carries its id to the worker."""
        if self._queue is None:
            raise RuntimeError("request_edit needs the work queue")
        self._refuse_unsupported(edits)
        job = self.get_job(user_id, job_id)
        if job.status is not JobStatus.COMPLETED:
            raise PhotopipeError(
                ErrorCode.JOB_NOT_READY, f"Job {job_id} is {job.status.value}; edits are asked of a COMPLETED job."
            )
        now = self._clock()
        self._admit_work(user_id, int(now.timestamp()))
        # Time first, so that the ids sort newest last; the random tail keeps them unique.
        edit_id = f"{int(now.timestamp() * 1000):012x}{self._new_id()[:8]}"
        try:
            self._jobs.add_edit(job_id, edit_id, self._settings.edits_per_job)
        except TransitionRejected:
            self.get_job(user_id, job_id)  # deleted meanwhile: 404
            raise PhotopipeError(
                ErrorCode.QUOTA_EXCEEDED,
                f"Job {job_id} has {self._settings.edits_per_job} edits, the most it may have; delete some first.",
            ) from None
        stamp = iso(now)
        edit = Job(
            job_id=edit_record_id(job_id, edit_id),
            user_id=user_id,
            status=JobStatus.PROCESSING,
            content_type=job.content_type,
            content_length=job.content_length,
            created_at=stamp,
            updated_at=stamp,
            operations=Operations(
                variants=default_edit_variants(edits) if variants is None else variants, analysis=False, edits=edits
            ),
            status_history=[{"status": JobStatus.PROCESSING.value, "at": stamp}],
            edit_of=job_id,
        )
        self._jobs.create(edit, int((now + timedelta(days=self._settings.job_ttl_days)).timestamp()))
        # Should the send fail, the API answers 500 and the sweeper ends the edit as abandoned.
        self._queue.send_edit(edit.job_id)
        return edit

    def get_edit(self, user_id: str, job_id: str, edit_id: str) -> Job:
        self.get_job(user_id, job_id)
        edit = self._jobs.get(edit_record_id(job_id, edit_id)) if is_valid_edit_id(edit_id) else None
        if edit is None:
            raise PhotopipeError(ErrorCode.NOT_FOUND, f"Edit {edit_id} of job {job_id} not found.")
        return edit

    def list_edits(self, user_id: str, job_id: str, limit: int, cursor: str | None = None) -> EditPage:
        return self.edits_of(self.get_job(user_id, job_id), limit, cursor)

    def edits_of(self, job: Job, limit: int, cursor: str | None = None) -> EditPage:
        """A job's edits, newest first; the cursor is the last edit id of the page before."""
        if cursor is not None and not is_valid_edit_id(cursor):
            raise PhotopipeError(ErrorCode.INVALID_REQUEST, "cursor is not valid.")
        ids = [i for i in sorted(job.edit_ids, reverse=True) if cursor is None or i < cursor]
        page = ids[:limit]
        if not page:
            return EditPage([], None)
        found = self._jobs.get_many([edit_record_id(job.job_id, i) for i in page])
        edits = sorted(found, key=lambda edit: edit.job_id, reverse=True)
        return EditPage(edits, page[-1] if len(ids) > limit else None)

    def delete_edit(self, user_id: str, job_id: str, edit_id: str) -> None:
        edit = self.get_edit(user_id, job_id, edit_id)
        self._store.delete_results(edit_result_prefix(user_id, job_id, edit_id), renders_prefix(edit.job_id))
        self._jobs.delete(edit.job_id)
        self._jobs.remove_edit(job_id, edit_id)


def default_edit_variants(edits: Sequence[dict[str, Any]]) -> tuple[VariantSpec, ...]:
    """The default set; in PNG when a background is removed and not replaced, so that the
    cut-out keeps its transparency (a JPEG variant would be flattened on white)."""
    cut_out = any(edit.get("op") == "removeBackground" and not edit.get("background") for edit in edits)
    return tuple(replace(spec, format="png") for spec in DEFAULT_VARIANTS) if cut_out else DEFAULT_VARIANTS


def expected_parts(content_length: int, part_size: int) -> list[Part]:
    """The parts a photo of content_length bytes comes in: all of part_size, the last the rest."""
    count = max(1, -(-content_length // part_size))
    return [Part(n, min(part_size, content_length - (n - 1) * part_size)) for n in range(1, count + 1)]


def _incomplete(missing: list[int], wrong: list[int], unknown: list[int]) -> str:
    said = []
    if missing:
        said.append(f"parts {', '.join(map(str, missing))} are not uploaded or not listed")
    if wrong:
        said.append(f"the ETags of parts {', '.join(map(str, wrong))} are not what S3 holds")
    if unknown:
        said.append(f"parts {', '.join(map(str, unknown))} are not parts of this upload")
    return "The upload is incomplete: " + "; ".join(said) + ". GET /v1/jobs/{jobId}/upload says what S3 holds."


def _unquoted(etag: str) -> str:
    return etag.strip().strip('"')


def _in_flight_key(user_id: str) -> str:
    return f"in-flight#{user_id}"


def _in_flight_place(held_since: int, job_id: str) -> str:
    """A job's place in the set: the epoch second it was taken, so a place whose record never
    came can be told from one whose record is on its way."""
    return f"{held_since}:{job_id}"
