"""The worker function: S3 ObjectCreated notifications, and edits the api queued, from the jobs
queue, in batches.

Each record succeeds or fails alone (ReportBatchItemFailures). Permanent image problems end
the job FAILED inside the domain and the record succeeds; transient faults fail the record so
SQS delivers it again, after an exponential backoff. On its last allowed delivery a failing
record fails the job with PROCESSING_ABANDONED before the message moves to the dead-letter queue.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.s3_event import S3Event
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from photopipe import wiring
from photopipe.adapters.sqs import EDIT_MESSAGE_KEY, REQUEUED_UPLOAD_KEY
from photopipe.config import get_settings
from photopipe.errors import DeploymentFault
from photopipe.handlers import batch
from photopipe.handlers.logs import function_logger
from photopipe.images.rendering import Span
from photopipe.jobs.work import EditRequested, Outcome, Report, UploadedObject, Work

Handler = Callable[[dict[str, Any], LambdaContext], PartialItemFailureResponse]
logger = function_logger()
metrics = Metrics(namespace="photopipe")

if get_settings().tracing_enabled:
    # The X-Ray SDK takes ~190 ms to import, even when Powertools' tracing is switched off.
    from aws_lambda_powertools import Tracer

    tracer = Tracer()
    step_span: Span | None = tracer.provider.in_subsegment
    traced: Callable[[Handler], Handler] = tracer.capture_lambda_handler(capture_response=False)
else:
    step_span = None

    def traced(handler: Handler) -> Handler:
        return handler


# A wholly failed batch is reported item by item, not raised: the backoff set on each message
# then holds, instead of the invocation error making every message wait its full visibility.
processor = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
# Records of a batch run concurrently in threads: each downloads its original, hands it to a
# render child (render_children of them render at once, on every core) and uploads the results.
_slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
# Records are given up this long before the function's timeout: the conditional write and the
# visibility change that record the failure still fit.
_TIMEOUT_MARGIN_SECONDS = 3.0


async def async_record_handler(record: SQSRecord, deadline: float) -> None:
    # One semaphore per event loop: each invocation runs a loop of its own.
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        _slots.clear()
        slots = _slots[loop] = asyncio.Semaphore(get_settings().worker_concurrency)
    async with slots:
        try:
            await asyncio.wait_for(
                asyncio.to_thread(record_handler, record, deadline), timeout=deadline - time.monotonic()
            )
        except TimeoutError:
            # The function is about to be stopped mid-record. Fail the attempt now, so the last
            # one still ends the job as abandoned instead of leaving it PROCESSING. The thread
            # runs on; its terminal write then meets a job that moved on and is refused.
            for work in work_in(record.body):
                give_up_or_retry(record, work, "the attempt ran out of time")
            raise


def work_in(body: str) -> list[Work]:
    """The edit a message of the api asks for, the photo the sweeper queued again, or the objects
    an S3 notification announces; [] for s3:TestEvent and anything unparseable.

    Read through Powertools' S3Event data class, not its pydantic S3Model: the same fields,
    without ~100 ms of model building in every cold start."""
    try:
        message = json.loads(body)
        if isinstance(message, dict) and message.get("Event") == "s3:TestEvent":
            return []
        if isinstance(message, dict) and isinstance(message.get(EDIT_MESSAGE_KEY), str):
            return [EditRequested(message[EDIT_MESSAGE_KEY])]
        if isinstance(message, dict) and isinstance(requeued := message.get(REQUEUED_UPLOAD_KEY), dict):
            return [UploadedObject("", str(requeued["key"]), int(requeued["size"]), "")]
        return [
            UploadedObject(
                bucket=str(record.s3.bucket.name),
                key=unquote_plus(str(record.s3.get_object.key)),  # keys arrive URL-encoded
                size=int(record.s3.get_object.get("size") or 0),
                etag=str(record.s3.get_object.etag),
            )
            for record in S3Event(message).records
        ]
    except (ValueError, TypeError, AttributeError, KeyError):
        logger.warning("dropping a message that is neither an edit nor an S3 notification", extra={"body": body[:300]})
        return []


def subject_of(work: Work) -> str:
    """What a log line names: the upload's key, or the edit's record id."""
    return work.key if isinstance(work, UploadedObject) else work.record_id


def give_up_or_retry(record: SQSRecord, work: Work, reason: str, deployment_fault: bool = False) -> None:
    """A failed attempt: the domain decides whether it was the last (the job then fails as
    abandoned); the message comes back after a backoff either way (from the last, to the DLQ)."""
    receives = batch.receive_count(record)
    if deployment_fault:
        metrics.add_metric("DeploymentFaults", MetricUnit.Count, 1)
    if wiring.processing_service().attempt_failed(work, record.message_id, receives, reason):
        metrics.add_metric("JobsAbandoned", MetricUnit.Count, 1)
    batch.retry_later(record)
    logger.warning(
        "processing failed; SQS will deliver the message again",
        extra={"key": subject_of(work), "receives": receives, "error": reason},
    )


def record_metrics(report: Report) -> None:
    if report.outcome in (Outcome.COMPLETED, Outcome.FAILED) and report.processing_ms is not None:
        metrics.add_metric("ProcessingTime", MetricUnit.Milliseconds, report.processing_ms)
    if report.outcome is Outcome.COMPLETED:
        metrics.add_metric("JobsCompleted", MetricUnit.Count, 1)
        metrics.add_metric("InputMegapixels", MetricUnit.Count, report.input_megapixels or 0)
        metrics.add_metric("OutputBytes", MetricUnit.Bytes, report.output_bytes)
    elif report.outcome is Outcome.FAILED:
        # One metric per code keeps the EMF document single-dimensioned and cheap to alarm on.
        metrics.add_metric(f"JobsFailed.{report.error_code}", MetricUnit.Count, 1)
    elif report.outcome is Outcome.DUPLICATE:
        metrics.add_metric("DuplicateDeliveries", MetricUnit.Count, 1)


def record_handler(record: SQSRecord, deadline: float = math.inf) -> None:
    """`deadline`: when the invocation's records must be given up (time.monotonic())."""
    works = work_in(record.body)
    if not works:  # S3's test event: no clients, no render children for a message with no work
        return
    service = wiring.processing_service(step_span)
    for work in works:
        try:
            if isinstance(work, EditRequested):
                report = service.process_edit(work, claim_token=record.message_id, deadline=deadline)
            else:
                report = service.process(work, claim_token=record.message_id, deadline=deadline)
        except Exception as exc:
            give_up_or_retry(record, work, f"{type(exc).__name__}: {exc}", isinstance(exc, DeploymentFault))
            raise
        record_metrics(report)
        logger.info(
            "processed",
            extra={"key": subject_of(work), "outcome": report.outcome.value, "processingMs": report.processing_ms},
        )


@traced
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    deadline = batch.invocation_deadline(context, _TIMEOUT_MARGIN_SECONDS)
    return async_process_partial_response(
        event=event,
        record_handler=partial(async_record_handler, deadline=deadline),
        processor=processor,
        context=context,
    )
