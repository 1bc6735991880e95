"""A finished job's event, published after its terminal write (an outbox on the job item).

The terminal write marks the event pending; the publish clears the mark. A crash between the
two is repaired by whoever finds the mark later: the redelivered message, the give-up path, or
the sweeper.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from photopipe.clock import from_iso
from photopipe.jobs.model import Job
from photopipe.jobs.ports import EventPublisher, JobRepository

logger = logging.getLogger(__name__)

# How long a finished job's pending event is left to the delivery that finished it before any
# other delivery publishes it instead (publishing follows the terminal write within a second).
OUTBOX_GRACE = timedelta(seconds=60)


class Outbox:
    def __init__(self, jobs: JobRepository, events: EventPublisher) -> None:
        self._jobs = jobs
        self._events = events

    def publish(self, job: Job) -> None:
        self._events.publish_job_event(job)
        self._jobs.mark_event_published(job.job_id)

    def publish_or_leave_to_sweeper(self, job: Job) -> bool:
        """False when the publish failed: the mark stays, and the sweeper tries again."""
        try:
            self.publish(job)
        except Exception:
            logger.warning("publishing a job event failed; the sweeper tries again", exc_info=True)
            return False
        return True

    @staticmethod
    def may_repair(job: Job, claim_token: str, now: datetime) -> bool:
        """Whether this delivery publishes a finished job's pending event.

        The delivery that finished the job publishes it; a redelivery of that same message
        repairs a crash between the terminal write and the publish. Any other delivery (a
        duplicate S3 event, often in the same batch) repairs only after OUTBOX_GRACE, so it does
        not announce the job a second time while the finishing delivery is still publishing.
        """
        if job.claim_token == claim_token:
            return True
        return (now - from_iso(job.updated_at)) >= OUTBOX_GRACE
