"""Where a deployed stack is: read from `make outputs` (Terraform outputs), nothing hard-coded.

Used by the demo, the client CLI and the tests. PHOTOPIPE_OUTPUTS names the outputs file
(the Makefile sets it per stack).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUTS = ROOT / ".photopipe" / "stacks" / "dev" / "outputs.json"


@dataclass(frozen=True)
class Stack:
    outputs: dict[str, Any]
    directory: Path  # the stack's folder: outputs, emulator pid and log, Terraform state

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> Stack:
        location = Path(path or os.environ.get("PHOTOPIPE_OUTPUTS") or DEFAULT_OUTPUTS)
        if not location.exists():
            raise SystemExit(f"no stack outputs at {location}: run `make up` first")
        raw = json.loads(location.read_text())
        return cls({key: value["value"] for key, value in raw.items()}, location.parent)

    def __getitem__(self, key: str) -> Any:
        return self.outputs[key]

    @property
    def api_base_url(self) -> str:
        return str(self.outputs["api_base_url"]).rstrip("/")

    @property
    def host_api_base_url(self) -> str:
        """The API as this machine reaches it: api_base_url unless clients reach the stack at an
        address this machine cannot use (PUBLIC_HOST=10.0.2.2, the Android emulator's alias)."""
        return str(self.outputs.get("host_api_base_url") or self.api_base_url).rstrip("/")

    @property
    def endpoint_url(self) -> str | None:
        return self.outputs.get("aws_endpoint_url")

    def client(self, service: str) -> Any:
        config = Config(retries={"mode": "standard", "max_attempts": 4})
        if service == "s3":
            config = config.merge(Config(signature_version="s3v4", s3={"addressing_style": "path"}))
        kwargs: dict[str, Any] = {"region_name": self.outputs["aws_region"], "config": config}
        if self.endpoint_url:
            # Emulators accept any credentials; "test" is their convention.
            kwargs.update(endpoint_url=self.endpoint_url, aws_access_key_id="test", aws_secret_access_key="test")  # noqa: S106
        return boto3.client(service, **kwargs)

    @cached_property
    def auth_secret(self) -> str:
        response = self.client("ssm").get_parameter(Name=self.outputs["auth_secret_parameter"], WithDecryption=True)
        return str(response["Parameter"]["Value"])
