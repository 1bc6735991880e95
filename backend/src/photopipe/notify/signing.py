"""Webhook deliveries as Standard Webhooks v1 (standardwebhooks.com), signed with the reference
`standardwebhooks` library, so that a receiver verifies with it (or any implementation of the
spec) in a few lines.

    webhook-id         one per event and device, the same on every retry (receivers dedupe on it)
    webhook-timestamp  seconds since the epoch; receivers refuse a message five minutes off
    webhook-signature  "v1,<base64 HMAC-SHA256 of id.timestamp.body>", keyed with the secret

Secrets are "whsec_" + base64 of 32 random bytes. The body is {type, timestamp, data}, `type`
being job.completed, job.failed, edit.completed or edit.failed and `data` the event.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook

from photopipe.jobs.events import JobEvent
from photopipe.jobs.model import EventType

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
EVENT_TYPES = {
    EventType.JOB_COMPLETED: "job.completed",
    EventType.JOB_FAILED: "job.failed",
    EventType.EDIT_COMPLETED: "edit.completed",
    EventType.EDIT_FAILED: "edit.failed",
}


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def message_id(event: JobEvent, device_id: str) -> str:
    """Derived, not drawn: a retry of this event to this device carries the same id."""
    digest = hashlib.sha256(f"{event.subject_id}\n{event.event_type.value}\n{device_id}".encode()).digest()
    return "msg_" + base64.b32encode(digest[:20]).decode().lower()


def payload(event: JobEvent) -> bytes:
    envelope: dict[str, Any] = {
        "type": EVENT_TYPES[event.event_type],
        "timestamp": event.occurred_at,
        "data": event.to_message(),
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


def signed_headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    # A device registered before the whsec_ form has a URL-safe token: its bytes are the key,
    # as they were (the library would read it as base64 and fail).
    key: str | bytes = secret if secret.startswith("whsec_") else secret.encode()
    signature = Webhook(key).sign(msg_id, datetime.fromtimestamp(timestamp, UTC), body.decode())
    return {ID_HEADER: msg_id, TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature}
