"""The sweeper function, on a schedule: fails the jobs a dead worker process left PROCESSING.

The worker fails a job itself on its last allowed attempt; only a process killed outright on
that attempt cannot, and its message goes to the dead-letter queue with the job still
PROCESSING. A job untouched for longer than any retry waits (STALLED_AFTER_SECONDS) is such a
job: it ends FAILED with PROCESSING_ABANDONED and its event goes out like any other.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from photopipe.adapters import factory
from photopipe.config import get_settings

logger = Logger()
metrics = Metrics(namespace="photopipe")
# Per run; more wait for the next one, minutes later.
SWEEP_LIMIT = 100


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, list[str]]:
    stalled_after = timedelta(seconds=get_settings().stalled_after_seconds)
    abandoned = factory.processing_service().abandon_stalled(stalled_after, SWEEP_LIMIT)
    for job in abandoned:
        logger.warning("failed a stalled job", extra={"jobId": job.job_id, "updatedAt": job.updated_at})
    metrics.add_metric("JobsAbandoned", MetricUnit.Count, len(abandoned))
    return {"abandoned": [job.job_id for job in abandoned]}
