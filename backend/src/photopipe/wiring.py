"""The composition root: domain services wired to their AWS adapters, built once per process.

Each builder imports what it wires when first called: a function imports only what its requests
use (the api never loads the image engine, the sweeper never the notifiers), which is most of a
cold start.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from photopipe.adapters.aws import client
from photopipe.config import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from photopipe.adapters.dynamodb_deliveries import DynamoDeliveryLedger
    from photopipe.adapters.dynamodb_devices import DynamoDeviceRepository
    from photopipe.adapters.dynamodb_jobs import DynamoJobRepository
    from photopipe.adapters.dynamodb_limits import DynamoLimiter
    from photopipe.adapters.s3_store import S3ObjectStore
    from photopipe.auth.tokens import Principal
    from photopipe.delivery.service import DeliveryService
    from photopipe.delivery.signing import UrlSigner
    from photopipe.images.provider import Provider
    from photopipe.images.rendering import MemoryBudget, Span
    from photopipe.jobs.processing import ProcessingService
    from photopipe.jobs.service import JobService
    from photopipe.jobs.sweeping import SweepService
    from photopipe.notify.devices import DeviceService
    from photopipe.notify.service import NotificationService
    from photopipe.notify.targets import TargetPolicy


@cache
def job_repository() -> DynamoJobRepository:
    from photopipe.adapters.dynamodb_jobs import DynamoJobRepository

    return DynamoJobRepository(client("dynamodb"), get_settings().jobs_table)


@cache
def object_store() -> S3ObjectStore:
    from photopipe.adapters.s3_store import S3ObjectStore

    settings = get_settings()
    s3 = client("s3")
    # Presigning is arithmetic, no request: a client for the public endpoint signs URLs for it.
    presigner = client("s3", settings.public_endpoint_url) if settings.public_endpoint_url else s3
    return S3ObjectStore(s3, settings.uploads_bucket, settings.results_bucket, presigner)


@cache
def delivery_ledger() -> DynamoDeliveryLedger:
    from photopipe.adapters.dynamodb_deliveries import DynamoDeliveryLedger

    settings = get_settings()
    return DynamoDeliveryLedger(client("dynamodb"), settings.deliveries_table, settings.job_ttl_days)


@cache
def device_repository() -> DynamoDeviceRepository:
    from photopipe.adapters.dynamodb_devices import DynamoDeviceRepository

    return DynamoDeviceRepository(client("dynamodb"), get_settings().devices_table)


@cache
def job_service() -> JobService:
    from photopipe.adapters.sqs import SqsWorkQueue
    from photopipe.jobs.service import JobService

    settings = get_settings()
    return JobService(
        settings, job_repository(), object_store(), limiter=limiter(), queue=SqsWorkQueue(settings.jobs_queue_name)
    )


@cache
def limiter() -> DynamoLimiter:
    """Per-user counters and leases (the limits table), shared by the api and delivery."""
    from photopipe.adapters.dynamodb_limits import DynamoLimiter

    return DynamoLimiter(client("dynamodb"), get_settings().limits_table)


@cache
def device_service() -> DeviceService:
    from photopipe.adapters.webhook_sender import system_resolver
    from photopipe.notify.devices import DeviceService

    settings = get_settings()
    return DeviceService(device_repository(), webhook_target_policy(), system_resolver, settings.max_devices_per_user)


def webhook_target_policy() -> TargetPolicy:
    from photopipe.notify.targets import TargetPolicy

    settings = get_settings()
    return TargetPolicy(
        allow_loopback=settings.webhook_loopback_allowed,
        allowed_ports=frozenset({443}) if settings.on_aws else None,
        resolve_names=settings.on_aws,
    )


@cache
def memory_budget() -> MemoryBudget:
    """The delivery function's, one per process: its renders run in it, each admitted by its
    estimate (the worker's photos render in children: processing_service)."""
    from photopipe.images.rendering import budget_for_function

    return budget_for_function(get_settings().function_memory_mb)


@cache
def provider() -> Provider:
    """The deployment's image provider: built in the render child, on its first photo."""
    from photopipe import providers
    from photopipe.adapters.secrets import secret_string

    return providers.build(get_settings(), client, secret_string)


@cache
def processing_service(span: Span | None = None) -> ProcessingService:
    from photopipe.adapters.render_children import ChildRenderer, render_budget
    from photopipe.adapters.sns_events import SnsEventPublisher
    from photopipe.images.rendering import no_span
    from photopipe.jobs.processing import ProcessingService

    settings = get_settings()
    publisher = SnsEventPublisher(client("sns"), settings.job_events_topic_arn)
    # Photos render in child processes this one can kill; the span traces the steps here.
    memory = render_budget(settings.function_memory_mb, settings.render_children)
    renderer = ChildRenderer(memory, settings.render_deadline_seconds, children=settings.render_children)
    renderer.start()
    return ProcessingService(
        settings, job_repository(), object_store(), publisher, None, span=span or no_span, renderer=renderer
    )


@cache
def sweep_service() -> SweepService:
    from photopipe.adapters.sns_events import SnsEventPublisher
    from photopipe.adapters.sqs import SqsWorkQueue
    from photopipe.jobs.sweeping import SweepService

    settings = get_settings()
    events = SnsEventPublisher(client("sns"), settings.job_events_topic_arn)
    return SweepService(job_repository(), events, object_store(), queue=SqsWorkQueue(settings.jobs_queue_name))


@cache
def notification_service() -> NotificationService:
    from photopipe.adapters.push_senders import SimulatedPushSender, SnsPushSender
    from photopipe.adapters.webhook_sender import WebhookSender
    from photopipe.notify.model import Platform
    from photopipe.notify.ports import Sender
    from photopipe.notify.service import NotificationService

    settings = get_settings()

    def push(application_arn: str) -> Sender:
        # Without a platform application (the local default) pushes are recorded as simulated.
        return SnsPushSender(client("sns"), application_arn) if application_arn else SimulatedPushSender()

    senders: dict[Platform, Sender] = {
        Platform.WEBHOOK: WebhookSender(settings.webhook_timeout_seconds, webhook_target_policy()),
        Platform.IOS: push(settings.push_ios_application_arn),
        Platform.ANDROID: push(settings.push_android_application_arn),
    }
    return NotificationService(
        device_repository(), delivery_ledger(), senders, send_seconds=settings.webhook_timeout_seconds
    )


@cache
def idempotency_store() -> DynamoDBPersistenceLayer:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table, boto3_client=client("dynamodb"))


