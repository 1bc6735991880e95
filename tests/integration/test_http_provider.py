"""The http edit provider against a local HTTP server that plays the AI endpoint."""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PIL import Image

from photopipe.errors import PermanentImageError, TransientError
from photopipe.providers.http import HttpEditProvider


class Endpoint:
    def __init__(self) -> None:
        self.answers: list[int] = []
        self.requests: list[dict[str, Any]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.requests.append(
                    {"auth": self.headers["Authorization"], "type": self.headers["Content-Type"], "body": body}
                )
                status = endpoint.answers.pop(0) if endpoint.answers else 200
                payload = b"{}"
                if status == 200:
                    out = io.BytesIO()
                    Image.new("RGB", (32, 16), (0, 255, 0)).save(out, "PNG")
                    payload = json.dumps({"data": [{"b64_json": base64.b64encode(out.getvalue()).decode()}]}).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1/images/edits"


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    served = Endpoint()
    yield served
    served.server.shutdown()


def provider(endpoint: Endpoint, sleeps: list[float]) -> HttpEditProvider:
    return HttpEditProvider(
        endpoint.url, lambda: "sk-test", timeout_seconds=5, attempts=3, backoff_seconds=0.01, sleep=sleeps.append
    )


def test_an_ai_edit_returns_the_endpoints_image(endpoint: Endpoint) -> None:
    edited = provider(endpoint, []).edit(Image.new("RGB", (64, 64)), {"op": "ai", "prompt": "make it green"})
    assert edited.size == (32, 16)
    request = endpoint.requests[0]
    assert request["auth"] == "Bearer sk-test"
    assert request["type"].startswith("multipart/form-data; boundary=")
    assert b"make it green" in request["body"]


def test_server_errors_are_retried_with_backoff(endpoint: Endpoint) -> None:
    endpoint.answers = [503, 429]
    sleeps: list[float] = []
    provider(endpoint, sleeps).edit(Image.new("RGB", (8, 8)), {"op": "ai", "prompt": "x"})
    assert len(endpoint.requests) == 3
    assert sleeps == [0.01, 0.02]


def test_persistent_failures_become_transient_errors(endpoint: Endpoint) -> None:
    endpoint.answers = [500, 500, 500]
    with pytest.raises(TransientError, match="HTTP 500"):
        provider(endpoint, []).edit(Image.new("RGB", (8, 8)), {"op": "ai", "prompt": "x"})


def test_a_refusal_is_permanent(endpoint: Endpoint) -> None:
    endpoint.answers = [400]
    with pytest.raises(PermanentImageError):
        provider(endpoint, []).edit(Image.new("RGB", (8, 8)), {"op": "ai", "prompt": "x"})
    assert len(endpoint.requests) == 1


def test_other_edits_run_locally(endpoint: Endpoint) -> None:
    edited = provider(endpoint, []).edit(Image.new("RGB", (40, 20)), {"op": "rotate", "degrees": 90})
    assert edited.size == (20, 40) and endpoint.requests == []
