"""What the sweeper does on its schedule: ends what every retry and every message left behind.

- Events still pending on finished jobs (SNS refused every try of the finishing delivery) are
  published; a job whose publish fails again is skipped and tried on the next run.
- Jobs left PROCESSING whose last attempt died without a word (a process killed outright) are
  failed with PROCESSING_ABANDONED once no delivery has touched them for longer than any retry
  waits.
- Jobs still PENDING_UPLOAD past their upload window and a grace: UPLOAD_ABANDONED when the photo
  never arrived; PROCESSING_ABANDONED when it did but no delivery ever claimed the job (the
  worker failed at start, or its messages went to the dead-letter queue unclaimed).

While the jobs queue has a backlog, a message that would resume a job may still be waiting for
a consumer: each job is then judged on its own (`Backlog.may_hold`), so a busy queue delays
only the jobs it may still hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from photopipe.clock import from_iso, iso, utc_now
from photopipe.errors import ErrorCode
from photopipe.jobs.model import Job, JobError, original_key
from photopipe.jobs.outbox import Outbox
from photopipe.jobs.ports import EventPublisher, JobRepository, ObjectStore, TransitionRejected, WorkQueue


@dataclass(frozen=True)
class Backlog:
    """The jobs queue has messages waiting for a consumer: a job's own may be among them."""

    max_receive_count: int
    message_retention: timedelta

    def may_hold(self, job: Job, now: datetime) -> bool:
        """Whether a message that would resume `job` may still be waiting. Not once its last
        allowed attempt was made (SQS receives a message no more often than that; a process
        killed outright on that attempt is what the sweeper is for), nor once the job has been
        untouched for longer than SQS keeps a message."""
        if job.attempts >= self.max_receive_count:
            return False
        return from_iso(job.updated_at) > now - self.message_retention


class SweepService:
    def __init__(
        self,
        jobs: JobRepository,
        events: EventPublisher,
        store: ObjectStore | None = None,
        clock: Callable[[], datetime] = utc_now,
        queue: WorkQueue | None = None,
    ) -> None:
        self._jobs = jobs
        self._store = store
        self._queue = queue  # where a photo no delivery claimed is queued again, once
        self._outbox = Outbox(jobs, events)
        self._clock = clock

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
            if self._outbox.publish_or_leave_to_sweeper(job):
                published.append(job)
            else:
                skipped.append(job_id)
        return published, skipped

    def abandon_stalled(self, stalled_after: timedelta, limit: int, backlog: Backlog | None = None) -> list[Job]:
        """Fails the jobs no delivery has touched for longer than any retry waits.

        Such a job's last attempt died without a word (its process killed, out of memory say),
        so the worker never recorded the failure and the message went to the dead-letter queue:
        without this the job would stay PROCESSING. The write is conditional on the job being
        still untouched, so a delivery that resumes it meanwhile wins. With a backlog, a job
        whose message may still be waiting is left to it.
        """
        now = self._clock()
        cutoff = iso(now - stalled_after)
        reason = JobError(
            ErrorCode.PROCESSING_ABANDONED.value,
            f"No attempt finished or retried within {int(stalled_after.total_seconds())} s; the last one stopped.",
        )
        failed = []
        for job_id in self._jobs.stalled(cutoff, limit):
            if backlog is not None:
                job = self._jobs.get(job_id)
                if job is None or backlog.may_hold(job, now):
                    continue
            failed.append(self._fail(job_id, reason, updated_before=cutoff))
        return [job for job in failed if job is not None]

    def end_unfinished_uploads(
        self, waited: timedelta, limit: int, backlog: Backlog | None = None, multipart: bool = False
    ) -> list[Job]:
        """Fails the jobs still waiting for their photo `waited` after they were created: those
        uploading in one PUT, or (multipart) in parts, whose unfinished upload is aborted too.

        A photo that never arrived: UPLOAD_ABANDONED. One that arrived but was never claimed is
        queued again, once, and waits again; then PROCESSING_ABANDONED. Neither while the jobs
        queue has a backlog that may hold its message. Each write is conditional on the job
        still waiting.
        """
        if self._store is None:
            return []
        now = self._clock()
        cutoff = iso(now - waited)
        ended = []
        for job_id in self._jobs.awaiting_upload(cutoff, limit, multipart):
            waiting = self._jobs.get(job_id)
            if waiting is None:
                continue
            key = original_key(waiting.user_id, job_id)
            arrived = self._store.original_arrived(key)
            if arrived and backlog is not None and backlog.may_hold(waiting, now):
                continue
            if arrived and waiting.requeued_at is None and self._queue is not None:
                # Its event was lost, or its deliveries all died before a claim: once more,
                # with a whole wait of its own (marked first, so two sweeps send one message).
                try:
                    self._jobs.mark_requeued(job_id, iso(self._clock()))
                except TransitionRejected:
                    continue
                self._queue.send_upload(key, waiting.content_length)
                continue
            reason = (
                JobError(
                    ErrorCode.PROCESSING_ABANDONED.value,
                    f"The photo arrived but no attempt took the job up within {int(waited.total_seconds())} s.",
                )
                if arrived
                else JobError(
                    ErrorCode.UPLOAD_ABANDONED.value,
                    f"No photo arrived within {int(waited.total_seconds())} s of the job's creation.",
                )
            )
            job = self._fail(job_id, reason, waiting_since_before=cutoff)
            if job is not None:
                if job.upload_id and not arrived:
                    self._store.abort_multipart(original_key(job.user_id, job_id), job.upload_id)
                ended.append(job)
        return ended

    def _fail(self, job_id: str, reason: JobError, **still: str) -> Job | None:
        """Fails the job if it is still as `still` says (fail_unclaimed's condition), then
        announces it; None when a delivery finished, resumed or claimed it since the index was read."""
        try:
            job = self._jobs.fail_unclaimed(job_id, iso(self._clock()), reason, **still)
        except TransitionRejected:
            return None
        self._outbox.publish_or_leave_to_sweeper(job)
        return job
