"""The api handler, called in-process with API Gateway proxy events and in-memory adapters."""

from __future__ import annotations

import base64
import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from photopipe import wiring
from photopipe.auth import tokens
from photopipe.config import settings_from
from photopipe.delivery.signing import UrlSigner
from photopipe.handlers import api, api_middleware
from photopipe.jobs.model import JobStatus, Output
from photopipe.jobs.service import JobService
from photopipe.notify.devices import DeviceService
from photopipe.notify.targets import TargetPolicy
from tests.support.fakes import (
    InMemoryDevices,
    InMemoryIdempotencyStore,
    InMemoryJobs,
    InMemoryLedger,
    InMemoryLimiter,
    InMemoryStore,
)

SECRET = "api-unit-secret-of-at-least-32-bytes"
SIGNER = UrlSigner("https://img.example", ("delivery-key",))


@dataclass
class Context:
    function_name: str = "photopipe-api"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:photopipe-api"
    aws_request_id: str = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> InMemoryJobs:
    settings = settings_from({"MAX_UPLOAD_BYTES": "1000000"})
    jobs, store, ledger, devices = InMemoryJobs(), InMemoryStore(), InMemoryLedger(), InMemoryDevices()
    # The service reads the same clock as the handler (api.utc_now), so a test can move both.
    monkeypatch.setattr(wiring, "job_service", lambda: JobService(settings, jobs, store, clock=lambda: api.utc_now()))
    monkeypatch.setattr(wiring, "delivery_ledger", lambda: ledger)
    monkeypatch.setattr(
        wiring,
        "device_service",
        lambda: DeviceService(devices, TargetPolicy(allow_loopback=True), lambda host, port: ["93.184.215.14"]),
    )
    monkeypatch.setattr(wiring, "auth_secret", lambda: SECRET)
    monkeypatch.setattr(wiring, "url_signer", lambda: SIGNER)
    idempotency = InMemoryIdempotencyStore()
    monkeypatch.setattr(wiring, "idempotency_store", lambda: idempotency)
    return jobs


def call(*args: Any, **kwargs: Any) -> tuple[int, Any]:
    response = respond(*args, **kwargs)
    raw = response.get("body") or ""
    return response["statusCode"], json.loads(raw) if raw else None


def respond(
    method: str,
    path: str,
    body: Any = None,
    user: str | None = "alice",
    token: str | None = None,
    query: dict[str, str] | None = None,
    extra_headers: dict[str, str] | None = None,
    raw_body: bytes | None = None,
) -> dict[str, Any]:
    """The handler's raw proxy response to an API Gateway event built from the arguments."""
    headers = {"content-type": "application/json", **(extra_headers or {})}
    if token is not None:
        headers["Authorization"] = token
    elif user is not None:
        headers["Authorization"] = f"Bearer {tokens.issue(user, SECRET)}"
    event = {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()},
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "requestId": "r-1",
            "stage": "live",
            "httpMethod": method,
            "path": f"/live{path}",
            "resourcePath": "/{proxy+}",
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": None if body is None else (body if isinstance(body, str) else json.dumps(body)),
        "isBase64Encoded": False,
    }
    if raw_body is not None:  # as API Gateway passes bytes that are not UTF-8
        event.update(body=base64.b64encode(raw_body).decode(), isBase64Encoded=True)
    response: dict[str, Any] = api.lambda_handler(event, Context())  # type: ignore[arg-type]
    return response


def create(body: dict[str, Any] | None = None, user: str = "alice") -> tuple[int, Any]:
    return call("POST", "/v1/jobs", body or {"contentType": "image/jpeg", "contentLength": 1234}, user=user)


def test_health_needs_no_token(backend: InMemoryJobs) -> None:
    assert call("GET", "/v1/health", user=None) == (200, {"status": "ok", "build": "source"})


