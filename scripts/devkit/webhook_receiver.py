"""A tiny local webhook receiver: records every POST and checks its photopipe signature."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)  # when the POST arrived (epoch seconds)

    @property
    def envelope(self) -> dict[str, Any]:
        """The Standard Webhooks payload: {type, timestamp, data}."""
        value: dict[str, Any] = json.loads(self.body)
        return value

    @property
    def event(self) -> dict[str, Any]:
        """The job event the delivery carries (the payload's `data`)."""
        data: dict[str, Any] = self.envelope["data"]
        return data

    def signature_valid(self, secret: str) -> bool:
        """Verified as any receiver would: the reference `standardwebhooks` library."""
        try:
            Webhook(secret).verify(self.body, self.headers)
        except (WebhookVerificationError, ValueError):  # ValueError: a header it cannot split
            return False
        return True


@dataclass
class WebhookReceiver:
    """Serves on 127.0.0.1 in a thread; `statuses` maps a path to the status it answers (else 200).

    Paths in `dribble` play a slow-loris receiver: they answer one header byte a second for
    `dribble_seconds`, never finishing the headers (a hostile tenant's endpoint).
    """

    received: list[Received] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    dribble: set[str] = field(default_factory=set)
    dribble_seconds: float = 8.0

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if self.path in receiver.dribble:
                    self._dribble()
                    return
                status = receiver.statuses.get(self.path, 200)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _dribble(self) -> None:
                self.close_connection = True
                ends = time.monotonic() + receiver.dribble_seconds
                try:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    while time.monotonic() < ends:
                        self.wfile.write(b"X")
                        self.wfile.flush()
                        time.sleep(1)
                except OSError:
                    return  # the sender gave up on us: what a fair notifier does

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True  # a dribbling handler must not hold up shutdown
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def for_path(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]
