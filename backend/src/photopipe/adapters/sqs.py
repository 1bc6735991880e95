"""What the functions ask of SQS themselves (the event source mappings do the rest).

- A failed record's retry with exponential backoff: its visibility is shortened, so it comes
  back after 2, 4, 8 ... seconds instead of the queue's full visibility timeout (6x the function
  timeout), and the DLQ is reached in seconds.
- How many messages wait in a queue: the sweeper holds off while the jobs queue has a backlog.
- An edit asked after upload, sent by the api to the jobs queue beside S3's notifications.
"""

from __future__ import annotations

import json
import logging
from functools import cache

from botocore.exceptions import BotoCoreError, ClientError

from photopipe.adapters.aws import client
from photopipe.config import get_settings

logger = logging.getLogger(__name__)


@cache
def _queue_url_of_arn(queue_arn: str) -> str:
    # arn:aws:sqs:<region>:<account>:<name>
    _, _, _, _, account, name = queue_arn.split(":", 5)
    url: str = client("sqs").get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    return url


def backoff_seconds(receive_count: int, base: int, ceiling: int) -> int:
    return int(min(ceiling, base * 2 ** max(0, receive_count - 1)))


def retry_later(queue_arn: str, receipt_handle: str, receive_count: int, at_least_seconds: int = 0) -> None:
    """Makes a failed message visible again after the backoff for its receive count.

    Also after the last allowed attempt: the next receive is what moves it to the DLQ. A failure
    here only costs speed (the queue's own visibility timeout applies), so it is logged, not raised.
    """
    settings = get_settings()
    delay = max(
        at_least_seconds, backoff_seconds(receive_count, settings.retry_base_seconds, settings.retry_max_seconds)
    )
    try:
        client("sqs").change_message_visibility(
            QueueUrl=_queue_url_of_arn(queue_arn), ReceiptHandle=receipt_handle, VisibilityTimeout=delay
        )
    except (BotoCoreError, ClientError):
        logger.warning("could not shorten the visibility of a failed message", exc_info=True)


@cache
def _queue_url_of_name(queue_name: str) -> str:
    # By name: the function is then created without waiting for the queue (see modules/queues).
    return str(client("sqs").get_queue_url(QueueName=queue_name)["QueueUrl"])


def waiting_messages(queue_name: str) -> int:
    """Messages visible in the queue, waiting for a consumer (not those in flight or delayed)."""
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=_queue_url_of_name(queue_name), AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", 0))


# The bodies of the messages the functions put on the jobs queue (handlers/worker.py reads them).
EDIT_MESSAGE_KEY = "editRequested"
REQUEUED_UPLOAD_KEY = "uploadRequeued"


class SqsWorkQueue:
    def __init__(self, queue_name: str) -> None:
        self._queue_name = queue_name

    def send_edit(self, record_id: str) -> None:
        self._send({EDIT_MESSAGE_KEY: record_id})

    def send_upload(self, key: str, size: int) -> None:
        self._send({REQUEUED_UPLOAD_KEY: {"key": key, "size": size}})

    def _send(self, body: dict[str, object]) -> None:
        client("sqs").send_message(QueueUrl=_queue_url_of_name(self._queue_name), MessageBody=json.dumps(body))
