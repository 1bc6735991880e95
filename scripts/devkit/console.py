#!/usr/bin/env python3
"""`make console`: a web page for looking at the running local stack.

Serves the static page in scripts/console/ and, beside it, what only a local tool may do:
  POST /session {token}  signs in with a token the stack's dev secret signed (`make token
                         USER=alice`), and registers a webhook device of that user pointing here;
                         the console mints no token itself, so it can act for no one else
  POST /hooks/<user>     the deliveries of that device, verified with the `standardwebhooks`
                         library as any receiver would
  GET  /hooks/<user>     what arrived, newest first, for the page's notification log: only with
                         that user's token (Authorization: Bearer)
  GET  /config.json      the API's URL

It listens on 127.0.0.1, and on PUBLIC_HOST only when one is given.

The page itself talks to the API as a phone does: CORS, bearer token, presigned PUT.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import threading
import time
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
from standardwebhooks import Webhook, WebhookVerificationError

from devkit.stack import Stack
from photopipe.auth import tokens
from photopipe.errors import PhotopipeError

STATIC = Path(__file__).resolve().parents[1] / "console"  # the page, beside the dev kit
USER_ID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
LOG_LIMIT = 200


class Console:
    """What the server keeps: each signed-in user's webhook secret and the deliveries it got."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.port = 0  # set once the server is bound
        self.secrets: dict[str, str] = {}
        self.deliveries: dict[str, list[dict[str, Any]]] = {}
        self.lock = threading.Lock()

    def user_of(self, token: str) -> str | None:
        """The user a token the stack's dev secret signed names; None for any other token."""
        try:
            return tokens.verify(token, self.stack.auth_secret).user_id
        except (tokens.InvalidToken, PhotopipeError):
            return None

    def session(self, user: str, token: str) -> dict[str, Any]:
        if user not in self.secrets:
            # Registering is idempotent per URL: a second sign-in finds the same device.
            answer = requests.post(
                f"{self.stack.host_api_base_url}/v1/devices",
                json={"platform": "webhook", "url": f"{self.hook_base()}/hooks/{user}"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            answer.raise_for_status()
            device = answer.json()
            if device.get("signingSecret"):
                self.secrets[user] = device["signingSecret"]
        return {"user": user, "token": token}

    def hook_base(self) -> str:
        # The notifier runs on this machine: loopback reaches this server whatever PUBLIC_HOST is.
        return f"http://127.0.0.1:{self.port}"

    def receive(self, user: str, headers: dict[str, str], body: bytes) -> None:
        secret = self.secrets.get(user)
        entry: dict[str, Any] = {"receivedAt": time.time(), "webhookId": headers.get("webhook-id")}
        try:
            if secret is None:
                raise WebhookVerificationError("no secret for this user (signed in before the console started?)")
            message = Webhook(secret).verify(body, headers)
            entry.update(verified=True, type=message.get("type"), data=message.get("data"))
        except (WebhookVerificationError, ValueError) as exc:
            entry.update(verified=False, error=str(exc))
        with self.lock:
            log = self.deliveries.setdefault(user, [])
            log.insert(0, entry)
            del log[LOG_LIMIT:]

    def log(self, user: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.deliveries.get(user, []))


def session_answer(console: Console, body: bytes) -> tuple[int, Any]:
    try:
        token = str(json.loads(body or b"{}").get("token", ""))
    except (ValueError, AttributeError):
        token = ""
    user = console.user_of(token)
    if user is None or not USER_ID.match(user):
        return 401, {"error": "a token the stack signed is needed: make -s token USER=<name>"}
    try:
        return 200, console.session(user, token)
    except requests.RequestException as exc:
        return HTTPStatus.BAD_GATEWAY, {"error": f"the stack did not answer: {exc}"}


def log_answer(console: Console, user: str, authorization: str) -> tuple[int, Any]:
    """A user's notification log, only for that user's own token."""
    if console.user_of(authorization.removeprefix("Bearer ")) != user:
        return 401, {"error": "only with that user's token"}
    return 200, console.log(user)


def user_in(path: str) -> str | None:
    """The user of a /hooks/<user> path, if it is one."""
    user = path.removeprefix("/hooks/").split("?", 1)[0]
    return user if path.startswith("/hooks/") and USER_ID.match(user) else None


def handler_for(console: Console) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(STATIC), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the page polls; a line per poll would bury anything worth reading

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

        def send_json(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def read_body(self) -> bytes:
            return self.rfile.read(min(int(self.headers.get("Content-Length") or 0), 1 << 20))

        def do_GET(self) -> None:
            if self.path == "/config.json":
                self.send_json(200, {"apiBaseUrl": console.stack.api_base_url})
            elif user := user_in(self.path):
                self.send_json(*log_answer(console, user, self.headers.get("Authorization", "")))
            else:
                super().do_GET()

        def do_POST(self) -> None:
            if self.path == "/session":
                self.send_json(*session_answer(console, self.read_body()))
            elif user := user_in(self.path):
                console.receive(user, {k.lower(): v for k, v in self.headers.items()}, self.read_body())
                self.send_json(200, {"received": True})
            else:
                self.send_json(404, {"error": "not found"})

    return Handler


def serve(stack: Stack, port: int = 0, public_host: str = "") -> list[ThreadingHTTPServer]:
    """The console's servers, listening and serving on threads: on 127.0.0.1 (where the notifier
    posts deliveries), and on public_host too when devices open the page there."""
    console = Console(stack)
    servers = [ThreadingHTTPServer(("127.0.0.1", port), handler_for(console))]
    console.port = servers[0].server_address[1]
    if public_host and public_host not in ("127.0.0.1", "localhost", "10.0.2.2", "10.0.3.2"):
        servers.append(ThreadingHTTPServer((public_host, console.port), handler_for(console)))
    for server in servers:
        threading.Thread(target=server.serve_forever, name=f"console {server.server_address}", daemon=True).start()
    return servers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8780)
    parser.add_argument("--public-host", default="", help="the address devices open the page at (PUBLIC_HOST)")
    args = parser.parse_args(argv)
    stack = Stack.load()
    servers = serve(stack, args.port, args.public_host)
    port = servers[0].server_address[1]
    print(
        f"console: http://{args.public_host or '127.0.0.1'}:{port}/  (API {stack.api_base_url}; Ctrl-C stops)",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
