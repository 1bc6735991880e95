"""The api function: the v1 HTTP contract on Powertools' REST resolver.

Auth is verified here, not by an API Gateway authorizer: one code path that behaves the same
on MiniStack, LocalStack and AWS, no extra invocation per request, and unit-testable.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from photopipe import build_id, wiring
from photopipe.clock import iso, utc_now
from photopipe.config import get_settings
from photopipe.contract import examples, presenters
from photopipe.contract.models import (
    CompleteUploadRequest,
    CreateEditRequest,
    CreateJobRequest,
    DeviceListResponse,
    DeviceResponse,
    EditCreatedResponse,
    EditListResponse,
    EditResponse,
    HealthResponse,
    JobCreatedResponse,
    JobListResponse,
    JobResponse,
    RegisterDeviceRequest,
    UploadCompletedResponse,
    UploadResponse,
)
from photopipe.delivery.signing import SignedUrl
from photopipe.errors import ErrorCode, PhotopipeError
from photopipe.handlers import api_middleware
from photopipe.handlers.logs import function_logger
from photopipe.jobs.model import Job, JobStatus, edit_record_id
from photopipe.notify.model import Platform

logger = function_logger()
# Origins are read from the settings on the first request that carries one, not at import.
cors = api_middleware.ConfiguredCORS(lambda: get_settings().cors_allowed_origins)
app = APIGatewayRestResolver(enable_validation=True, cors=cors)

PUBLIC_PATHS = {"/v1/health", "/v1/openapi.json"}
api_middleware.install(app, logger, PUBLIC_PATHS)


def current_user() -> str:
    return api_middleware.current_user(app)


def idempotency_header(description: str) -> Any:
    """The Idempotency-Key header: printable ASCII, as Powertools keys it."""
    return Header(
        alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$", description=description
    )


@app.get(
    "/v1/health",
    summary="Liveness",
    tags=["meta"],
    operation_id="health",
    responses={200: api_middleware.documented("The stack answers", HealthResponse, examples.HEALTH)},
)
def health() -> HealthResponse:
    return HealthResponse(status="ok", build=build_id())


@app.post(
    "/v1/jobs",
    operation_id="createJob",
    summary="Create a job and get its upload slot",
    tags=["jobs"],
    security=api_middleware.BEARER,
    responses={
        201: api_middleware.documented("Job created", JobCreatedResponse, examples.JOB_CREATED),
        413: api_middleware.refusal(413, "contentLength over the limit"),
        415: api_middleware.refusal(415, "contentType not supported, or the request body is not JSON"),
        409: api_middleware.refusal(
            409,
            "A request with this Idempotency-Key is in progress (CONFLICT), or a replay after its job's "
            "upload arrived, when the stored upload URL has expired (UPLOAD_SLOT_EXPIRED)",
        ),
        422: api_middleware.refusal(422, "Idempotency-Key reused with another body"),
        429: api_middleware.limited(
            "The caller's job creations this minute (RATE_LIMITED) or declared bytes today (QUOTA_EXCEEDED) "
            "are at their limit"
        ),
        **api_middleware.ERRORS,
    },
)
def create_job(
    request: Annotated[CreateJobRequest, Body(openapi_examples=examples.CREATE_JOB_REQUEST)],
    idempotency_key: Annotated[
        str | None, idempotency_header("Retries with the same key (and body) return the same job.")
    ] = None,
) -> Response[str]:
    payload = {"userId": current_user(), "body": request.model_dump(mode="json", by_alias=True)}
    created = _create_job(payload) if idempotency_key is None else _create_job_once({**payload, "key": idempotency_key})
    return Response(201, content_types.APPLICATION_JSON, json.dumps(created))


def _create_job(payload: dict[str, Any]) -> dict[str, Any]:
    request = CreateJobRequest.model_validate(payload["body"])
    job, slot = wiring.job_service().create_job(
        payload["userId"],
        request.content_type,
        request.content_length,
        presenters.operations_from(request.operations),
        multipart=request.multipart,
    )
    body = JobCreatedResponse(
        job_id=job.job_id, status=job.status.value, created_at=job.created_at, upload=presenters.upload_model(slot)
    )
    return body.model_dump(mode="json", by_alias=True, exclude_none=True)


def _create_job_once(payload: dict[str, Any]) -> dict[str, Any]:
    """Powertools idempotency keyed on (user, Idempotency-Key); the body must match on a retry."""
    return _with_live_slot(_once(_create_job, payload, "[userId, key]"), payload["userId"])


def _once(create: Callable[..., dict[str, Any]], payload: dict[str, Any], key_path: str) -> dict[str, Any]:
    """`create(payload=...)` run once per idempotency key: Powertools names the function in the
    stored key, so each route's keys are its own; `key_path` picks the rest from the payload."""
    # Imported here: Powertools' idempotency loads boto3 (~0.4 s), which requests without a key,
    # the health check among them, need later or not at all.
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    config = IdempotencyConfig(
        event_key_jmespath=key_path, payload_validation_jmespath="body", expires_after_seconds=24 * 3600
    )
    if app.lambda_context is not None:
        config.register_lambda_context(app.lambda_context)
    once = idempotent_function(
        create, data_keyword_argument="payload", persistence_store=wiring.idempotency_store(), config=config
    )
    try:
        result: dict[str, Any] = once(payload=payload)
    except IdempotencyValidationError as exc:
        raise PhotopipeError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED, "This Idempotency-Key was used with a different body."
        ) from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise PhotopipeError(ErrorCode.CONFLICT, "A request with this Idempotency-Key is in progress.") from exc
    return result


