#!/usr/bin/env python3
"""Moves every message of a dead-letter queue back to its source queue.

    redrive.py jobs | notify

SQS's StartMessageMoveTask does this on AWS; the emulators lack it, so this does it by hand:
receive a batch, send each message to the source queue (body and attributes kept), delete it
from the DLQ only once the send succeeded. Prints how many moved.
"""

from __future__ import annotations

import sys

from devkit.stack import Stack

QUEUES = {"jobs": ("jobs_dlq_url", "jobs_queue_url"), "notify": ("notify_dlq_url", "notify_queue_url")}


def redrive(stack: Stack, name: str) -> int:
    dlq_output, source_output = QUEUES[name]
    sqs = stack.client("sqs")
    moved = 0
    while True:
        response = sqs.receive_message(
            QueueUrl=stack[dlq_output],
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            VisibilityTimeout=60,
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return moved
        for message in messages:
            attributes = message.get("MessageAttributes") or {}
            kwargs = {"MessageAttributes": attributes} if attributes else {}
            sqs.send_message(QueueUrl=stack[source_output], MessageBody=message["Body"], **kwargs)
            sqs.delete_message(QueueUrl=stack[dlq_output], ReceiptHandle=message["ReceiptHandle"])
            moved += 1


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in QUEUES:
        print(f"usage: redrive.py {' | '.join(QUEUES)}", file=sys.stderr)
        return 2
    moved = redrive(Stack.load(), argv[0])
    print(f"redrove {moved} message(s) from the {argv[0]} DLQ to its queue")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