def test_create_job_returns_an_upload_slot_that_signs_type_and_length(backend: InMemoryJobs) -> None:
    status, body = create()
    assert status == 201
    assert body["status"] == "PENDING_UPLOAD"
    assert body["upload"]["method"] == "PUT"
    assert body["upload"]["headers"] == {"Content-Type": "image/jpeg", "Content-Length": "1234", "If-None-Match": "*"}
    assert f"incoming/alice/{body['jobId']}/original" in body["upload"]["url"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"contentType": "image/jpeg", "contentLength": 2_000_000}, 413, "PAYLOAD_TOO_LARGE"),
        ({"contentType": "application/pdf", "contentLength": 10}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        ({"contentType": "image/jpeg"}, 400, "INVALID_REQUEST"),
        ({"contentType": "image/jpeg", "contentLength": -1}, 400, "INVALID_REQUEST"),
        ({"contentType": "image/jpeg", "contentLength": 5, "surprise": 1}, 400, "INVALID_REQUEST"),
        ("{not json", 400, "INVALID_REQUEST"),
        ([], 400, "INVALID_REQUEST"),
    ],
)
def test_bad_create_bodies_get_stable_codes(backend: InMemoryJobs, body: Any, status: int, code: str) -> None:
    got_status, got = call("POST", "/v1/jobs", body)
    assert (got_status, got["error"]["code"]) == (status, code)
    assert got["error"]["message"]


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer not-a-jwt",
        "Basic YWxpY2U6cHc=",
        f"Bearer {tokens.issue('alice', SECRET, ttl_seconds=-3600)}",
        f"Bearer {tokens.issue('alice', 'wrong-secret')}",
    ],
    ids=["empty", "no-token", "malformed", "basic", "expired", "wrong-signature"],
)
def test_bad_tokens_get_401(backend: InMemoryJobs, authorization: str) -> None:
    status, body = call("GET", "/v1/jobs", token=authorization)
    assert (status, body["error"]["code"]) == (401, "UNAUTHORIZED")


def test_missing_token_gets_401(backend: InMemoryJobs) -> None:
    assert call("GET", "/v1/jobs", user=None)[0] == 401


def test_another_users_job_is_a_404(backend: InMemoryJobs) -> None:
    _, created = create(user="alice")
    status, body = call("GET", f"/v1/jobs/{created['jobId']}", user="mallory")
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")
    assert call("DELETE", f"/v1/jobs/{created['jobId']}", user="mallory")[0] == 404


def test_get_list_and_delete_a_job(backend: InMemoryJobs) -> None:
    ids = [create()[1]["jobId"] for _ in range(3)]
    status, job = call("GET", f"/v1/jobs/{ids[0]}")
    assert status == 200 and job["status"] == "PENDING_UPLOAD" and job["outputs"] == []
    first = call("GET", "/v1/jobs", query={"limit": "2"})[1]
    second = call("GET", "/v1/jobs", query={"limit": "2", "cursor": first["nextCursor"]})[1]
    listed = [j["jobId"] for j in first["jobs"] + second["jobs"]]
    assert sorted(listed) == sorted(ids) and second["nextCursor"] is None
    assert call("DELETE", f"/v1/jobs/{ids[0]}")[0] == 204
    assert call("GET", f"/v1/jobs/{ids[0]}")[0] == 404


