"""The integration and e2e suites on a LocalStack container that testcontainers starts and stops.

For machines and CI runners with a Docker engine: `make test-testcontainers`. The container is
the pinned free image (LOCALSTACK_IMAGE and LOCALSTACK_AUTH_TOKEN as for docker compose), with
the settings host mode uses; the stack is deployed into it with the same Terraform and removed
with it. Not run where no Docker engine answers (it says so and exits 2).
"""

from __future__ import annotations

import os
import subprocess
import sys

from docker.errors import DockerException
from testcontainers.community.localstack import LocalStackContainer

IMAGE = os.environ.get("LOCALSTACK_IMAGE") or "localstack/localstack:4.14.0"
# The same as scripts/emulator.sh's host mode and docker-compose.yml.
SETTINGS = {
    "S3_SKIP_SIGNATURE_VALIDATION": "0",
    "SQS_ENDPOINT_STRATEGY": "off",
    "LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT": "60",
}


def main() -> int:
    try:
        container = LocalStackContainer(image=IMAGE).with_envs(**SETTINGS)
        # LocalStack starts a container per Lambda environment through the host's engine.
        container.with_volume_mapping("/var/run/docker.sock", "/var/run/docker.sock", "rw")
        if token := os.environ.get("LOCALSTACK_AUTH_TOKEN"):
            container.with_env("LOCALSTACK_AUTH_TOKEN", token)
        container.start()
    except DockerException as error:
        print(f"error: testcontainers needs a running Docker engine: {error}", file=sys.stderr)
        return 2
    try:
        port = container.get_exposed_port(4566)
        make = ["make", "--no-print-directory", "EMULATOR=localstack", "STACK=test-testcontainers", f"PORT={port}"]
        env = {**os.environ, "ENDPOINT": container.get_url()}
        # (make from PATH with fixed arguments, as a user runs it)
        subprocess.run([*make, "deploy"], check=True, env=env)  # noqa: S603
        return subprocess.run([*make, "integration", "e2e"], env=env, check=False).returncode  # noqa: S603
    finally:
        container.stop()


if __name__ == "__main__":
    sys.exit(main())
