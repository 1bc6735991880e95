"""The webhook deliveries in the OpenAPI document, as OpenAPI 3.1 `webhooks`.

Powertools documents routes only; the deliveries photopipe sends are added to its document here,
one entry per event type, with the Standard Webhooks headers and the payload's schema.
"""

from __future__ import annotations

from typing import Any

from photopipe.contract import examples
from photopipe.contract.models import WebhookPayload

SCHEMA_REF = "#/components/schemas/{model}"

HEADERS = {
    "webhook-id": "One per event and device, the same on every retry: dedupe on it.",
    "webhook-timestamp": "Seconds since the epoch; refuse a message more than five minutes off.",
    "webhook-signature": 'v1,<base64 HMAC-SHA256 of "id.timestamp.body">, keyed with the device\'s '
    "signingSecret (whsec_...). Verify with any Standard Webhooks library.",
}

EVENTS = {
    "job.completed": ("A job finished: its variants and analysis are ready to GET.", "completed"),
    "job.failed": ("A job failed: data.errorCode says why; GET the job for error.message.", "failed"),
    "edit.completed": ("An edit asked after upload is ready: GET /v1/jobs/{jobId}/edits/{editId}.", "editCompleted"),
    "edit.failed": ("An edit failed: data.errorCode says why; GET the edit for error.message.", "editFailed"),
}


def described(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with the payload's schemas in its components and a `webhooks` entry per event."""
    schema = WebhookPayload.model_json_schema(by_alias=True, ref_template=SCHEMA_REF)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(schema.pop("$defs", {}))
    schemas[WebhookPayload.__name__] = schema
    document["webhooks"] = {name: _delivery(name, summary, key) for name, (summary, key) in EVENTS.items()}
    return document


def _delivery(name: str, summary: str, example_key: str) -> dict[str, Any]:
    return {
        "post": {
            "operationId": "".join(part.capitalize() if i else part for i, part in enumerate(name.split("."))),
            "summary": summary,
            "description": "Sent to every webhook device of the job's user (Standard Webhooks v1). Retried "
            "with the same webhook-id until a 2xx answers within the timeout, then recorded FAILED on the job.",
            "parameters": [
                {"name": header, "in": "header", "required": True, "description": text, "schema": {"type": "string"}}
                for header, text in HEADERS.items()
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": SCHEMA_REF.format(model=WebhookPayload.__name__)},
                        "examples": {example_key: examples.WEBHOOK[example_key]},
                    }
                },
            },
            "responses": {"2XX": {"description": "Received; any other answer, or none in time, is retried."}},
        }
    }