def _with_live_slot(created: dict[str, Any], user_id: str) -> dict[str, Any]:
    """A replay returns the stored answer; its upload URL may have expired since (15 min). A
    multipart one gets fresh URLs always: a client replays it to resume."""
    upload = created["upload"]
    if upload.get("type") != "multipart" and upload["expiresAt"] > iso(utc_now()):
        return created
    slot = wiring.job_service().renew_upload_slot(user_id, created["jobId"])
    renewed = presenters.upload_model(slot).model_dump(mode="json", by_alias=True, exclude_none=True)
    return {**created, "upload": renewed}


@app.get(
    "/v1/jobs/<job_id>/upload",
    operation_id="getUpload",
    summary="Fresh upload URLs for a job still waiting for its photo (and, in parts, what S3 holds)",
    tags=["jobs"],
    security=api_middleware.BEARER,
    responses={
        200: api_middleware.documented("The upload, as at creation", UploadResponse, examples.UPLOAD),
        409: api_middleware.refusal(409, "The photo has arrived already (UPLOAD_SLOT_EXPIRED)", "uploadSlotExpired"),
        **api_middleware.ERRORS,
    },
)
def get_upload(job_id: str) -> Response[str]:
    slot = wiring.job_service().renew_upload_slot(current_user(), job_id, received=True)
    body = presenters.upload_model(slot).model_dump_json(by_alias=True, exclude_none=True)
    return Response(200, content_types.APPLICATION_JSON, body)


@app.post(
    "/v1/jobs/<job_id>/upload/complete",
    operation_id="completeUpload",
    summary="End an upload in parts: the job moves on as after one PUT",
    tags=["jobs"],
    security=api_middleware.BEARER,
    responses={
        200: api_middleware.documented("Completed", UploadCompletedResponse, examples.UPLOAD_COMPLETED),
        415: api_middleware.refusal(415, "The request body is not JSON"),
        **api_middleware.ERRORS,
    },
)
def complete_upload(
    job_id: str, request: Annotated[CompleteUploadRequest, Body(openapi_examples=examples.COMPLETE_UPLOAD_REQUEST)]
) -> UploadCompletedResponse:
    parts = [(part.number, part.etag) for part in request.parts]
    job = wiring.job_service().complete_upload(current_user(), job_id, parts)
    return UploadCompletedResponse(job_id=job.job_id, status=job.status.value)


@app.get(
    "/v1/jobs/<job_id>",
    operation_id="getJob",
    summary="A job's status, analysis, outputs and notifications",
    tags=["jobs"],
    security=api_middleware.BEARER,
    responses={200: api_middleware.documented("The job", JobResponse, examples.JOB), **api_middleware.ERRORS},
)
def get_job(job_id: str) -> JobResponse:
    service = wiring.job_service()
    job = service.get_job(current_user(), job_id)
    # Devices hear of a job only once it ends: a job still polled for has no deliveries to read.
    deliveries = wiring.delivery_ledger().list_for_job(job.job_id) if job.status.is_terminal else []
    edits = [presenters.edit_response(e, delivery_url(e)) for e in service.edits_of(job, LATEST_EDITS).edits]
    return presenters.job_response(job, delivery_url(job), deliveries, edits)


# How many of a job's edits its GET lists; GET /v1/jobs/{jobId}/edits pages through all.
LATEST_EDITS = 20