def test_a_job_still_in_flight_is_read_without_its_deliveries_a_finished_one_with(
    backend: InMemoryJobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = wiring.delivery_ledger()
    read: list[str] = []
    monkeypatch.setattr(ledger, "list_for_job", lambda job_id: read.append(job_id) or [])
    job_id = create()[1]["jobId"]
    assert call("GET", f"/v1/jobs/{job_id}")[1]["notifications"] == [] and read == []
    backend.claim(job_id, "alice", "msg-1", "2026-01-01T00:00:00.000Z")
    backend.finish(job_id, "msg-1", JobStatus.COMPLETED, "2026-01-01T00:00:01.000Z", [], None, None, 5)
    assert call("GET", f"/v1/jobs/{job_id}")[0] == 200 and read == [job_id]


def test_a_finished_job_carries_a_delivery_url_that_stays_the_same_all_day_and_names_its_outputs(
    backend: InMemoryJobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = create()[1]["jobId"]
    assert call("GET", f"/v1/jobs/{job_id}")[1]["delivery"] is None
    backend.claim(job_id, "alice", "msg-1", "2026-01-01T00:00:00.000Z")
    outputs = [Output("thumbnail", f"results/alice/{job_id}/thumbnail.jpg", 256, 192, "image/jpeg", 9000)]
    backend.finish(job_id, "msg-1", JobStatus.COMPLETED, "2026-01-01T00:00:01.000Z", outputs, None, None, 5)
    morning, evening = datetime(2026, 3, 1, 0, 5, tzinfo=UTC), datetime(2026, 3, 1, 23, 55, tzinfo=UTC)
    monkeypatch.setattr(api, "utc_now", lambda: morning)
    first = call("GET", f"/v1/jobs/{job_id}")[1]
    monkeypatch.setattr(api, "utc_now", lambda: evening)
    later = call("GET", f"/v1/jobs/{job_id}")[1]
    listed = call("GET", "/v1/jobs")[1]["jobs"][0]
    assert first["delivery"] == later["delivery"] == listed["delivery"]
    assert first["delivery"]["url"].startswith(f"https://img.example/{job_id}/")
    assert first["delivery"]["expiresAt"] == "2026-03-03T00:00:00.000Z"  # >= 24 h after either call
    assert [o["url"] for o in first["outputs"]] == [f"{first['delivery']['url']}/w_256,h_256,fit_contain,f_jpeg"]


def test_a_limit_is_a_429_with_retry_after(backend: InMemoryJobs, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from({"MAX_UPLOAD_BYTES": "1000000", "JOBS_PER_USER_MINUTE": "1"})
    service = JobService(settings, backend, InMemoryStore(), clock=lambda: api.utc_now(), limiter=InMemoryLimiter())
    monkeypatch.setattr(wiring, "job_service", lambda: service)
    assert create()[0] == 201
    response = respond("POST", "/v1/jobs", body={"contentType": "image/jpeg", "contentLength": 5})
    assert response["statusCode"] == 429 and json.loads(response["body"])["error"]["code"] == "RATE_LIMITED"
    headers = response.get("multiValueHeaders") or {}
    retry_after = (response.get("headers") or {}).get("Retry-After") or headers.get("Retry-After", [""])[0]
    assert 1 <= int(retry_after) <= 60


def test_list_limit_and_cursor_are_bounded(backend: InMemoryJobs) -> None:
    assert call("GET", "/v1/jobs", query={"limit": "1000"})[0] == 400
    assert call("GET", "/v1/jobs", query={"cursor": "a" * 1025})[0] == 400
    assert call("GET", "/v1/jobs", query={"cursor": "not/base64url+"})[0] == 400


def test_devices_register_idempotently_and_delete(backend: InMemoryJobs) -> None:
    status, device = call("POST", "/v1/devices", {"platform": "ios", "token": "apns-token-123456"})
    assert status == 201
    assert call("POST", "/v1/devices", {"platform": "ios", "token": "apns-token-123456"})[1] == device
    assert [d["deviceId"] for d in call("GET", "/v1/devices")[1]["devices"]] == [device["deviceId"]]
    assert call("DELETE", f"/v1/devices/{device['deviceId']}", user="mallory")[0] == 404
    assert call("DELETE", f"/v1/devices/{device['deviceId']}")[0] == 204


@pytest.mark.parametrize(
    "body",
    [
        {"platform": "webhook", "token": "abcdefgh"},
        {"platform": "ios", "url": "https://x.example/h"},
        {"platform": "fax", "token": "abcdefgh"},
        {"platform": "webhook", "url": "http://example.com/hook"},
    ],
)
def test_bad_device_bodies_get_400(backend: InMemoryJobs, body: dict[str, str]) -> None:
    status, got = call("POST", "/v1/devices", body)
    assert (status, got["error"]["code"]) == (400, "INVALID_REQUEST")


def test_unknown_route_is_a_json_404(backend: InMemoryJobs) -> None:
    status, body = call("GET", "/v1/nothing-here")
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")


def test_openapi_document_lists_every_route(backend: InMemoryJobs) -> None:
    status, document = call("GET", "/v1/openapi.json", user=None)
    assert status == 200
    assert {"/v1/jobs", "/v1/jobs/{job_id}", "/v1/devices", "/v1/devices/{device_id}", "/v1/health"} <= set(
        document["paths"]
    )


def test_an_idempotency_key_returns_the_same_job_for_a_retry(backend: InMemoryJobs) -> None:
    body = {"contentType": "image/jpeg", "contentLength": 1234}
    first = call("POST", "/v1/jobs", body, extra_headers={"Idempotency-Key": "k-1"})
    retry = call("POST", "/v1/jobs", body, extra_headers={"Idempotency-Key": "k-1"})
    assert first[0] == retry[0] == 201
    assert first[1]["jobId"] == retry[1]["jobId"]
    assert len(backend.items) == 1
    other_user = call("POST", "/v1/jobs", body, user="bob", extra_headers={"Idempotency-Key": "k-1"})
    assert other_user[1]["jobId"] != first[1]["jobId"]
    without_key = call("POST", "/v1/jobs", body)
    assert without_key[1]["jobId"] != first[1]["jobId"]


def test_a_replay_after_the_upload_url_expired_gets_a_fresh_one_or_a_409(
    backend: InMemoryJobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"contentType": "image/jpeg", "contentLength": 1234}
    status, first = call("POST", "/v1/jobs", body, extra_headers={"Idempotency-Key": "k-9"})
    assert status == 201 and first["upload"]["headers"]["If-None-Match"] == "*"
    later = datetime.fromisoformat(first["upload"]["expiresAt"].replace("Z", "+00:00")) + timedelta(seconds=1)
    monkeypatch.setattr(api, "utc_now", lambda: later)
    status, replay = call("POST", "/v1/jobs", body, extra_headers={"Idempotency-Key": "k-9"})
    assert status == 201 and replay["jobId"] == first["jobId"]
    assert replay["upload"]["expiresAt"] != first["upload"]["expiresAt"]  # renewed, from the service's clock
    backend.claim(first["jobId"], "alice", "msg-1", "2026-01-01T00:00:00.000Z")  # the photo arrived meanwhile
    status, refused = call("POST", "/v1/jobs", body, extra_headers={"Idempotency-Key": "k-9"})
    assert (status, refused["error"]["code"]) == (409, "UPLOAD_SLOT_EXPIRED")


def test_uploads_in_parts_through_the_handler_replay_resume_and_refuse_an_early_complete(
    backend: InMemoryJobs,
) -> None:
    body = {"contentType": "image/jpeg", "contentLength": 20 * 1024 * 1024, "multipart": True}
    status, first = call("POST", "/v1/jobs", body, extra_headers={"Idempotency-Key": "k-parts"})
    assert status == 201 and first["upload"]["type"] == "multipart" and len(first["upload"]["parts"]) == 3
    status, replay = call("POST", "/v1/jobs", body, extra_headers={"Idempotency-Key": "k-parts"})
    assert status == 201 and replay["jobId"] == first["jobId"] and replay["upload"]["type"] == "multipart"
    assert "received" not in replay["upload"]  # the creation's shape, its URLs made afresh
    status, resumed = call("GET", f"/v1/jobs/{first['jobId']}/upload")
    assert status == 200 and resumed["received"] == [] and len(resumed["parts"]) == 3
    status, early = call("POST", f"/v1/jobs/{first['jobId']}/upload/complete", {"parts": [{"number": 1, "etag": "x"}]})
    assert (status, early["error"]["code"]) == (400, "UPLOAD_INCOMPLETE")
    status, single = call("GET", f"/v1/jobs/{create()[1]['jobId']}/upload")
    assert status == 200 and single["type"] == "put" and "received" not in single


def test_an_idempotency_key_reused_with_another_body_is_refused(backend: InMemoryJobs) -> None:
    call(
        "POST", "/v1/jobs", {"contentType": "image/jpeg", "contentLength": 1}, extra_headers={"Idempotency-Key": "k-2"}
    )
    status, body = call(
        "POST", "/v1/jobs", {"contentType": "image/jpeg", "contentLength": 2}, extra_headers={"Idempotency-Key": "k-2"}
    )
    assert (status, body["error"]["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")


def test_logs_carry_the_user_but_never_the_token_or_upload_url(backend: InMemoryJobs, api_log: io.StringIO) -> None:
    token = tokens.issue("alice", SECRET)
    status, created = call(
        "POST", "/v1/jobs", {"contentType": "image/jpeg", "contentLength": 5}, token=f"Bearer {token}"
    )
    api.logger.info("after request")
    output = api_log.getvalue()
    assert status == 201
    assert token not in output
    assert created["upload"]["url"] not in output


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data", "application/x-www-form-urlencoded"])
def test_non_json_bodies_are_refused_with_415(backend: InMemoryJobs, content_type: str) -> None:
    for path in ("/v1/jobs", "/v1/devices"):
        status, body = call("POST", path, "a=b", extra_headers={"content-type": content_type})
        assert (status, body["error"]["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")


def test_a_body_that_is_not_utf8_is_a_400(backend: InMemoryJobs) -> None:
    # Found by schemathesis on LocalStack, which base64-encodes such bodies (a 500 before).
    for path in ("/v1/jobs", "/v1/devices"):
        status, body = call("POST", path, raw_body=b"\x9f\xa2a\xff{")
        assert (status, body["error"]["code"]) == (400, "INVALID_REQUEST")
    valid = json.dumps({"contentType": "image/jpeg", "contentLength": 5}).encode()
    status, _ = call("POST", "/v1/jobs", raw_body=valid)
    assert status == 201  # base64-encoded UTF-8 JSON is fine


def test_an_unexpected_failure_is_a_500_without_internals(
    backend: InMemoryJobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(wiring, "device_service", broken)
    status, body = call("GET", "/v1/devices")
    assert (status, body["error"]["code"]) == (500, "INTERNAL_ERROR")
    assert "secret internals" not in json.dumps(body)


@pytest.fixture
def api_log() -> Iterator[io.StringIO]:
    """What the api logger writes, in place of its stderr."""
    (handler,) = logging.getLogger(api.logger.service).handlers
    assert isinstance(handler, logging.StreamHandler)
    written = io.StringIO()
    built_with, handler.stream = handler.stream, written
    yield written
    handler.stream = built_with


def access_lines(captured: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in captured.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("message") == "request"]


def test_the_user_id_does_not_leak_into_the_next_requests_logs(backend: InMemoryJobs, api_log: io.StringIO) -> None:
    call("GET", "/v1/jobs", user="alice-the-first")
    assert "alice-the-first" in api_log.getvalue()
    api_log.truncate(0)
    call("GET", "/v1/health", user=None)
    api.logger.info("after an anonymous request")
    assert "alice-the-first" not in api_log.getvalue()


def test_functions_log_on_stderr() -> None:
    """MiniStack waits 50 ms after each invocation for a first stderr line: none on stdout."""
    probe = "from photopipe.handlers.logs import function_logger; function_logger().info('hello')"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)  # noqa: S603
    assert (done.stdout, json.loads(done.stderr)["message"]) == ("", "hello")


def test_every_request_logs_one_access_line(backend: InMemoryJobs, api_log: io.StringIO) -> None:
    call("GET", "/v1/jobs/nope", user="alice")
    call("GET", "/v1/health", user=None)
    call("GET", "/v1/no-such-route", user="alice")
    missing, health, unrouted = access_lines(api_log.getvalue())
    assert missing["route"] == "/v1/jobs/<job_id>" and missing["user_id"] == "alice", missing
    assert (missing["method"], missing["path"], missing["status"]) == ("GET", "/v1/jobs/nope", 404)
    assert missing["correlation_id"] and isinstance(missing["latencyMs"], float)
    assert (health["route"], health["status"], "user_id" in health) == ("/v1/health", 200, False)
    assert (unrouted["status"], "route" in unrouted) == (404, False)


@pytest.mark.parametrize(
    "operations",
    [
        {"variants": [{"name": "v"}]},
        {"variants": [{"name": "v", "maxSize": 256, "width": 100, "height": 100}]},
        {"variants": [{"name": "v", "width": 100}]},
        {"variants": [{"name": "v", "width": 100, "height": 100, "focus": "stars"}]},
        {"edits": [{"op": "crop", "width": 100, "height": 100}]},
        {"edits": [{"op": "crop", "left": 0, "top": 0, "width": 100, "height": 100, "focus": "faces"}]},
        {"edits": [{"op": "crop", "left": 0, "width": 100, "height": 100}]},
    ],
    ids=["no-size", "both-shapes", "half-a-box", "bad-focus", "unplaced-crop", "placed-twice", "half-placed"],
)
def test_variant_and_crop_shapes_are_checked(backend: InMemoryJobs, operations: dict[str, object]) -> None:
    status, got = call("POST", "/v1/jobs", {"contentType": "image/jpeg", "contentLength": 10, "operations": operations})
    assert (status, got["error"]["code"]) == (400, "INVALID_REQUEST"), got


def test_box_variants_and_placed_crops_are_accepted(backend: InMemoryJobs) -> None:
    operations = {
        "variants": [{"name": "square", "width": 512, "height": 512, "focus": "faces", "format": "webp"}],
        "edits": [{"op": "crop", "width": 800, "height": 800, "focus": "attention"}],
    }
    status, _ = call("POST", "/v1/jobs", {"contentType": "image/jpeg", "contentLength": 10, "operations": operations})
    assert status == 201
    (job,) = backend.items.values()
    (variant,) = job.operations.variants
    assert (variant.box, variant.focus, variant.max_size) == ((512, 512), "faces", 512)


LOCAL_ORIGINS = "http://localhost:*,http://127.0.0.1:*"


@pytest.fixture
def browser_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from({"CORS_ALLOWED_ORIGINS": LOCAL_ORIGINS})
    monkeypatch.setattr(api, "get_settings", lambda: settings)


def headers_of(response: dict[str, Any]) -> dict[str, str]:
    single = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    multi = {k.lower(): ",".join(v) for k, v in (response.get("multiValueHeaders") or {}).items()}
    return {**multi, **single}


def test_a_browser_preflight_from_an_allowed_origin_is_answered_without_a_token(
    backend: InMemoryJobs, browser_origins: None
) -> None:
    preflight = respond(
        "OPTIONS",
        "/v1/jobs",
        user=None,
        extra_headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        },
    )
    headers = headers_of(preflight)
    assert preflight["statusCode"] == 204, preflight
    assert headers["access-control-allow-origin"] == "http://localhost:5173"
    assert {"POST", "GET", "DELETE"} <= set(headers["access-control-allow-methods"].split(","))
    assert {"authorization", "content-type", "idempotency-key"} <= {
        h.lower() for h in headers["access-control-allow-headers"].split(",")
    }
    assert headers["vary"] == "Origin"


def test_other_origins_get_no_cors_headers(backend: InMemoryJobs, browser_origins: None) -> None:
    for origin in ("https://evil.example", "http://localhost.evil.example", "null"):
        preflight = respond("OPTIONS", "/v1/jobs", user=None, extra_headers={"Origin": origin})
        assert "access-control-allow-origin" not in headers_of(preflight), origin
        answer = respond("GET", "/v1/jobs", extra_headers={"Origin": origin})
        assert answer["statusCode"] == 200
        assert "access-control-allow-origin" not in headers_of(answer), origin


def test_without_configured_origins_no_origin_is_allowed(backend: InMemoryJobs) -> None:
    answer = respond("GET", "/v1/health", user=None, extra_headers={"Origin": "http://localhost:3000"})
    assert "access-control-allow-origin" not in headers_of(answer)


def test_every_answer_to_an_allowed_origin_can_be_read_by_the_page_errors_too(
    backend: InMemoryJobs, browser_origins: None
) -> None:
    origin = {"Origin": "http://127.0.0.1:8787"}
    answers = {
        "created": respond(
            "POST", "/v1/jobs", {"contentType": "image/jpeg", "contentLength": 10}, extra_headers=origin
        ),
        "unauthorized": respond("GET", "/v1/jobs", user=None, extra_headers=origin),
        "not found": respond("GET", "/v1/jobs/nope", extra_headers=origin),
        "invalid": respond("POST", "/v1/jobs", {"contentType": "image/jpeg"}, extra_headers=origin),
        "refused body": respond("POST", "/v1/jobs", "x", extra_headers={**origin, "content-type": "text/plain"}),
    }
    statuses = {name: answer["statusCode"] for name, answer in answers.items()}
    assert statuses == {"created": 201, "unauthorized": 401, "not found": 404, "invalid": 400, "refused body": 415}
    for name, answer in answers.items():
        assert headers_of(answer).get("access-control-allow-origin") == "http://127.0.0.1:8787", name


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:3000", True),
        ("http://localhost", False),
        ("https://localhost:3000", False),
        ("http://127.0.0.1:8080", True),
        ("https://app.example.com", True),
        ("https://app.example.com.evil.net", False),
        ("https://a.cdn.example.com", True),
        ("https://cdn.example.com", False),
        (None, False),
    ],
)
def test_origins_match_as_s3_cors_rules_do(origin: str | None, allowed: bool) -> None:
    patterns = ("http://localhost:*", "http://127.0.0.1:*", "https://app.example.com", "https://*.cdn.example.com")
    assert api_middleware.origin_allowed(origin, patterns) is allowed


def test_the_api_loads_no_image_library_it_does_not_ship_with() -> None:
    # The api function has no imaging layer: importing it and what its requests import (the job
    # service, its ports), and validating a request with edits, must not import Pillow (the edit
    # ops it validates against live in images/edits.py).
    probe = (
        "import sys; from photopipe.handlers import api; from photopipe.jobs import service; "
        "from photopipe.contract.models import CreateJobRequest; "
        "CreateJobRequest.model_validate({'contentType': 'image/jpeg', 'contentLength': 1, "
        "'operations': {'edits': [{'op': 'watermark', 'text': 'x'}]}}); "
        "print(sorted(m for m in ('PIL', 'pillow_heif', 'numpy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)  # noqa: S603

    assert done.stdout.strip() == "[]", done.stdout


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/jobs/" + "j" * 3000),
        ("DELETE", "/v1/jobs/" + "j" * 3000),
        ("GET", "/v1/jobs/a%2Fb"),
        ("DELETE", "/v1/devices/" + "d" * 3000),
    ],
)
def test_an_id_no_job_or_device_could_have_is_a_404_not_a_500(backend: InMemoryJobs, method: str, path: str) -> None:
    status, body = call(method, path)

    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")
    assert len(body["error"]["message"]) < 100  # the id is not echoed back
