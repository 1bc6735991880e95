"""A finished job's event, published after its terminal write (an outbox on the job item).

The terminal write marks the event pending; the publish clears the mark. A crash between the
two is repaired by whoever finds the mark later: the redelivered message, the give-up path, or
the sweeper.
"""

from __future__ import annotations

import logging

from photopipe.jobs.model import Job
from photopipe.jobs.ports import EventPublisher, JobRepository

logger = logging.getLogger(__name__)


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
