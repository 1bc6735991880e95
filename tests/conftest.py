"""Fixtures shared by integration and e2e tests: the deployed stack, as `make outputs` tells it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devkit.client import PhotopipeClient
from devkit.stack import Stack
from tests.support import measured


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The stack `make up` deployed; with PHOTOPIPE_TESTCONTAINERS=1 (`make test-testcontainers`,
    the GitHub workflow's Docker job), one deployed for this session into a LocalStack
    container that testcontainers starts, and removed with it."""
    if os.environ.get("PHOTOPIPE_TESTCONTAINERS") == "1":
        from devkit.testcontainers_stack import deployed_in_container

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


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for name, value in measured.REPORTS.items():
        terminalreporter.write_line(f"[measured] {name}: {value}")
