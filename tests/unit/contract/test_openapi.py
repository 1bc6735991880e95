from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from devkit import openapi
from photopipe.contract import models
from photopipe.jobs.events import JobEvent
from photopipe.jobs.model import EventType, JobStatus
from photopipe.notify import signing


def test_the_committed_openapi_document_is_current() -> None:
    assert openapi.DOCUMENT.exists(), "run `make openapi`"
    assert openapi.DOCUMENT.read_text() == openapi.render(), "docs/openapi.json is stale: run `make openapi`"


def test_the_document_describes_errors_and_auth_inputs() -> None:
    document = json.loads(openapi.render())
    create = document["paths"]["/v1/jobs"]["post"]
    assert {"201", "400", "401", "413", "415", "422"} <= set(create["responses"])
    assert any(p["name"].lower() == "idempotency-key" for p in create.get("parameters", []))
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "security" not in document["paths"]["/v1/health"]["get"]
    protected = [op for path, ops in document["paths"].items() if path != "/v1/health" for op in ops.values()]
    assert all(op["security"] == [{"bearerAuth": []}] for op in protected)


def test_every_operation_has_the_name_an_sdk_generator_will_give_its_method() -> None:
    document = json.loads(openapi.render())
    names = {
        (method.upper(), path): op.get("operationId")
        for path, ops in document["paths"].items()
        for method, op in ops.items()
    }
    assert names == {
        ("GET", "/v1/health"): "health",
        ("POST", "/v1/jobs"): "createJob",
        ("GET", "/v1/jobs"): "listJobs",
        ("GET", "/v1/jobs/{job_id}"): "getJob",
        ("DELETE", "/v1/jobs/{job_id}"): "deleteJob",
        ("GET", "/v1/jobs/{job_id}/upload"): "getUpload",
        ("POST", "/v1/jobs/{job_id}/upload/complete"): "completeUpload",
        ("POST", "/v1/jobs/{job_id}/edits"): "createEdit",
        ("GET", "/v1/jobs/{job_id}/edits"): "listEdits",
        ("GET", "/v1/jobs/{job_id}/edits/{edit_id}"): "getEdit",
        ("DELETE", "/v1/jobs/{job_id}/edits/{edit_id}"): "deleteEdit",
        ("POST", "/v1/devices"): "registerDevice",
        ("GET", "/v1/devices"): "listDevices",
        ("DELETE", "/v1/devices/{device_id}"): "deleteDevice",
    }


def _examples_by_model(document: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(where, model name, example value) for every example under a $ref'd media type."""
    found = []
    operations = [
        (f"{method.upper()} {path}", op)
        for section in ("paths", "webhooks")
        for path, ops in document.get(section, {}).items()
        for method, op in ops.items()
    ]
    for where, op in operations:
        media = [("request", op.get("requestBody", {}).get("content", {}))]
        media += [(status, response.get("content", {})) for status, response in op["responses"].items()]
        for part, content in media:
            for body in content.values():
                model = body["schema"].get("$ref", "").rsplit("/", 1)[-1]
                for name, example in body.get("examples", {}).items():
                    found.append((f"{where} {part} {name}", model, example["value"]))
    return found


def test_every_example_in_the_document_is_valid_for_its_model() -> None:
    document = json.loads(openapi.render())
    found = _examples_by_model(document)
    assert len(found) >= 25, f"too few examples found: {len(found)}"
    for where, model_name, value in found:
        model = getattr(models, model_name)
        try:
            model.model_validate(value)
        except ValidationError as exc:
            raise AssertionError(f"{where}: the example is not a valid {model_name}: {exc}") from exc
    documented = {where.rsplit(" ", 2)[0] for where, _, _ in found}
    for path, ops in document["paths"].items():
        for method in ops:
            if method != "delete":
                assert f"{method.upper()} {path}" in documented, f"{method.upper()} {path} shows no example"


def test_the_webhook_deliveries_are_described_as_the_notifier_sends_them() -> None:
    document = json.loads(openapi.render())
    assert document["openapi"].startswith("3.1")
    assert set(document["webhooks"]) == {"job.completed", "job.failed", "edit.completed", "edit.failed"}
    for name, entry in document["webhooks"].items():
        headers = {p["name"] for p in entry["post"]["parameters"] if p["in"] == "header"}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}, name
    sent = [
        JobEvent(
            EventType.JOB_COMPLETED,
            "job-1",
            "user-1",
            JobStatus.COMPLETED,
            "2026-12-02T00:00:00.000Z",
            outputs=("thumbnail", "large"),
            thumbhash="3FgKJRJviZd2V3jIeJend0+D8ce3",
        ),
        JobEvent(
            EventType.JOB_FAILED,
            "job-2",
            "user-1",
            JobStatus.FAILED,
            "2026-12-02T00:00:00.000Z",
            error_code="TRUNCATED_IMAGE",
        ),
        JobEvent(
            EventType.EDIT_FAILED,
            "job-3",
            "user-1",
            JobStatus.FAILED,
            "2026-12-02T00:00:00.000Z",
            error_code="INVALID_EDIT",
            edit_id="019ae0f3c5a13f9d2c41",
        ),
    ]
    for event in sent:
        payload = models.WebhookPayload.model_validate(json.loads(signing.payload(event)))
        assert payload.type in document["webhooks"], payload.type
        assert payload.data.job_id == event.job_id and payload.data.edit_id == event.edit_id
