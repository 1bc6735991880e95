"""The notifier function: job events from the notify queue (raw SNS delivery), in batches.

The records of a batch are sent concurrently, one thread each: every event belongs to one
user, so one user's slow endpoints delay only that user's deliveries. Each send has a total
deadline, and a device whose send could not end before the function's own timeout is handed
back for a retry rather than timing out the batch (and everyone in it).
"""

from __future__ import annotations

import asyncio
import json
from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from photopipe import wiring
from photopipe.errors import TransientError
from photopipe.handlers import batch
from photopipe.handlers.logs import function_logger
from photopipe.jobs.events import JobEvent

logger = function_logger()
# A wholly failed batch is reported item by item, not raised: the backoff set on each message
# then holds, instead of the invocation error making every message wait its full visibility.
processor = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
# Every send ends this long before the function's timeout: the ledger writes and the visibility
# change that hand unsent devices back still fit.
_TIMEOUT_MARGIN_SECONDS = 2.0


def event_in(body: str) -> JobEvent | None:
    try:
        message = json.loads(body)
        if isinstance(message, dict) and "Message" in message and "TopicArn" in message:
            message = json.loads(message["Message"])  # an envelope, if raw delivery is off
        return JobEvent.from_message(message)
    except (ValueError, KeyError, TypeError):
        logger.warning("dropping a message that is not a job event", extra={"body": body[:500]})
        return None


def record_handler(record: SQSRecord, deadline: float | None = None) -> None:
    event = event_in(record.body)
    if event is None:
        return
    try:
        sent = wiring.notification_service().notify(event, deadline)
    except Exception as exc:
        at_least = exc.retry_after_seconds if isinstance(exc, TransientError) else 0
        receives = batch.retry_later(record, at_least)
        logger.warning(
            "notification failed; SQS will deliver the event again (then its DLQ)",
            extra={"jobId": event.job_id, "receives": receives, "error": f"{type(exc).__name__}: {exc}"},
        )
        raise
    logger.info("notified devices", extra={"jobId": event.job_id, "sent": sent})


async def async_record_handler(record: SQSRecord, deadline: float) -> None:
    await asyncio.to_thread(record_handler, record, deadline)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    deadline = batch.invocation_deadline(context, _TIMEOUT_MARGIN_SECONDS)
    return async_process_partial_response(
        event=event,
        record_handler=partial(async_record_handler, deadline=deadline),
        processor=processor,
        context=context,
    )
