"""What the worker does with one uploaded original: claim the job, process, finish, announce.

Every state change is a conditional write, so a duplicate or late delivery never moves a job
back or processes it twice. The terminal write marks the job's event as pending and the event
is published after it (an outbox on the job item): a crash between the two is repaired by the
redelivered message, and the notifier's ledger absorbs the rare second publish.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from PIL import Image

from photopipe.config import Settings
from photopipe.errors import ErrorCode, PermanentImageError, TransientError
from photopipe.images import budget, crop, engine, placeholder
from photopipe.jobs.model import (
    SRGB_COLOR_SPACE,
    Job,
    JobError,
    JobStatus,
    Output,
    parse_original_key,
    result_prefix,
)
from photopipe.jobs.ports import EventPublisher, JobRepository, ObjectStore, TransitionRejected
from photopipe.jobs.service import iso, utc_now
from photopipe.providers.base import Provider

logger = logging.getLogger(__name__)

# How long a finished job's pending event is left to the delivery that finished it before any
# other delivery publishes it instead (publishing follows the terminal write within a second).
OUTBOX_GRACE = timedelta(seconds=60)
# Without analysis only the placeholder is made from the preview: a small one will do.
_PLACEHOLDER_PREVIEW_SIDE = 64


@dataclass(frozen=True)
class UploadedObject:
    bucket: str
    key: str
    size: int
    etag: str


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


Span = Callable[[str], AbstractContextManager[object]]


def no_span(name: str) -> AbstractContextManager[object]:
    return nullcontext()


class ProcessingService:
    def __init__(
        self,
        settings: Settings,
        jobs: JobRepository,
        store: ObjectStore,
        events: EventPublisher,
        provider: Provider,
        clock: Callable[[], datetime] = utc_now,
        span: Span = no_span,
        memory: budget.MemoryBudget | None = None,
    ) -> None:
        self._settings = settings
        self._jobs = jobs
        self._store = store
        self._events = events
        self._provider = provider
        self._clock = clock
        self._span = span  # tracing hook: a context manager per named step
        # Shared by every record of the process: records are admitted by their estimated bytes.
        self._memory = memory or budget.budget_for_function(settings.function_memory_mb)

    def process(self, upload: UploadedObject, claim_token: str) -> Report:
        """claim_token identifies this delivery: a retry of it may resume, a duplicate may not."""
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

        if self._settings.fault_injection and job.attempts <= job.operations.inject_transient_failures:
            raise TransientError(
                f"injected transient failure {job.attempts} of {job.operations.inject_transient_failures}"
            )
        started = time.perf_counter()
        try:
            outputs, analysis, pixels = self._render(job, upload)
        except PermanentImageError as exc:
            elapsed = _elapsed_ms(started)
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
            self._publish(job)
            return Report(Outcome.FAILED, job_id, elapsed, error_code=exc.code.value)
        elapsed = _elapsed_ms(started)
        try:
            job = self._jobs.finish(
                job_id, claim_token, JobStatus.COMPLETED, iso(self._clock()), outputs, analysis, None, elapsed
            )
        except TransitionRejected:
            if self._jobs.get(job_id) is None:
                # Deleted while we rendered: what we wrote has no job to belong to.
                self._store.delete_job_objects(upload.key, result_prefix(user_id, job_id))
            return Report(Outcome.DUPLICATE, job_id)
        self._publish(job)
        return Report(Outcome.COMPLETED, job_id, elapsed, round(pixels / 1e6, 2), sum(o.bytes for o in outputs))

    def _rejected_claim(self, job_id: str, user_id: str, claim_token: str) -> Job | Report:
        """Why the claim was refused, read only now: the resumed job, or the delivery's report."""
        job = self._jobs.get(job_id)
        if job is None or job.user_id != user_id:
            return Report(Outcome.IGNORED, job_id)  # deleted, or an object nobody asked a slot for
        if job.status.is_terminal:
            if job.event_pending and self._may_repair_outbox(job, claim_token):
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

    def abandon(self, upload: UploadedObject, claim_token: str, reason: str) -> Job | None:
        """For a delivery that exhausted its retries: the job fails instead of hanging.

        Only a job this delivery holds (or one still waiting for its upload) is failed: a
        duplicate delivery must never fail a job another delivery is processing. A finished job
        whose event is still pending (SNS was down) gets it published now.
        """
        ids = parse_original_key(upload.key)
        if ids is None:
            return None
        job = self._jobs.get(ids[1])
        if job is None:
            return None
        if job.status.is_terminal:
            if job.event_pending:
                self._publish_or_leave_to_sweeper(job)
            return job
        try:
            job = self._jobs.fail_unclaimed(
                job.job_id,
                iso(self._clock()),
                JobError(ErrorCode.PROCESSING_ABANDONED.value, reason),
                held_by=claim_token,
            )
        except TransitionRejected:
            return self._jobs.get(ids[1])
        self._publish_or_leave_to_sweeper(job)
        return job

    def publish_pending(self, finished_before: timedelta, limit: int) -> tuple[list[Job], list[str]]:
        """Publishes the events of finished jobs that stayed pending (SNS failed on every try).

        Returns (published, skipped): a job whose publish fails again is skipped, not the run.
        Only jobs finished longer than finished_before ago: the finishing delivery publishes
        within a second, and the notifier's ledger absorbs a second publish anyway.
        """
        cutoff = iso(self._clock() - finished_before)
        published, skipped = [], []
        for job_id in self._jobs.pending_events(cutoff, limit):
            job = self._jobs.get(job_id)
            if job is None or not job.event_pending:
                continue
            if self._publish_or_leave_to_sweeper(job):
                published.append(job)
            else:
                skipped.append(job_id)
        return published, skipped

    def _publish_or_leave_to_sweeper(self, job: Job) -> bool:
        try:
            self._publish(job)
        except Exception:
            logger.warning("publishing a job event failed; the sweeper tries again", exc_info=True)
            return False
        return True

    def abandon_stalled(self, stalled_after: timedelta, limit: int) -> list[Job]:
        """Fails the jobs no delivery has touched for longer than any retry waits.

        Such a job's last attempt died without a word (its process killed, out of memory say),
        so the worker never recorded the failure and the message went to the dead-letter queue:
        without this the job would stay PROCESSING. The write is conditional on the job being
        still untouched, so a delivery that resumes it meanwhile wins.
        """
        cutoff = iso(self._clock() - stalled_after)
        reason = JobError(
            ErrorCode.PROCESSING_ABANDONED.value,
            f"No attempt finished or retried within {int(stalled_after.total_seconds())} s; the last one stopped.",
        )
        abandoned = []
        for job_id in self._jobs.stalled(cutoff, limit):
            try:
                job = self._jobs.fail_unclaimed(job_id, iso(self._clock()), reason, updated_before=cutoff)
            except TransitionRejected:
                continue  # finished, or resumed, since the index was read
            self._publish_or_leave_to_sweeper(job)
            abandoned.append(job)
        return abandoned

    def _render(self, job: Job, upload: UploadedObject) -> tuple[list[Output], dict[str, object], int]:
        """(outputs, analysis, pixels of the original)."""
        if upload.size == 0:
            raise PermanentImageError(ErrorCode.EMPTY_FILE, "The uploaded file is empty.")
        if upload.size > self._settings.max_upload_bytes:
            raise PermanentImageError(ErrorCode.FILE_TOO_LARGE, f"The upload has {upload.size} bytes, over the limit.")
        with self._span("download"):
            data = self._store.read_original(upload.key, self._settings.max_upload_bytes)
        variants = job.operations.variants
        edits = job.operations.edits
        opened = engine.open_upload(data, job.content_type, self._settings.max_image_pixels)
        # Draft mode decodes JPEGs at a reduced scale; edits take coordinates in the original's
        # pixels, so a job with edits decodes at full size. What is decoded, or made by an
        # edit, must stay within the lower limit for whole images (the decoded size is the
        # full size where the decoder cannot scale down).
        largest, shortest = (None, 0) if edits else self._decode_target(job)
        converted = [v.max_size for v in variants if v.color_space == SRGB_COLOR_SPACE]
        need = budget.estimate(
            engine.decoded_size(opened, largest, shortest),
            opened.image.mode,
            edits,
            len(data),
            max(converted) if converted and engine.has_colour_profile(opened) else None,
        )
        if need.largest_pixels > self._settings.max_full_decode_pixels:
            raise PermanentImageError(
                ErrorCode.PIXEL_LIMIT_EXCEEDED,
                f"Processing this image would hold {need.largest_pixels} pixels decoded at once "
                f"(the {opened.width}x{opened.height} original at the size decoding or an edit makes); "
                f"the limit is {self._settings.max_full_decode_pixels}.",
            )
        with self._memory.reserve(need.peak_bytes):
            return self._render_within_budget(job, opened, largest, shortest)

    def _decode_target(self, job: Job) -> tuple[int | None, int]:
        """What the decoded image's longer and shorter sides must cover: every variant, and the
        preview analysis reads (a box variant is cropped, so both its sides are needed)."""
        variants = job.operations.variants
        preview = self._provider.preview_side if job.operations.analysis else _PLACEHOLDER_PREVIEW_SIDE
        longest = max([v.max_size for v in variants] + [preview])
        shortest = max((max(v.box) for v in variants if v.box), default=0)
        return longest, shortest

    def _render_within_budget(
        self, job: Job, opened: engine.OpenedImage, largest: int | None, shortest: int
    ) -> tuple[list[Output], dict[str, object], int]:
        with self._span("decode"):
            decoded = engine.decode_opened(opened, largest, shortest)
        with self._span("analyse"):
            analysis = self._describe(decoded, job.operations.analysis)
        image = decoded.image
        faces = _face_boxes(analysis)
        with self._span("edit"):
            for index, spec in enumerate(job.operations.edits):
                if spec.get("op") == "crop" and spec.get("focus"):
                    spec = _placed_crop(image, spec, faces)
                image = self._provider.edit(image, spec)
                if spec.get("op") not in _FRAME_KEEPING_EDITS:
                    faces = []  # the boxes were ratios of a frame this edit moved
                # The estimate was made from the specs; what an edit really made is checked too
                # (an AI edit's size is the endpoint's choice).
                engine.check_pixels(
                    image.width, image.height, self._settings.max_full_decode_pixels, f"Edit {index + 1}'s result"
                )
        prefix = result_prefix(job.user_id, job.job_id)
        outputs = []
        with self._span("render"):
            renditions = engine.render_variants(image, job.operations.variants, decoded.profile, faces)
        for rendition in renditions:
            key = f"{prefix}{rendition.name}.{rendition.extension}"
            with self._span("upload"):
                self._store.write_result(key, rendition.body, rendition.content_type)
            outputs.append(
                Output(
                    rendition.name, key, rendition.width, rendition.height, rendition.content_type, len(rendition.body)
                )
            )
        return outputs, analysis, decoded.original_width * decoded.original_height

    def _describe(self, decoded: engine.DecodedImage, run_provider: bool) -> dict[str, object]:
        """What every COMPLETED job says about its photo; the provider's part when asked for."""
        side = self._provider.preview_side if run_provider else _PLACEHOLDER_PREVIEW_SIDE
        preview = engine.preview(decoded, side)
        analysis: dict[str, object] = dict(self._provider.analyse(preview)) if run_provider else {}
        if run_provider:
            analysis["smartCrop"] = crop.smart_square(preview, _face_boxes(analysis))
        analysis.update(
            width=decoded.original_width,
            height=decoded.original_height,
            sourceFormat=decoded.source_format.content_type,
            placeholder=placeholder.placeholders(preview),
            **decoded.capture.as_analysis(self._settings.expose_location),
        )
        return analysis

    def _publish(self, job: Job) -> None:
        self._events.publish_job_event(job)
        self._jobs.mark_event_published(job.job_id)

    def _may_repair_outbox(self, job: Job, claim_token: str) -> bool:
        """Whether this delivery publishes a finished job's pending event.

        The delivery that finished the job publishes it; a redelivery of that same message
        repairs a crash between the terminal write and the publish. Any other delivery (a
        duplicate S3 event, often in the same batch) repairs only after OUTBOX_GRACE, so it does
        not announce the job a second time while the finishing delivery is still publishing.
        """
        if job.claim_token == claim_token:
            return True
        finished = datetime.fromisoformat(job.updated_at.replace("Z", "+00:00"))
        return (self._clock() - finished).total_seconds() >= OUTBOX_GRACE.total_seconds()


# Edits after which face boxes (ratios of the frame) still mark the faces.
_FRAME_KEEPING_EDITS = frozenset({"grayscale", "autocontrast", "blur", "sharpen", "watermark"})


def _face_boxes(analysis: dict[str, object]) -> list[dict[str, float]]:
    faces = analysis.get("faces")
    if not isinstance(faces, list):
        return []
    return [face["box"] for face in faces if isinstance(face, dict) and isinstance(face.get("box"), dict)]


def _placed_crop(image: Image.Image, spec: dict[str, Any], faces: list[dict[str, float]]) -> dict[str, Any]:
    """A crop given a focus instead of left/top, as the explicit crop the edit applies."""
    window = (min(int(spec["width"]), image.width), min(int(spec["height"]), image.height))
    left, top, _, _ = crop.window_box(image, window, str(spec["focus"]), faces)
    placed = {k: v for k, v in spec.items() if k != "focus"}
    placed.update(left=round(left), top=round(top))
    return placed


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
