"""The sweeper function, on a schedule: what a dead worker process or an SNS outage left behind.

- Events still pending on finished jobs (SNS refused every try of the finishing delivery) are
  published; a job whose publish fails again is skipped and tried on the next run.
- Jobs left PROCESSING: the worker fails a job itself on its last allowed attempt; only a
  process killed outright on that attempt cannot, and its message goes to the dead-letter queue
  with the job still PROCESSING. A job untouched for longer than any retry waits
  (STALLED_AFTER_SECONDS) is such a job: it ends FAILED with PROCESSING_ABANDONED. While the
  jobs queue has a backlog, a message may wait longer than that for a consumer and its job is
  alive: then only jobs no message can still resume are failed (their last allowed attempt
  made, or untouched for longer than SQS keeps a message).
- Jobs still waiting for their photo past the upload window and the same grace: failed with
  UPLOAD_ABANDONED (no photo) or PROCESSING_ABANDONED (a photo no delivery ever claimed).
- Cached delivery renders past their lifetime, where no lifecycle rule deletes them (emulators).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from photopipe import wiring
from photopipe.adapters.sqs import waiting_messages
from photopipe.clock import utc_now
from photopipe.config import get_settings
from photopipe.handlers.logs import function_logger
from photopipe.jobs.outbox import OUTBOX_GRACE
from photopipe.jobs.sweeping import Backlog

logger = function_logger()
metrics = Metrics(namespace="photopipe")
# Per run; more wait for the next one, minutes later.
SWEEP_LIMIT = 100
RENDERS_EXPIRED_PER_RUN = 5000


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    service = wiring.sweep_service()
    published, skipped = service.publish_pending(OUTBOX_GRACE, SWEEP_LIMIT)
    metrics.add_metric("PendingEventsPublished", MetricUnit.Count, len(published))
    metrics.add_metric("PendingEventsSkipped", MetricUnit.Count, len(skipped))
    waiting = waiting_messages(settings.jobs_queue_name) if settings.jobs_queue_name else 0
    backlog = (
        Backlog(settings.max_receive_count, timedelta(seconds=settings.jobs_message_retention_seconds))
        if waiting
        else None
    )
    if backlog:
        logger.info("jobs queue has a backlog; only jobs it cannot resume are failed", extra={"waiting": waiting})
    abandoned = service.abandon_stalled(timedelta(seconds=settings.stalled_after_seconds), SWEEP_LIMIT, backlog)
    for job in abandoned:
        logger.warning("failed a stalled job", extra={"jobId": job.job_id, "updatedAt": job.updated_at})
    metrics.add_metric("JobsAbandoned", MetricUnit.Count, len(abandoned))
    # An upload window, then the grace a queued message may wait for a consumer.
    waited = timedelta(seconds=settings.upload_url_ttl_seconds + settings.stalled_after_seconds)
    unfinished = service.end_unfinished_uploads(waited, SWEEP_LIMIT, backlog)
    # Uploads in parts have their own window (hours): their parts are aborted with the job.
    waited_for_parts = timedelta(seconds=settings.multipart_window_seconds + settings.stalled_after_seconds)
    unfinished += service.end_unfinished_uploads(waited_for_parts, SWEEP_LIMIT, backlog, multipart=True)
    for job in unfinished:
        logger.warning(
            "ended a job still waiting for its photo", extra={"jobId": job.job_id, "code": job.error and job.error.code}
        )
    metrics.add_metric("UploadsAbandoned", MetricUnit.Count, len(unfinished))
    renders_expired = 0
    if settings.sweep_renders_after_days:
        cutoff = utc_now() - timedelta(days=settings.sweep_renders_after_days)
        renders_expired = wiring.object_store().expire_renders(cutoff, RENDERS_EXPIRED_PER_RUN)
    summary = {
        "abandoned": [job.job_id for job in abandoned],
        "uploadsEnded": [job.job_id for job in unfinished],
        "published": [job.job_id for job in published],
        "skipped": skipped,
        "backlog": waiting,
        "rendersExpired": renders_expired,
    }
    logger.info(
        "swept", extra={key: len(value) if isinstance(value, list) else value for key, value in summary.items()}
    )
    return summary
