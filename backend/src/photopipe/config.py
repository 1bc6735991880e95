"""Every setting photopipe reads, taken from the environment once and typed.

Terraform sets these on each function (infrastructure/main.tf, `common_environment`); scripts
and tests get the same names from `make outputs`. Nothing else in the package reads os.environ.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, cast

ALLOWED_CONTENT_TYPES: tuple[str, ...] = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "image/heif",
    "image/gif",
    "image/tiff",
    "image/avif",
)


Environment = Literal["local", "aws"]
ImageProviderName = Literal["ondevice", "local", "rekognition", "http"]
AuthMode = Literal["hs256", "cognito"]


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    environment: Environment
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
    # Uploads in parts (S3 multipart, presigned part URLs): the largest, the part size, and how
    # long one may take before the sweeper aborts it.
    max_multipart_bytes: int
    multipart_part_bytes: int
    multipart_window_seconds: int
    download_url_ttl_seconds: int
    job_ttl_days: int
    max_image_pixels: int
    # Where the decoder cannot scale down (PNG, TIFF, WebP, GIF, HEIF) or the job has edits, the
    # whole image is decoded: a lower limit applies.
    max_full_decode_pixels: int
    max_output_pixels: int
    # What one photo's render may be estimated to hold (images/budget.py), whatever the
    # function's memory: past it MEMORY_LIMIT_EXCEEDED. A 64 MP RGBA PNG with the default
    # variants is estimated at about 350 MiB.
    max_render_mb: int
    # The function's memory (Lambda sets AWS_LAMBDA_FUNCTION_MEMORY_SIZE): records are admitted
    # into it by their estimated bytes.
    function_memory_mb: int
    max_token_lifetime_seconds: int
    max_devices_per_user: int
    # Origins a browser may call the API from, each with at most one `*` (as in S3 CORS rules).
    cors_allowed_origins: tuple[str, ...]
    # On an emulator: the endpoint clients reach it at (PUBLIC_HOST), which presigned URLs name
    # and are signed for. Empty: the SDK's own endpoint. Never used on AWS.
    public_endpoint_url: str
    jobs_queue_name: str
    allowed_content_types: tuple[str, ...]
    webhook_timeout_seconds: float
    webhook_loopback_allowed: bool  # the local environment's receivers, never on AWS
    max_receive_count: int
    retry_base_seconds: int
    retry_max_seconds: int
    stalled_after_seconds: int
    jobs_message_retention_seconds: int  # how long SQS keeps a message waiting in the jobs queue
    image_provider: ImageProviderName
    fault_injection: bool
    worker_concurrency: int
    render_children: int  # photos the worker renders at once, each in a child process
    render_deadline_seconds: float  # each photo's render, fixed: past it PROCESSING_TIMEOUT
    auth_mode: AuthMode
    push_ios_application_arn: str
    push_android_application_arn: str
    auth_issuer: str
    auth_client_id: str
    moderation_blocked_categories: frozenset[str]
    moderation_min_confidence: float  # percent
    edit_endpoint_url: str
    # The model ops the http provider's endpoint declares it makes (besides `ai`), forwarded to it.
    edit_endpoint_ops: frozenset[str]
    edit_api_key_secret: str
    # GPS coordinates from EXIF in a job's analysis (for its owner only); off by default. No
    # output file ever carries them.
    expose_location: bool
    # X-Ray subsegments per step (Terraform's tracing_enabled, as Powertools' own variable says it).
    tracing_enabled: bool
    # Text detection (OCR) in the analysis: heavier and, on Rekognition, a billed call per photo.
    text_detection: bool
    # Delivery URLs: where they point (the CDN, or the delivery function's own URL), the SSM
    # parameter with the signing keys, the window they are minted for, the largest side a
    # transform may ask, and the largest answer a function response carries (above: a redirect).
    delivery_base_url: str
    delivery_key_parameter: str
    delivery_window_seconds: int
    delivery_max_side: int
    delivery_max_inline_bytes: int
    delivery_distribution_id: str  # the CDN in front of delivery (AWS); empty: none
    limits_table: str
    jobs_per_user_minute: int  # job creations one user may make a minute
    jobs_in_flight_per_user: int  # one user's jobs waiting for their photo or being processed, at once
    upload_bytes_per_user_day: int  # bytes one user's jobs may declare per UTC day
    # Where no lifecycle rule expires cached renders (the emulators), the sweeper deletes those
    # older than this many days; 0: a lifecycle rule does it.
    sweep_renders_after_days: int
    renders_per_user_minute: int
    transforms_per_job: int
    edits_per_job: int  # edits a job may have at once (deleting one frees its place)

    @property
    def on_aws(self) -> bool:
        """Deployed on AWS rather than on an emulator: real TLS, virtual-hosted S3, no loopback."""
        return self.environment == "aws"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    raw = env.get(name) or default
    if raw not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def settings_from(env: Mapping[str, str]) -> Settings:
    """Builds Settings from a mapping; missing resource names are empty (checked at use)."""
    environment = cast(Environment, _choice(env, "PHOTOPIPE_ENVIRONMENT", ("local", "aws"), "local"))
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
        max_multipart_bytes=_int(env, "MAX_MULTIPART_BYTES", 200 * 1024 * 1024),
        # S3 takes parts of 5 MiB and more (the last excepted), 10,000 at most.
        multipart_part_bytes=max(5 * 1024 * 1024, _int(env, "MULTIPART_PART_BYTES", 8 * 1024 * 1024)),
        multipart_window_seconds=_int(env, "MULTIPART_WINDOW_SECONDS", 86_400),
        download_url_ttl_seconds=_int(env, "DOWNLOAD_URL_TTL_SECONDS", 3600),
        job_ttl_days=_int(env, "JOB_TTL_DAYS", 90),
        max_image_pixels=_int(env, "MAX_IMAGE_PIXELS", 100_000_000),
        max_full_decode_pixels=_int(env, "MAX_FULL_DECODE_PIXELS", 64_000_000),
        # Every variant of one job together: eight 8000 px boxes would be 512 MP of output.
        max_output_pixels=_int(env, "MAX_OUTPUT_PIXELS", 100_000_000),
        max_render_mb=_int(env, "MAX_RENDER_MB", 384),
        function_memory_mb=_int(env, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 1769),
        max_token_lifetime_seconds=_int(env, "MAX_TOKEN_LIFETIME_SECONDS", 24 * 3600),
        max_devices_per_user=_int(env, "MAX_DEVICES_PER_USER", 20),
        public_endpoint_url="" if environment == "aws" else env.get("PUBLIC_ENDPOINT_URL", ""),
        cors_allowed_origins=tuple(o.strip() for o in env.get("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip()),
        jobs_queue_name=env.get("JOBS_QUEUE_NAME", ""),
        allowed_content_types=ALLOWED_CONTENT_TYPES,
        webhook_timeout_seconds=float(_int(env, "WEBHOOK_TIMEOUT_SECONDS", 5)),
        webhook_loopback_allowed=environment != "aws",
        max_receive_count=_int(env, "MAX_RECEIVE_COUNT", 3),
        retry_base_seconds=_int(env, "RETRY_BASE_SECONDS", 2),
        retry_max_seconds=_int(env, "RETRY_MAX_SECONDS", 300),
        stalled_after_seconds=_int(env, "STALLED_AFTER_SECONDS", 3600),
        jobs_message_retention_seconds=_int(env, "JOBS_MESSAGE_RETENTION_SECONDS", 345600),
        image_provider=cast(
            ImageProviderName, _choice(env, "IMAGE_PROVIDER", ("ondevice", "local", "rekognition", "http"), "local")
        ),
        auth_mode=cast(AuthMode, _choice(env, "AUTH_MODE", ("hs256", "cognito"), "hs256")),
        push_ios_application_arn=env.get("PUSH_IOS_APPLICATION_ARN", ""),
        push_android_application_arn=env.get("PUSH_ANDROID_APPLICATION_ARN", ""),
        auth_issuer=env.get("AUTH_ISSUER", ""),
        auth_client_id=env.get("AUTH_CLIENT_ID", ""),
        worker_concurrency=max(1, _int(env, "WORKER_CONCURRENCY", 4)),
        render_children=max(1, _int(env, "RENDER_CHILDREN", 1)),
        render_deadline_seconds=max(1, _int(env, "RENDER_DEADLINE_SECONDS", 24)),
        fault_injection=environment != "aws" and env.get("FAULT_INJECTION", "") == "1",
        expose_location=env.get("EXPOSE_LOCATION", "") == "1",
        text_detection=env.get("TEXT_DETECTION", "") == "1",
        tracing_enabled=env.get("POWERTOOLS_TRACE_DISABLED", "true").lower() in ("false", "0"),
        moderation_blocked_categories=frozenset(
            c.strip()
            for c in env.get("MODERATION_BLOCKED_CATEGORIES", "Explicit,Explicit Nudity,Graphic Violence").split(",")
            if c.strip()
        ),
        moderation_min_confidence=float(_int(env, "MODERATION_MIN_CONFIDENCE", 80)),
        edit_endpoint_url=env.get("EDIT_ENDPOINT_URL", ""),
        edit_endpoint_ops=frozenset(op.strip() for op in env.get("EDIT_ENDPOINT_OPS", "").split(",") if op.strip()),
        edit_api_key_secret=env.get("EDIT_API_KEY_SECRET", ""),
        delivery_base_url=env.get("DELIVERY_BASE_URL", ""),
        delivery_key_parameter=env.get("DELIVERY_KEY_PARAMETER", ""),
        delivery_window_seconds=max(1, _int(env, "DELIVERY_WINDOW_SECONDS", 86_400)),
        delivery_max_side=_int(env, "DELIVERY_MAX_SIDE", 4096),
        delivery_max_inline_bytes=_int(env, "DELIVERY_MAX_INLINE_BYTES", 4_000_000),
        delivery_distribution_id=env.get("DELIVERY_DISTRIBUTION_ID", ""),
        limits_table=env.get("LIMITS_TABLE", ""),
        jobs_per_user_minute=_int(env, "JOBS_PER_USER_MINUTE", 120),
        jobs_in_flight_per_user=_int(env, "JOBS_IN_FLIGHT_PER_USER", 200),
        upload_bytes_per_user_day=_int(env, "UPLOAD_BYTES_PER_USER_DAY", 5 * 1024**3),
        sweep_renders_after_days=_int(env, "SWEEP_RENDERS_AFTER_DAYS", 0),
        renders_per_user_minute=_int(env, "RENDERS_PER_USER_MINUTE", 300),
        transforms_per_job=_int(env, "TRANSFORMS_PER_JOB", 100),
        edits_per_job=_int(env, "EDITS_PER_JOB", 100),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from(os.environ)
