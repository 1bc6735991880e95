"""The console server's own part: what it keeps of the webhook deliveries it receives."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook

from devkit import console
from photopipe.notify import signing


def delivery(secret: str, body: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    raw = json.dumps(body).encode()
    headers = signing.signed_headers(secret, "msg_1", int(datetime.now(UTC).timestamp()), raw)
    return headers, raw


def test_deliveries_are_logged_verified_or_refused_newest_first() -> None:
    server = console.Console(stack=None)  # type: ignore[arg-type]
    secret = signing.new_secret()
    server.secrets["alice"] = secret
    body = {"type": "job.completed", "timestamp": "t", "data": {"jobId": "j1"}}

    headers, raw = delivery(secret, body)
    server.receive("alice", headers, raw)
    server.receive("alice", headers, raw.replace(b"j1", b"j2"))  # tampered on the way
    other_headers, other_raw = delivery(signing.new_secret(), body)
    server.receive("alice", other_headers, other_raw)  # signed with another device's secret
    server.receive("bob", headers, raw)  # no secret for bob: never verified

    alice = server.log("alice")
    assert [entry["verified"] for entry in alice] == [False, False, True]
    assert alice[-1]["data"] == {"jobId": "j1"} and alice[-1]["webhookId"] == "msg_1"
    assert server.log("bob")[0]["verified"] is False
    Webhook(secret).verify(raw, headers)  # what the console accepted, the library accepts


def test_only_plain_user_ids_name_a_hook_path() -> None:
    assert console.user_in("/hooks/alice") == "alice"
    assert console.user_in("/hooks/../etc") is None
    assert console.user_in("/config.json") is None
