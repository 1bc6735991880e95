"""The api function: the v1 HTTP contract on Powertools' REST resolver.

Auth is verified here, not by an API Gateway authorizer: one code path that behaves the same
on MiniStack, LocalStack and AWS, no extra invocation per request, and unit-testable.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from photopipe import build_id
from photopipe.adapters import factory
from photopipe.auth.tokens import InvalidToken, bearer_token
from photopipe.config import get_settings
from photopipe.contract import presenters
from photopipe.contract.models import (
    CreateJobRequest,
    DeviceListResponse,
    DeviceResponse,
    ErrorResponse,
    HealthResponse,
    JobCreatedResponse,
    JobListResponse,
    JobResponse,
    RegisterDeviceRequest,
    UploadSlotModel,
)
from photopipe.errors import ErrorCode, PhotopipeError
from photopipe.handlers.logs import function_logger
from photopipe.jobs.service import iso, utc_now
from photopipe.notify.model import Platform

logger = function_logger()
app = APIGatewayRestResolver(enable_validation=True)

PUBLIC_PATHS = {"/v1/health", "/v1/openapi.json"}
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def _documented(description: str, model: type[Any] = ErrorResponse) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": model}}}


ERRORS: dict[int, OpenAPIResponse] = {
    400: _documented("Invalid request"),
    401: _documented("Missing or invalid token"),
    404: _documented("Not found"),
}


def error_body(code: ErrorCode, message: str) -> str:
    return json.dumps({"error": {"code": code.value, "message": message}})


def error_response(code: ErrorCode, message: str, status: int | None = None) -> Response[str]:
    return Response(
        status_code=status or PhotopipeError(code, message).http_status,
        content_type=content_types.APPLICATION_JSON,
        body=error_body(code, message),
    )


def no_content() -> Response[str]:
    # An explicit non-JSON type: API Gateway would otherwise label the empty body application/json.
    return Response(204, content_types.TEXT_PLAIN, "")


def authenticate(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    route = app.context.get("_route")  # the resolver's matched route (its own context key)
    if route is not None:
        logger.append_keys(route=route.path)  # for the access line
    if app.current_event.path in PUBLIC_PATHS:
        return next_middleware(app)
    try:
        token = bearer_token(
            app.current_event.headers.get("authorization") or app.current_event.headers.get("Authorization")
        )
        principal = factory.verify_token(token)
    except InvalidToken as exc:
        return error_response(ErrorCode.UNAUTHORIZED, f"Unauthorized: {exc}.")
    app.append_context(user_id=principal.user_id)  # type: ignore[no-untyped-call]
    logger.append_keys(user_id=principal.user_id)
    return next_middleware(app)


app.use(middlewares=[authenticate])


def current_user() -> str:
    user_id: str = app.context["user_id"]
    return user_id


@app.get("/v1/health", summary="Liveness", tags=["meta"])
def health() -> HealthResponse:
    return HealthResponse(status="ok", build=build_id())


@app.post(
    "/v1/jobs",
    summary="Create a job and get its upload slot",
    tags=["jobs"],
    security=BEARER,
    responses={
        201: _documented("Job created", JobCreatedResponse),
        413: _documented("contentLength over the limit"),
        415: _documented("contentType not supported, or the request body is not JSON"),
        409: _documented(
            "A request with this Idempotency-Key is in progress (CONFLICT), or a replay after its job's "
            "upload arrived, when the stored upload URL has expired (UPLOAD_SLOT_EXPIRED)"
        ),
        422: _documented("Idempotency-Key reused with another body"),
        **ERRORS,
    },
)
def create_job(
    request: Annotated[CreateJobRequest, Body()],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            pattern=r"^[\x21-\x7e]+$",
            description="Retries with the same key (and body) return the same job.",
        ),
    ] = None,
) -> Response[str]:
    payload = {"userId": current_user(), "body": request.model_dump(mode="json", by_alias=True)}
    created = _create_job(payload) if idempotency_key is None else _create_job_once({**payload, "key": idempotency_key})
    return Response(201, content_types.APPLICATION_JSON, json.dumps(created))


def _create_job(payload: dict[str, Any]) -> dict[str, Any]:
    request = CreateJobRequest.model_validate(payload["body"])
    job, slot = factory.job_service().create_job(
        payload["userId"], request.content_type, request.content_length, presenters.operations_from(request.operations)
    )
    body = JobCreatedResponse(
        job_id=job.job_id,
        status=job.status.value,
        created_at=job.created_at,
        upload=UploadSlotModel(url=slot.url, method="PUT", headers=slot.headers, expires_at=slot.expires_at),
    )
    return body.model_dump(mode="json", by_alias=True)


def _create_job_once(payload: dict[str, Any]) -> dict[str, Any]:
    """Powertools idempotency keyed on (user, Idempotency-Key); the body must match on a retry."""
    config = IdempotencyConfig(
        event_key_jmespath="[userId, key]", payload_validation_jmespath="body", expires_after_seconds=24 * 3600
    )
    if app.lambda_context is not None:
        config.register_lambda_context(app.lambda_context)
    once = idempotent_function(
        _create_job, data_keyword_argument="payload", persistence_store=factory.idempotency_store(), config=config
    )
    try:
        result: dict[str, Any] = once(payload=payload)
    except IdempotencyValidationError as exc:
        raise PhotopipeError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED, "This Idempotency-Key was used with a different body."
        ) from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise PhotopipeError(ErrorCode.CONFLICT, "A request with this Idempotency-Key is in progress.") from exc
    return _with_live_slot(result, payload["userId"])


def _with_live_slot(created: dict[str, Any], user_id: str) -> dict[str, Any]:
    """A replay returns the stored answer; its upload URL may have expired since (15 min)."""
    upload = created["upload"]
    if upload["expiresAt"] > iso(utc_now()):
        return created
    slot = factory.job_service().renew_upload_slot(user_id, created["jobId"])
    renewed = UploadSlotModel(url=slot.url, method="PUT", headers=slot.headers, expires_at=slot.expires_at)
    return {**created, "upload": renewed.model_dump(mode="json", by_alias=True)}


@app.get(
    "/v1/jobs/<job_id>",
    summary="A job's status, analysis, outputs and notifications",
    tags=["jobs"],
    security=BEARER,
    responses={200: _documented("The job", JobResponse), **ERRORS},
)
def get_job(job_id: str) -> JobResponse:
    service = factory.job_service()
    job = service.get_job(current_user(), job_id)
    # Devices hear of a job only once it ends: a job still polled for has no deliveries to read.
    deliveries = factory.delivery_ledger().list_for_job(job.job_id) if job.status.is_terminal else []
    return presenters.job_response(job, service.output_links(job), deliveries)


@app.get(
    "/v1/jobs",
    summary="The caller's jobs, newest first",
    tags=["jobs"],
    security=BEARER,
    responses={200: _documented("A page of jobs", JobListResponse), **ERRORS},
)
def list_jobs(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    # An opaque base64url token (about 300 characters); the bound keeps URLs far below 8 KB.
    cursor: Annotated[str | None, Query(max_length=1024, pattern=r"^[A-Za-z0-9_-]+$")] = None,
) -> JobListResponse:
    page = factory.job_service().list_jobs(current_user(), limit, cursor)
    return JobListResponse(jobs=[presenters.job_summary(j) for j in page.jobs], next_cursor=page.cursor)


@app.delete(
    "/v1/jobs/<job_id>",
    summary="Delete a job and every object of it",
    tags=["jobs"],
    security=BEARER,
    responses={204: {"description": "Deleted"}, **ERRORS},
)
def delete_job(job_id: str) -> Response[str]:
    factory.job_service().delete_job(current_user(), job_id)
    factory.delivery_ledger().delete_for_job(job_id)
    return no_content()


@app.post(
    "/v1/devices",
    summary="Register a device (idempotent per token)",
    tags=["devices"],
    security=BEARER,
    responses={
        201: _documented("Registered", DeviceResponse),
        409: _documented("The user has as many devices as allowed (DEVICE_LIMIT_REACHED)"),
        415: _documented("Request body is not JSON"),
        **ERRORS,
    },
)
def register_device(request: Annotated[RegisterDeviceRequest, Body()]) -> Response[str]:
    platform = Platform(request.platform)
    address = request.url if platform is Platform.WEBHOOK else request.token
    device = factory.device_service().register(current_user(), platform, address or "")
    body = presenters.device_response(device, include_secret=True)
    return Response(201, content_types.APPLICATION_JSON, body.model_dump_json(by_alias=True, exclude_none=True))


@app.get(
    "/v1/devices",
    summary="The caller's devices",
    tags=["devices"],
    security=BEARER,
    responses={200: _documented("The devices", DeviceListResponse), **ERRORS},
)
def list_devices() -> DeviceListResponse:
    devices = factory.device_service().list(current_user())
    return DeviceListResponse(devices=[presenters.device_response(d, include_secret=False) for d in devices])


@app.delete(
    "/v1/devices/<device_id>",
    summary="Unregister a device",
    tags=["devices"],
    security=BEARER,
    responses={204: {"description": "Unregistered"}, **ERRORS},
)
def delete_device(device_id: str) -> Response[str]:
    factory.device_service().unregister(current_user(), device_id)
    return no_content()


@app.get("/v1/openapi.json", summary="This API's OpenAPI document", tags=["meta"], include_in_schema=False)
def openapi() -> Response[str]:
    if get_settings().on_aws:
        return error_response(ErrorCode.NOT_FOUND, "Not found.")
    return Response(200, content_types.APPLICATION_JSON, openapi_json())


def openapi_json() -> str:
    # Powertools' OpenAPI models take ~170 ms to build: loaded only when the document is asked for.
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    return app.get_openapi_json_schema(
        security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT", description="HS256 JWT, sub = user id")},
        title="photopipe API",
        version="1.0.0",
        description="Upload slots, job status and devices for mobile clients.",
    )


@app.exception_handler(PhotopipeError)  # type: ignore[untyped-decorator]
def handle_domain_error(error: PhotopipeError) -> Response[str]:
    return error_response(error.code, error.message)


@app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
def handle_validation_error(error: RequestValidationError) -> Response[str]:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body')}: {e.get('msg', 'invalid')}"
        for e in error.errors()
    )
    return error_response(ErrorCode.INVALID_REQUEST, f"Invalid request: {problems}"[:1000])


@app.exception_handler(RequestUnsupportedContentType)  # type: ignore[untyped-decorator]
def handle_unsupported_content_type(error: RequestUnsupportedContentType) -> Response[str]:
    return error_response(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Request bodies must be application/json.")


@app.exception_handler(Exception)  # type: ignore[untyped-decorator]
def handle_unexpected(error: Exception) -> Response[str]:
    # Logged with its stack for us; the client gets a stable code and no internals.
    logger.exception("unhandled error")
    return error_response(ErrorCode.INTERNAL_ERROR, "Internal error; the request id is in the logs.", 500)


@app.not_found
def handle_not_found(error: NotFoundError) -> Response[str]:
    logger.remove_keys(["route"])  # the resolver's stand-in route is the raw path: not a route
    return error_response(
        ErrorCode.NOT_FOUND, f"No route for {app.current_event.http_method} {app.current_event.path}."
    )


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId", clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    started = time.perf_counter()
    response = _refused_body(event) or app.resolve(event, context)
    # The access line: the request id is the correlation id; authenticate added the route and user.
    logger.info(
        "request",
        extra={
            "method": event.get("httpMethod"),
            "path": event.get("path"),
            "status": response.get("statusCode"),
            "latencyMs": round((time.perf_counter() - started) * 1000, 2),
        },
    )
    return response


def _refused_body(event: dict[str, Any]) -> dict[str, Any] | None:
    """A response for bodies the resolver must never see, else None.

    Its form and multipart parsers crash on non-JSON types, and its JSON parser on bytes that are
    not UTF-8 (which API Gateway hands over base64-encoded).
    """
    body = event.get("body")
    if not body:
        return None
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    content_type = str(headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if content_type not in ("", "application/json"):
        return _refusal(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Request bodies must be application/json.")
    if event.get("isBase64Encoded"):
        try:
            base64.b64decode(body, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return _refusal(ErrorCode.INVALID_REQUEST, "The request body is not UTF-8 encoded JSON.")
    return None


def _refusal(code: ErrorCode, message: str) -> dict[str, Any]:
    return {
        "statusCode": PhotopipeError(code, message).http_status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": error_body(code, message),
        "isBase64Encoded": False,
    }
