"""The console server's own part: what it keeps of the webhook deliveries it receives."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook

from devkit import console
from photopipe.auth import tokens
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


class FakeStack:
    auth_secret = "the-stacks-dev-secret-0123456789abcdef"


def test_sign_in_needs_a_token_the_stack_signed_the_console_mints_none(monkeypatch: Any) -> None:
    server = console.Console(stack=FakeStack())  # type: ignore[arg-type]
    monkeypatch.setattr(server, "session", lambda user, token: {"user": user, "token": token})
    forged = tokens.issue("alice", "some-other-secret-0123456789abcdef0123")
    good = tokens.issue("alice", FakeStack.auth_secret)

    assert console.session_answer(server, json.dumps({"user": "alice"}).encode())[0] == 401  # a name alone
    assert console.session_answer(server, json.dumps({"token": forged}).encode())[0] == 401
    assert console.session_answer(server, json.dumps({"token": good}).encode()) == (
        200,
        {"user": "alice", "token": good},
    )


def test_a_users_notification_log_is_theirs_alone() -> None:
    server = console.Console(stack=FakeStack())  # type: ignore[arg-type]
    alice, bob = (tokens.issue(user, FakeStack.auth_secret) for user in ("alice", "bob"))

    assert console.log_answer(server, "alice", f"Bearer {alice}") == (200, [])
    assert console.log_answer(server, "alice", f"Bearer {bob}")[0] == 401
    assert console.log_answer(server, "alice", "")[0] == 401

    assert server.user_of(tokens.issue("alice", FakeStack.auth_secret)) == "alice"
    assert server.user_of(tokens.issue("alice", "some-other-secret-0123456789abcdef0123")) is None
    assert server.user_of("") is None