@app.get(
    "/v1/jobs",
    operation_id="listJobs",
    summary="The caller's jobs, newest first",
    tags=["jobs"],
    security=api_middleware.BEARER,
    responses={
        200: api_middleware.documented("A page of jobs", JobListResponse, examples.JOB_LIST),
        **api_middleware.ERRORS,
    },
)
def list_jobs(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    # An opaque base64url token (about 300 characters); the bound keeps URLs far below 8 KB.
    cursor: Annotated[str | None, Query(max_length=1024, pattern=r"^[A-Za-z0-9_-]+$")] = None,
) -> JobListResponse:
    page = wiring.job_service().list_jobs(current_user(), limit, cursor)
    return JobListResponse(
        jobs=[presenters.job_summary(j, delivery_url(j)) for j in page.jobs], next_cursor=page.cursor
    )


def delivery_url(job: Job) -> SignedUrl | None:
    """A finished job's (or edit's) delivery URL: the same all through the signer's window."""
    return wiring.url_signer().sign(job.job_id, utc_now()) if job.status is JobStatus.COMPLETED else None


@app.delete(
    "/v1/jobs/<job_id>",
    operation_id="deleteJob",
    summary="Delete a job and every object of it",
    tags=["jobs"],
    security=api_middleware.BEARER,
    responses={204: {"description": "Deleted"}, **api_middleware.ERRORS},
)
def delete_job(job_id: str) -> Response[str]:
    deleted = wiring.job_service().delete_job(current_user(), job_id)
    ledger = wiring.delivery_ledger()
    for subject in (job_id, *(edit_record_id(job_id, edit_id) for edit_id in deleted.edit_ids)):
        ledger.delete_for_job(subject)
    wiring.forget_delivery_paths(job_id)  # its edits' paths too
    return api_middleware.no_content()


JOB_ID_PATH = "/v1/jobs/<job_id>"


@app.post(
    f"{JOB_ID_PATH}/edits",
    operation_id="createEdit",
    summary="Ask an edit of a finished job's photo",
    tags=["edits"],
    security=api_middleware.BEARER,
    responses={
        202: api_middleware.documented("Accepted: the worker makes it", EditCreatedResponse, examples.EDIT_CREATED),
        409: api_middleware.refusal(
            409,
            "The job is not COMPLETED (JOB_NOT_READY), or a request with this Idempotency-Key is in progress "
            "(CONFLICT)",
        ),
        415: api_middleware.refusal(415, "The request body is not JSON"),
        422: api_middleware.refusal(422, "Idempotency-Key reused with another body"),
        429: api_middleware.limited(
            "The caller's jobs and edits this minute are at their limit (RATE_LIMITED), or the job has as many "
            "edits as it may have (QUOTA_EXCEEDED: delete some first)"
        ),
        **api_middleware.ERRORS,
    },
)
def create_edit(
    job_id: str,
    request: Annotated[CreateEditRequest, Body(openapi_examples=examples.CREATE_EDIT_REQUEST)],
    idempotency_key: Annotated[
        str | None, idempotency_header("Retries with the same key (and body) for the same job return the same edit.")
    ] = None,
) -> Response[str]:
    payload = {"userId": current_user(), "jobId": job_id, "body": request.model_dump(mode="json", by_alias=True)}
    if idempotency_key is None:
        created = _create_edit(payload)
    else:
        created = _once(_create_edit, {**payload, "key": idempotency_key}, "[userId, jobId, key]")
    return Response(202, content_types.APPLICATION_JSON, json.dumps(created))


def _create_edit(payload: dict[str, Any]) -> dict[str, Any]:
    request = CreateEditRequest.model_validate(payload["body"])
    variants = presenters.variants_from(request.variants)
    edits = tuple(edit.as_dict() for edit in request.edits)
    edit = wiring.job_service().request_edit(payload["userId"], payload["jobId"], edits, variants)
    return EditCreatedResponse(edit_id=edit.edit_id or "", status="PROCESSING").model_dump(mode="json", by_alias=True)


@app.get(
    f"{JOB_ID_PATH}/edits",
    operation_id="listEdits",
    summary="A job's edits, newest first",
    tags=["edits"],
    security=api_middleware.BEARER,
    responses={
        200: api_middleware.documented("A page of edits", EditListResponse, examples.EDIT_LIST),
        **api_middleware.ERRORS,
    },
)
def list_edits(
    job_id: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=64, pattern=r"^[0-9a-f]+$")] = None,
) -> EditListResponse:
    page = wiring.job_service().list_edits(current_user(), job_id, limit, cursor)
    return EditListResponse(
        edits=[presenters.edit_response(e, delivery_url(e)) for e in page.edits], next_cursor=page.cursor
    )


