from __future__ import annotations

import json

import openapi


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
        ("POST", "/v1/devices"): "registerDevice",
        ("GET", "/v1/devices"): "listDevices",
        ("DELETE", "/v1/devices/{device_id}"): "deleteDevice",
    }
