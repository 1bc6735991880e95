"""A LocalStack container from testcontainers with the stack deployed into it, for the test
session's `stack` fixture (tests/conftest.py) where PHOTOPIPE_TESTCONTAINERS=1.

For machines and CI runners with a Docker engine: `make test-testcontainers` runs the
integration and e2e suites on it. The container is the pinned free image (LOCALSTACK_IMAGE and
LOCALSTACK_AUTH_TOKEN as for docker compose), with the settings host mode uses; the stack is
deployed with the same `make deploy` (tflocal) and goes with the container.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devkit.stack import ROOT

IMAGE = os.environ.get("LOCALSTACK_IMAGE") or "localstack/localstack:4.14.0"
# The same as scripts/emulator.sh's host mode and docker-compose.yml.
SETTINGS = {
    "S3_SKIP_SIGNATURE_VALIDATION": "0",
    "SQS_ENDPOINT_STRATEGY": "off",
    "LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT": "60",
}
STACK = "test-testcontainers"


@contextmanager
def deployed_in_container() -> Iterator[Path]:
    """Yields the outputs file of a stack deployed into a fresh LocalStack container."""
    from docker.errors import DockerException
    from testcontainers.community.localstack import LocalStackContainer

    container = LocalStackContainer(image=IMAGE).with_envs(**SETTINGS)
    # LocalStack starts a container per Lambda environment through the host's engine.
    container.with_volume_mapping("/var/run/docker.sock", "/var/run/docker.sock", "rw")
    if token := os.environ.get("LOCALSTACK_AUTH_TOKEN"):
        container.with_env("LOCALSTACK_AUTH_TOKEN", token)
    try:
        container.start()
    except DockerException as error:
        pytest.fail(f"PHOTOPIPE_TESTCONTAINERS=1 needs a running Docker engine: {error}")
    try:
        port = container.get_exposed_port(4566)
        stack_dir = ROOT / ".photopipe" / "stacks" / STACK
        env = {**os.environ, "ENDPOINT": container.get_url(), "STACK_DIR": str(stack_dir)}
        make = ["make", "--no-print-directory", "EMULATOR=localstack", f"STACK={STACK}", f"PORT={port}", "deploy"]
        subprocess.run(make, check=True, env=env, cwd=ROOT)  # noqa: S603 - make from PATH, fixed arguments
        yield stack_dir / "outputs.json"
    finally:
        container.stop()
