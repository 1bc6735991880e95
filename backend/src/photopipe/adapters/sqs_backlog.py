"""How many messages wait in a queue: the sweeper holds off while the jobs queue has a backlog."""

from __future__ import annotations

from functools import cache

from photopipe.adapters.aws import client


@cache
def _queue_url(queue_name: str) -> str:
    # By name: the function is then created without waiting for the queue (see modules/queues).
    return str(client("sqs").get_queue_url(QueueName=queue_name)["QueueUrl"])


def waiting_messages(queue_name: str) -> int:
    """Messages visible in the queue, waiting for a consumer (not those in flight or delayed)."""
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=_queue_url(queue_name), AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", 0))
