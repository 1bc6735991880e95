"""What every API route shares, beside the routes in api.py: the error envelope, bearer-token
authentication, the guard on request bodies, the exception handlers and the access line.

`install()` wires the middleware and the handlers into a resolver; the routes never repeat any
of it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType, RequestValidationError
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from photopipe import wiring
from photopipe.auth.tokens import InvalidToken, bearer_token
from photopipe.contract import examples as examples_
from photopipe.contract.models import ErrorResponse
from photopipe.errors import ErrorCode, LimitExceeded, PhotopipeError

BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def documented(description: str, model: type[Any], examples: dict[str, examples_.Example]) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": model, "examples": examples}}}


def refusal(status: int, description: str, *names: str) -> OpenAPIResponse:
    """An error response of the envelope, with the examples of its status's codes (or of `names`)."""
    shown = {k: v for k, v in examples_.ERRORS[status].items() if not names or k in names}
    return documented(description, ErrorResponse, shown)


def limited(description: str) -> OpenAPIResponse:
    """A 429 of a per-user limit, with its Retry-After header."""
    response = refusal(429, description)
    response["headers"] = {
        "Retry-After": {"description": "Seconds until the limit's window ends.", "schema": {"type": "integer"}}
    }
    return response


ERRORS: dict[int, OpenAPIResponse] = {
    400: refusal(400, "Invalid request"),
    401: refusal(401, "Missing or invalid token"),
    404: refusal(404, "Not found"),
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


def current_user(app: APIGatewayRestResolver) -> str:
    user_id: str = app.context["user_id"]
    return user_id


def origin_allowed(origin: str | None, patterns: tuple[str, ...]) -> bool:
    """S3's rule for CORS origins, so the API and the uploads bucket read one list alike: a
    pattern matches itself, or with its one `*` standing for any run of characters."""
    if not origin:
        return False
    for pattern in patterns:
        prefix, star, suffix = pattern.partition("*")
        if origin == pattern or (
            star and len(origin) >= len(prefix) + len(suffix) and origin.startswith(prefix) and origin.endswith(suffix)
        ):
            return True
    return False


class ConfiguredCORS(CORSConfig):
    """Powertools' CORS (the preflight answer, the headers on every response) for the origins the
    deployment allows (settings.cors_allowed_origins), matched by `origin_allowed`.

    Powertools matches origins exactly, so the check is ours: built as allow-all, every origin
    passes through `allowed_origin` first, which answers the origin itself or None.
    """

    def __init__(self, allowed: Callable[[], tuple[str, ...]]) -> None:
        super().__init__(allow_origin="*", allow_headers=["Idempotency-Key"], max_age=600)
        self._allowed = allowed

    def allowed_origin(self, extracted_origin: str | None) -> str | None:
        return extracted_origin if origin_allowed(extracted_origin, self._allowed()) else None

    def to_dict(self, origin: str | None) -> dict[str, str]:
        return super().to_dict(origin) if self.allowed_origin(origin) else {}

    def headers_for(self, event: dict[str, Any]) -> dict[str, str]:
        """For responses that never reach the resolver (refused bodies): what it would have added."""
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        return self.to_dict(headers.get("origin"))


def install(app: APIGatewayRestResolver, logger: Logger, public_paths: set[str]) -> None:
    """Authentication on every path but `public_paths`, and one error envelope for every failure."""

    def authenticate(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
        route = app.context.get("_route")  # the resolver's matched route (its own context key)
        if route is not None:
            logger.append_keys(route=route.path)  # for the access line
        # A browser's preflight carries no credentials: the resolver answers it (CORS).
        if app.current_event.path in public_paths or app.current_event.http_method == "OPTIONS":
            return next_middleware(app)
        try:
            token = bearer_token(
                app.current_event.headers.get("authorization") or app.current_event.headers.get("Authorization")
            )
            principal = wiring.verify_token(token)
        except InvalidToken as exc:
            return error_response(ErrorCode.UNAUTHORIZED, f"Unauthorized: {exc}.")
        app.append_context(user_id=principal.user_id)  # type: ignore[no-untyped-call]
        logger.append_keys(user_id=principal.user_id)
        return next_middleware(app)

    def domain_error(error: PhotopipeError) -> Response[str]:
        response = error_response(error.code, error.message)
        if isinstance(error, LimitExceeded):
            response.headers["Retry-After"] = str(error.retry_after_seconds)
        return response

    def validation_error(error: RequestValidationError) -> Response[str]:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body')}: {e.get('msg', 'invalid')}"
            for e in error.errors()
        )
        return error_response(ErrorCode.INVALID_REQUEST, f"Invalid request: {problems}"[:1000])

    def unsupported_content_type(error: RequestUnsupportedContentType) -> Response[str]:
        return error_response(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Request bodies must be application/json.")

    def unexpected(error: Exception) -> Response[str]:
        # Logged with its stack for us; the client gets a stable code and no internals.
        logger.exception("unhandled error")
        return error_response(ErrorCode.INTERNAL_ERROR, "Internal error; the request id is in the logs.", 500)

    def not_found(error: NotFoundError) -> Response[str]:
        logger.remove_keys(["route"])  # the resolver's stand-in route is the raw path: not a route
        return error_response(
            ErrorCode.NOT_FOUND, f"No route for {app.current_event.http_method} {app.current_event.path}."
        )

    app.use(middlewares=[authenticate])
    app.exception_handler(PhotopipeError)(domain_error)
    app.exception_handler(RequestValidationError)(validation_error)
    app.exception_handler(RequestUnsupportedContentType)(unsupported_content_type)
    app.exception_handler(Exception)(unexpected)
    app.not_found(not_found)


def with_vary_origin(response: dict[str, Any]) -> dict[str, Any]:
    """Answers differ by Origin (CORS headers or none): a cache between must keep them apart."""
    response.setdefault("headers", {})["Vary"] = "Origin"
    return response


def refused_body(event: dict[str, Any], cors: ConfiguredCORS) -> dict[str, Any] | None:
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
        return _refusal(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Request bodies must be application/json.", cors, event)
    if event.get("isBase64Encoded"):
        try:
            base64.b64decode(body, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return _refusal(ErrorCode.INVALID_REQUEST, "The request body is not UTF-8 encoded JSON.", cors, event)
    return None


def _refusal(code: ErrorCode, message: str, cors: ConfiguredCORS, event: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": PhotopipeError(code, message).http_status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON, **cors.headers_for(event)},
        "body": error_body(code, message),
        "isBase64Encoded": False,
    }