@cache
def url_signer() -> UrlSigner:
    """Mints delivery URLs (the api) and verifies them (the delivery function)."""
    from photopipe.adapters.secrets import secure_parameter
    from photopipe.delivery.signing import UrlSigner, keys_from

    settings = get_settings()
    keys = keys_from(secure_parameter(settings.delivery_key_parameter))
    return UrlSigner(settings.delivery_base_url, keys, settings.delivery_window_seconds)


@cache
def delivery_service() -> DeliveryService:
    from photopipe.delivery.service import DeliveryLimits, DeliveryService
    from photopipe.images.rendering import limits_of

    settings = get_settings()
    limits = DeliveryLimits(
        max_side=settings.delivery_max_side,
        max_inline_bytes=settings.delivery_max_inline_bytes,
        max_original_bytes=settings.max_upload_bytes,
        cors_allowed_origins=settings.cors_allowed_origins,
        renders_per_user_minute=settings.renders_per_user_minute,
        transforms_per_job=settings.transforms_per_job,
    )
    render_limits = limits_of(settings)  # delivery renders have no analysis: its location setting is moot
    store = object_store()
    return DeliveryService(url_signer(), job_repository(), store, memory_budget(), render_limits, limits, limiter())


def forget_delivery_paths(job_id: str) -> None:
    """A deleted job's (or edit's: its record id) delivery URLs leave the CDN (where there is
    one) as they leave S3."""
    distribution_id = get_settings().delivery_distribution_id
    if distribution_id:
        from photopipe.adapters.cloudfront import CloudFrontInvalidator

        CloudFrontInvalidator(client("cloudfront"), distribution_id).invalidate_job(job_id)


def auth_secret() -> str:
    from photopipe.adapters.secrets import secure_parameter

    return secure_parameter(get_settings().auth_secret_parameter)


def verify_token(token: str) -> Principal:
    """HS256 dev tokens (the default, and always on emulators) or Cognito RS256 tokens."""
    from photopipe.auth.tokens import verify

    settings = get_settings()
    if settings.auth_mode == "cognito":
        from photopipe.adapters.jwks import key_resolver
        from photopipe.auth.cognito import verify_cognito

        keys = key_resolver(f"{settings.auth_issuer}/.well-known/jwks.json")
        return verify_cognito(token, keys, settings.auth_issuer, settings.auth_client_id)
    return verify(token, auth_secret(), max_lifetime_seconds=settings.max_token_lifetime_seconds)
