"""boto3 clients, built once per process with bounded timeouts and standard retries.

Endpoints are never configured here: on an emulator the SDK reads AWS_ENDPOINT_URL (MiniStack
and LocalStack set it for the functions they run), on AWS it uses the real ones.
"""

from __future__ import annotations

from functools import cache
from typing import Any

# Timeouts and retries of every client: bounded, and the SDK's standard retry mode.
_TIMEOUTS: dict[str, Any] = {
    "connect_timeout": 3,
    "read_timeout": 10,
    "retries": {"mode": "standard", "max_attempts": 4},
}


@cache
def client(service: str, endpoint_url: str | None = None) -> Any:
    """`endpoint_url` only where another than the SDK's is meant (presigning for PUBLIC_HOST).

    boto3 is imported with the first client (~0.3 s), not with this module: a function's cold
    start pays for it only on a path that calls AWS."""
    import boto3
    from botocore.config import Config

    config = Config(**_TIMEOUTS)
    if service == "s3":
        # Path-style keeps presigned URLs valid on emulators whose bucket hostnames do not
        # resolve; on AWS virtual-hosted style is required for new regions, hence "auto" there.
        return boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            config=config.merge(Config(signature_version="s3v4", s3={"addressing_style": _s3_addressing()})),
        )
    return boto3.client(service, endpoint_url=endpoint_url, config=config)


def _s3_addressing() -> str:
    from photopipe.config import get_settings

    return "auto" if get_settings().on_aws else "path"