@app.get(
    f"{JOB_ID_PATH}/edits/<edit_id>",
    operation_id="getEdit",
    summary="One edit: its status, outputs and delivery URL",
    tags=["edits"],
    security=api_middleware.BEARER,
    responses={200: api_middleware.documented("The edit", EditResponse, examples.EDIT), **api_middleware.ERRORS},
)
def get_edit(job_id: str, edit_id: str) -> EditResponse:
    edit = wiring.job_service().get_edit(current_user(), job_id, edit_id)
    return presenters.edit_response(edit, delivery_url(edit))


@app.delete(
    f"{JOB_ID_PATH}/edits/<edit_id>",
    operation_id="deleteEdit",
    summary="Delete an edit and its objects (the job stays)",
    tags=["edits"],
    security=api_middleware.BEARER,
    responses={204: {"description": "Deleted"}, **api_middleware.ERRORS},
)
def delete_edit(job_id: str, edit_id: str) -> Response[str]:
    service = wiring.job_service()
    service.delete_edit(current_user(), job_id, edit_id)
    wiring.delivery_ledger().delete_for_job(edit_record_id(job_id, edit_id))
    wiring.forget_delivery_paths(edit_record_id(job_id, edit_id))
    return api_middleware.no_content()


@app.post(
    "/v1/devices",
    operation_id="registerDevice",
    summary="Register a device (idempotent per token)",
    tags=["devices"],
    security=api_middleware.BEARER,
    responses={
        201: api_middleware.documented("Registered", DeviceResponse, examples.DEVICE_REGISTERED),
        409: api_middleware.refusal(
            409, "The user has as many devices as allowed (DEVICE_LIMIT_REACHED)", "deviceLimit"
        ),
        415: api_middleware.refusal(415, "Request body is not JSON"),
        **api_middleware.ERRORS,
    },
)
def register_device(
    request: Annotated[RegisterDeviceRequest, Body(openapi_examples=examples.REGISTER_DEVICE_REQUEST)],
) -> Response[str]:
    platform = Platform(request.platform)
    address = request.url if platform is Platform.WEBHOOK else request.token
    device = wiring.device_service().register(current_user(), platform, address or "")
    body = presenters.device_response(device, include_secret=True)
    return Response(201, content_types.APPLICATION_JSON, body.model_dump_json(by_alias=True, exclude_none=True))


@app.get(
    "/v1/devices",
    operation_id="listDevices",
    summary="The caller's devices",
    tags=["devices"],
    security=api_middleware.BEARER,
    responses={
        200: api_middleware.documented("The devices", DeviceListResponse, examples.DEVICE_LIST),
        **api_middleware.ERRORS,
    },
)
def list_devices() -> DeviceListResponse:
    devices = wiring.device_service().list(current_user())
    return DeviceListResponse(devices=[presenters.device_response(d, include_secret=False) for d in devices])


@app.delete(
    "/v1/devices/<device_id>",
    operation_id="deleteDevice",
    summary="Unregister a device",
    tags=["devices"],
    security=api_middleware.BEARER,
    responses={204: {"description": "Unregistered"}, **api_middleware.ERRORS},
)
def delete_device(device_id: str) -> Response[str]:
    wiring.device_service().unregister(current_user(), device_id)
    return api_middleware.no_content()


@app.get("/v1/openapi.json", summary="This API's OpenAPI document", tags=["meta"], include_in_schema=False)
def openapi() -> Response[str]:
    if get_settings().on_aws:
        return api_middleware.error_response(ErrorCode.NOT_FOUND, "Not found.")
    return Response(200, content_types.APPLICATION_JSON, openapi_json())


def openapi_json() -> str:
    # Powertools' OpenAPI models take ~170 ms to build: loaded only when the document is asked for.
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    from photopipe.contract import webhooks

    document = app.get_openapi_json_schema(
        security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT", description="HS256 JWT, sub = user id")},
        title="photopipe API",
        version="1.0.0",
        description="Upload slots, job status and devices for mobile clients.",
    )
    return json.dumps(webhooks.described(json.loads(document)))


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId", clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    started = time.perf_counter()
    response = api_middleware.with_vary_origin(api_middleware.refused_body(event, cors) or app.resolve(event, context))
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
