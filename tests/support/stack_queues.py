"""The deployed stack's queues and downloads, as the integration, e2e and chaos suites read them."""

from __future__ import annotations

from typing import Any

from devkit.client import wait_until
from devkit.stack import Stack


def queue_depth(stack: Stack, url_output: str) -> dict[str, int]:
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack[url_output],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return {k: int(v) for k, v in attributes.items()}


def wait_drained(stack: Stack, *url_outputs: str, timeout: float = 60) -> None:
    for url_output in url_outputs:
        wait_until(
            lambda u=url_output: queue_depth(stack, u), lambda d: not any(d.values()), timeout, f"{url_output} drained"
        )


def fetch(url: str) -> Any:
    import requests

    response = requests.get(url, timeout=30)
    response.raise_for_status()
    return response
