"""What the worker and the notifier share about an SQS batch: the invocation's deadline, a
record's receive count, and handing a failed record back to its queue after a backoff."""

from __future__ import annotations

import time

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from photopipe.adapters import sqs


def invocation_deadline(context: LambdaContext, margin_seconds: float) -> float:
    """When this invocation's records must be given up (time.monotonic): the function's timeout
    less a margin for the writes that record what happened."""
    return time.monotonic() + context.get_remaining_time_in_millis() / 1000 - margin_seconds


def receive_count(record: SQSRecord) -> int:
    return int(record.attributes.approximate_receive_count or "1")


def retry_later(record: SQSRecord, at_least_seconds: int = 0) -> int:
    """The record comes back after a backoff that grows with its receives (from the last allowed
    one it goes to the dead-letter queue). Returns its receive count."""
    receives = receive_count(record)
    sqs.retry_later(record.event_source_arn, record.receipt_handle, receives, at_least_seconds)
    return receives
