"""The notifier function: job events from the notify queue (raw SNS delivery), in batches."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from photopipe.adapters import factory
from photopipe.adapters.sqs_retry import retry_later
from photopipe.errors import TransientError
from photopipe.jobs.events import JobEvent

logger = Logger()
# A wholly failed batch is reported item by item, not raised: the backoff set on each message
# then holds, instead of the invocation error making every message wait its full visibility.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def event_in(body: str) -> JobEvent | None:
    try:
        message = json.loads(body)
        if isinstance(message, dict) and "Message" in message and "TopicArn" in message:
            message = json.loads(message["Message"])  # an envelope, if raw delivery is off
        return JobEvent.from_message(message)
    except (ValueError, KeyError, TypeError):
        logger.warning("dropping a message that is not a job event", extra={"body": body[:500]})
        return None


def record_handler(record: SQSRecord) -> None:
    event = event_in(record.body)
    if event is None:
        return
    try:
        sent = factory.notification_service().notify(event)
    except Exception as exc:
        receives = int(record.attributes.approximate_receive_count or "1")
        at_least = exc.retry_after_seconds if isinstance(exc, TransientError) else 0
        retry_later(record.event_source_arn, record.receipt_handle, receives, at_least)
        logger.warning(
            "notification failed; SQS will deliver the event again (then its DLQ)",
            extra={"jobId": event.job_id, "receives": receives, "error": f"{type(exc).__name__}: {exc}"},
        )
        raise
    logger.info("notified devices", extra={"jobId": event.job_id, "sent": sent})


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
