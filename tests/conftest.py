"""Fixtures shared by integration and e2e tests: the deployed stack, as `make outputs` tells it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import measured
from client import PhotopipeClient, wait_until
from stack import Stack


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The stack `make up` deployed; with PHOTOPIPE_TESTCONTAINERS=1 (`make test-testcontainers`,
    the GitHub workflow's Docker job), one deployed for this session into a LocalStack
    container that testcontainers starts, and removed with it."""
    if os.environ.get("PHOTOPIPE_TESTCONTAINERS") == "1":
        from testcontainers_stack import deployed_in_container

        with deployed_in_container() as outputs:
            yield Stack.load(outputs)
    else:
        yield Stack.load()


@pytest.fixture
def user_id() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"


class CheckedClient(PhotopipeClient):
    """The client every test gets: each COMPLETED job it reads that a model provider analysed
    carries `moderation` (a list, empty when clean), so the whole suite checks that promise."""

    def get_job(self, job_id: str) -> dict[str, Any]:
        job = super().get_job(job_id)
        analysis = job.get("analysis") or {}
        if job.get("status") == "COMPLETED" and analysis.get("provider") in ("ondevice", "rekognition"):
            assert isinstance(analysis.get("moderation"), list), f"job {job_id} has no moderation list: {analysis}"
        return job


@pytest.fixture
def client(stack: Stack, user_id: str) -> PhotopipeClient:
    return CheckedClient.for_user(stack, user_id)


@pytest.fixture
def client_for(stack: Stack) -> Callable[[str], PhotopipeClient]:
    return lambda user: CheckedClient.for_user(stack, user)


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


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for name, value in measured.REPORTS.items():
        terminalreporter.write_line(f"[measured] {name}: {value}")
