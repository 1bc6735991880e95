"""What the worker does with one uploaded original, or one edit asked of a finished job's
original: claim the record, process, finish, announce.

Every state change is a conditional write, so a duplicate or late delivery never moves a job
back or processes it twice. The terminal write marks the job's event as pending and the event
is published after it (an outbox on the job item): a crash between the two is repaired by the
redelivered message, and the notifier's ledger absorbs the rare second publish.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from photopipe.clock import iso, utc_now
from photopipe.config import Settings
from photopipe.errors import ErrorCode, PermanentImageError, TransientError
from photopipe.images import rendering
from photopipe.images.rendering import Span, no_span
from photopipe.jobs.model import (
    Job,
    JobError,
    JobStatus,
    Output,
    edit_result_prefix,
    original_key,
    parse_original_key,
    result_prefix,
)
from photopipe.jobs.outbox import Outbox
from photopipe.jobs.ports import EventPublisher, JobRepository, ObjectStore, Renderer, TransitionRejected
from photopipe.jobs.work import EditRequested, Outcome, Report, UploadedObject, Work

if TYPE_CHECKING:
    from photopipe.images.provider import Provider

logger = logging.getLogger(__name__)


class ProcessingService:
    def __init__(
        self,
        settings: Settings,
        jobs: JobRepository,
        store: ObjectStore,
        events: EventPublisher,
        provider: Provider | None,
        clock: Callable[[], datetime] = utc_now,
        span: Span = no_span,
        memory: rendering.MemoryBudget | None = None,
        renderer: Renderer | None = None,
    ) -> None:
        """`renderer` None: photos render in this process with `provider` (the unit tests)."""
        self._settings = settings
        self._jobs = jobs
        self._store = store
        self._clock = clock
        self._span = span  # tracing hook: a context manager per named step
        self._outbox = Outbox(jobs, events)
        if renderer is None:
            if provider is None:
                raise ValueError("ProcessingService needs a renderer or a provider")
            # Shared by every record of the process: records are admitted by their estimated bytes.
            memory = memory or rendering.budget_for_function(settings.function_memory_mb)
            from photopipe.images.pipeline import InProcessRenderer  # Pillow: not in the worker's process

            renderer = InProcessRenderer(provider, memory, rendering.limits_of(settings), span)
        self._renderer = renderer

    def process(self, upload: UploadedObject, claim_token: str, deadline: float = math.inf) -> Report:
        """claim_token identifies this delivery: a retry of it may resume, a duplicate may not.
        `deadline`: time.monotonic() by which this invocation must be done."""
        ids = parse_original_key(upload.key)
        if ids is None:
            return Report(Outcome.IGNORED)
        user_id, job_id = ids
        try:
            # The common case costs one write: the claim's condition checks what a read would.
            job = self._jobs.claim(job_id, user_id, claim_token, iso(self._clock()))
        except TransitionRejected:
            rejected = self._rejected_claim(job_id, user_id, claim_token)
            if isinstance(rejected, Report):
                return rejected
            job = rejected
        return self._run(job, claim_token, upload.key, upload.size, deadline)

    def process_edit(self, edit: EditRequested, claim_token: str, deadline: float = math.inf) -> Report:
        """The edit's record was created PROCESSING by the api; the first delivery holds it."""
        try:
            job = self._jobs.claim_edit(edit.record_id, claim_token, iso(self._clock()))
        except TransitionRejected:
            rejected = self._rejected_claim(edit.record_id, None, claim_token)
            if isinstance(rejected, Report):
                return rejected
            job = rejected
        if job.edit_of is None:  # a job's id in an edit's message: not an edit to make
            return Report(Outcome.IGNORED, job.job_id)
        return self._run(job, claim_token, original_key(job.user_id, job.edit_of), job.content_length, deadline)

    def _run(self, job: Job, claim_token: str, source_key: str, source_size: int, deadline: float) -> Report:
        job_id = job.job_id
        if self._settings.fault_injection and job.attempts <= job.operations.inject_transient_failures:
            raise TransientError(
                f"injected transient failure {job.attempts} of {job.operations.inject_transient_failures}"
            )
        started = time.perf_counter()
        try:
            outputs, analysis, pixels = self._render(job, source_key, source_size, deadline)
        except PermanentImageError as exc:
            elapsed = _elapsed_ms(started)
            try:
                job = self._jobs.finish(
                    job_id,
                    claim_token,
                    JobStatus.FAILED,
                    iso(self._clock()),
                    [],
                    None,
                    JobError(exc.code.value, exc.message),
                    elapsed,
                )
            except TransitionRejected:
                # Deleted, or finished by another delivery, while this one rendered: as on the
                # success path, this delivery is done; a refused write is no fault to retry.
                return self._lost_job(job)
            self._publish(job)
            return Report(Outcome.FAILED, job_id, elapsed, error_code=exc.code.value)
        elapsed = _elapsed_ms(started)
        try:
            job = self._jobs.finish(
                job_id, claim_token, JobStatus.COMPLETED, iso(self._clock()), outputs, analysis, None, elapsed
            )
        except TransitionRejected:
            return self._lost_job(job)
        self._publish(job)
        return Report(Outcome.COMPLETED, job_id, elapsed, round(pixels / 1e6, 2), sum(o.bytes for o in outputs))

    def _lost_job(self, job: Job) -> Report:
        """The terminal write was refused: the job (or edit) moved on without this delivery."""
        current = self._jobs.get(job.job_id)
        if current is None or current.deleting:
            # Deleted while we rendered: what we wrote (and a job's original) has nothing to belong to.
            if job.edit_of and job.edit_id:
                self._store.delete_results(edit_result_prefix(job.user_id, job.edit_of, job.edit_id))
            else:
                self._store.delete_job_objects(
                    original_key(job.user_id, job.job_id), result_prefix(job.user_id, job.job_id)
                )
        return Report(Outcome.DUPLICATE, job.job_id)

    def _rejected_claim(self, job_id: str, user_id: str | None, claim_token: str) -> Job | Report:
        """Why the claim was refused, read only now: the resumed job, or the delivery's report.
        `user_id`: the owner the upload's key names (None for an edit: its record says)."""
        job = self._jobs.get(job_id)
        if user_id is not None and (job is None or job.deleting):
            # An original put through a still-valid URL after its job was deleted (or while it
            # is): nothing owns it, so it goes.
            self._store.delete_job_objects(original_key(user_id, job_id), result_prefix(user_id, job_id))
            return Report(Outcome.IGNORED, job_id)
        if job is None or (user_id is not None and job.user_id != user_id):
            return Report(Outcome.IGNORED, job_id)  # a deleted edit, or an object nobody asked a slot for
        if job.status.is_terminal:
            if job.event_pending and self._outbox.may_repair(job, claim_token, self._clock()):
                self._publish(job)
            return Report(Outcome.DUPLICATE, job_id)
        try:
            # A redelivery of the message that claimed the job resumes it.
            return self._jobs.resume(job_id, claim_token, iso(self._clock()))
        except TransitionRejected:
            # Another delivery holds the job (a duplicate S3 event, a client's repeated PUT):
            # this one is dropped, never retried towards abandoning a job it does not hold. If
            # the holder dies, its own redelivery resumes the job, or the sweeper fails it.
            return Report(Outcome.DUPLICATE, job_id)

    def attempt_failed(self, work: Work, claim_token: str, receives: int, reason: str) -> bool:
        """A delivery's attempt failed with a fault a retry may fix. Its last allowed attempt fails
        the job as abandoned instead of leaving it to hang (True then); earlier ones leave the job
        to the retry."""
        if receives < self._settings.max_receive_count:
            return False
        self.abandon(work, claim_token, f"Gave up after {receives} attempts: {reason}"[:500])
        return True

    def abandon(self, work: Work, claim_token: str, reason: str) -> Job | None:
        """For a delivery that exhausted its retries: the job fails instead of hanging.

        Only a job this delivery holds (or one still waiting for its upload) is failed: a
        duplicate delivery must never fail a job another delivery is processing. A finished job
        whose event is still pending (SNS was down) gets it published now.
        """
        job_id = work.job_id
        job = self._jobs.get(job_id) if job_id else None
        if job is None:
            return None
        if job.status.is_terminal:
            if job.event_pending:
                self._outbox.publish_or_leave_to_sweeper(job)
            return job
        try:
            job = self._jobs.fail_unclaimed(
                job.job_id,
                iso(self._clock()),
                JobError(ErrorCode.PROCESSING_ABANDONED.value, reason),
                held_by=claim_token,
            )
        except TransitionRejected:
            return self._jobs.get(job.job_id)
        self._outbox.publish_or_leave_to_sweeper(job)
        return job

    def _render(
        self, job: Job, source_key: str, size: int, deadline: float
    ) -> tuple[list[Output], dict[str, object], int]:
        """(outputs, analysis, pixels of the original)."""
        if size == 0:
            raise PermanentImageError(ErrorCode.EMPTY_FILE, "The uploaded file is empty.")
        # The largest any upload may be: a single PUT's length is signed at the API's smaller limit.
        largest = max(self._settings.max_upload_bytes, self._settings.max_multipart_bytes)
        if size > largest:
            raise PermanentImageError(ErrorCode.FILE_TOO_LARGE, f"The upload has {size} bytes, over the limit.")
        operations = job.operations
        request = rendering.RenderRequest(operations.variants, operations.edits, operations.analysis)
        # Streamed to a file the render reads (in a child process, deployed): the original is
        # never held whole here.
        with tempfile.NamedTemporaryFile(prefix="photopipe-original-") as original:
            with self._span("download"):
                self._store.download_original(source_key, Path(original.name), largest)
            rendered = self._renderer.render(Path(original.name), job.content_type, request, deadline)
        if job.edit_of and job.edit_id:
            prefix = edit_result_prefix(job.user_id, job.edit_of, job.edit_id)
        else:
            prefix = result_prefix(job.user_id, job.job_id)
        outputs = []
        for rendition in rendered.renditions:
            key = f"{prefix}{rendition.name}.{rendition.extension}"
            with self._span("upload"):
                self._store.write_result(key, rendition.body, rendition.content_type)
            outputs.append(
                Output(
                    rendition.name, key, rendition.width, rendition.height, rendition.content_type, len(rendition.body)
                )
            )
        return outputs, rendered.analysis, rendered.original_pixels

    def _publish(self, job: Job) -> None:
        self._outbox.publish(job)


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
