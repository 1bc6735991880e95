"""Every setting photopipe reads, taken from the environment once and typed.

Terraform sets these on each function (infrastructure/main.tf, `common_environment`); scripts
and tests get the same names from `make outputs`. Nothing else in the package reads os.environ.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

ALLOWED_CONTENT_TYPES: tuple[str, ...] = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "image/heif",
    "image/gif",
    "image/tiff",
)


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    environment: str
    jobs_table: str
    devices_table: str
    deliveries_table: str
    idempotency_table: str
    uploads_bucket: str
    results_bucket: str
    job_events_topic_arn: str
    auth_secret_parameter: str
    max_upload_bytes: int
    upload_url_ttl_seconds: int
    download_url_ttl_seconds: int
    job_ttl_days: int
    max_image_pixels: int
    allowed_content_types: tuple[str, ...]
    webhook_timeout_seconds: float
    allow_http_webhooks_on_loopback: bool
    max_receive_count: int
    retry_base_seconds: int
    retry_max_seconds: int
    stalled_after_seconds: int
    image_provider: str
    fault_injection: bool
    worker_concurrency: int
    auth_mode: str
    push_ios_application_arn: str
    push_android_application_arn: str
    auth_issuer: str
    auth_client_id: str
    moderation_blocked_categories: frozenset[str]
    edit_endpoint_url: str
    edit_api_key_secret: str

    @property
    def is_production(self) -> bool:
        return self.environment == "aws"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def settings_from(env: Mapping[str, str]) -> Settings:
    """Builds Settings from a mapping; missing resource names are empty (checked at use)."""
    environment = env.get("PHOTOPIPE_ENVIRONMENT", "local")
    return Settings(
        environment=environment,
        jobs_table=env.get("JOBS_TABLE", ""),
        devices_table=env.get("DEVICES_TABLE", ""),
        deliveries_table=env.get("DELIVERIES_TABLE", ""),
        idempotency_table=env.get("IDEMPOTENCY_TABLE", ""),
        uploads_bucket=env.get("UPLOADS_BUCKET", ""),
        results_bucket=env.get("RESULTS_BUCKET", ""),
        job_events_topic_arn=env.get("JOB_EVENTS_TOPIC_ARN", ""),
        auth_secret_parameter=env.get("AUTH_SECRET_PARAMETER", ""),
        max_upload_bytes=_int(env, "MAX_UPLOAD_BYTES", 50 * 1024 * 1024),
        upload_url_ttl_seconds=_int(env, "UPLOAD_URL_TTL_SECONDS", 900),
        download_url_ttl_seconds=_int(env, "DOWNLOAD_URL_TTL_SECONDS", 3600),
        job_ttl_days=_int(env, "JOB_TTL_DAYS", 90),
        max_image_pixels=_int(env, "MAX_IMAGE_PIXELS", 100_000_000),
        allowed_content_types=ALLOWED_CONTENT_TYPES,
        webhook_timeout_seconds=float(_int(env, "WEBHOOK_TIMEOUT_SECONDS", 5)),
        allow_http_webhooks_on_loopback=environment != "aws",
        max_receive_count=_int(env, "MAX_RECEIVE_COUNT", 3),
        retry_base_seconds=_int(env, "RETRY_BASE_SECONDS", 2),
        retry_max_seconds=_int(env, "RETRY_MAX_SECONDS", 300),
        stalled_after_seconds=_int(env, "STALLED_AFTER_SECONDS", 3600),
        image_provider=env.get("IMAGE_PROVIDER", "local"),
        auth_mode=env.get("AUTH_MODE", "hs256"),
        push_ios_application_arn=env.get("PUSH_IOS_APPLICATION_ARN", ""),
        push_android_application_arn=env.get("PUSH_ANDROID_APPLICATION_ARN", ""),
        auth_issuer=env.get("AUTH_ISSUER", ""),
        auth_client_id=env.get("AUTH_CLIENT_ID", ""),
        worker_concurrency=max(1, _int(env, "WORKER_CONCURRENCY", 4)),
        fault_injection=environment != "aws" and env.get("FAULT_INJECTION", "") == "1",
        moderation_blocked_categories=frozenset(
            c.strip()
            for c in env.get("MODERATION_BLOCKED_CATEGORIES", "Explicit Nudity,Violence").split(",")
            if c.strip()
        ),
        edit_endpoint_url=env.get("EDIT_ENDPOINT_URL", ""),
        edit_api_key_secret=env.get("EDIT_API_KEY_SECRET", ""),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from(os.environ)
