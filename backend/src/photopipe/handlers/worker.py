"""The worker function: S3 ObjectCreated notifications from the jobs queue, in batches.

Each record succeeds or fails alone (ReportBatchItemFailures). Permanent image problems end
the job FAILED inside the domain and the record succeeds; transient faults fail the record so
SQS delivers it again. On its last allowed delivery a failing record fails the job with
PROCESSING_ABANDONED before the message moves to the dead-letter queue.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from photopipe.adapters import factory
from photopipe.config import get_settings
from photopipe.jobs.processing import UploadedObject

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)


def uploads_in(body: str) -> list[UploadedObject]:
    """The objects an S3 notification announces; [] for s3:TestEvent and anything unparseable."""
    try:
        message = json.loads(body)
    except ValueError:
        logger.warning("dropping a message that is not JSON")
        return []
    if not isinstance(message, dict) or message.get("Event") == "s3:TestEvent":
        return []
    uploads = []
    for record in message.get("Records", []):
        try:
            s3 = record["s3"]
            uploads.append(
                UploadedObject(
                    bucket=s3["bucket"]["name"],
                    key=unquote_plus(s3["object"]["key"]),  # keys arrive URL-encoded
                    size=int(s3["object"].get("size", 0)),
                    etag=str(s3["object"].get("eTag", "")),
                )
            )
        except (KeyError, TypeError, ValueError):
            logger.warning("dropping a malformed S3 record", extra={"record": str(record)[:500]})
    return uploads


def record_handler(record: SQSRecord) -> None:
    service = factory.processing_service()
    for upload in uploads_in(record.body):
        try:
            outcome = service.process(upload, claim_token=record.message_id)
        except Exception as exc:
            receives = int(record.attributes.approximate_receive_count or "1")
            if receives >= get_settings().max_receive_count:
                service.abandon(upload, f"Gave up after {receives} attempts: {type(exc).__name__}: {exc}"[:500])
            logger.warning(
                "processing failed; SQS will retry",
                extra={"key": upload.key, "receives": receives, "error": f"{type(exc).__name__}: {exc}"},
            )
            raise
        logger.info("processed upload", extra={"key": upload.key, "outcome": outcome.value})


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
