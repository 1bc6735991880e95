"""How many messages wait in a queue: the sweeper holds off while the jobs queue has a backlog."""

from __future__ import annotations

from photopipe.adapters.aws import client


def waiting_messages(queue_url: str) -> int:
    """Messages visible in the queue, waiting for a consumer (not those in flight or delayed)."""
    attributes = client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"
    ]
    return int(attributes.get("ApproximateNumberOfMessages", 0))
