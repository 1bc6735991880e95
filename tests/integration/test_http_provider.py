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

from photopipe.errors import DeploymentFault, ErrorCode, PermanentImageError, TransientError
from photopipe.images.capabilities import unsupported_ops
from photopipe.images.edits import AiEdit, BlurBackgroundEdit, RemoveBackgroundEdit, RotateEdit
from photopipe.providers.http_edits import HttpEditProvider


class Endpoint:
    def __init__(self) -> None:
        self.answers: list[int] = []
        self.requests: list[dict[str, Any]] = []
        self.image: bytes | None = None  # what a 200 carries, instead of a small green PNG
        self.location = ""  # where a 3xx points
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
                    image = endpoint.image or out.getvalue()
                    payload = json.dumps({"data": [{"b64_json": base64.b64encode(image).decode()}]}).encode()
                self.send_response(status)
                if endpoint.location:
                    self.send_header("Location", endpoint.location)
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


def provider(endpoint: Endpoint, sleeps: list[float], **options: Any) -> HttpEditProvider:
    return HttpEditProvider(
        endpoint.url,
        lambda: "sk-test",
        timeout_seconds=5,
        attempts=3,
        backoff_seconds=0.01,
        sleep=sleeps.append,
        allow_loopback_http=True,
        **options,
    )


def test_an_ai_edit_returns_the_endpoints_image(endpoint: Endpoint) -> None:
    edited = provider(endpoint, []).edit(Image.new("RGB", (64, 64)), AiEdit(prompt="make it green"))
    assert edited.size == (32, 16)
    request = endpoint.requests[0]
    assert request["auth"] == "Bearer sk-test"
    assert request["type"].startswith("multipart/form-data; boundary=")
    assert b"make it green" in request["body"]


def test_server_errors_are_retried_with_backoff(endpoint: Endpoint) -> None:
    endpoint.answers = [503, 429]
    sleeps: list[float] = []
    provider(endpoint, sleeps).edit(Image.new("RGB", (8, 8)), AiEdit(prompt="x"))
    assert len(endpoint.requests) == 3
    assert sleeps == [0.01, 0.02]


def test_persistent_failures_become_transient_errors(endpoint: Endpoint) -> None:
    endpoint.answers = [500, 500, 500]
    with pytest.raises(TransientError, match="HTTP 500"):
        provider(endpoint, []).edit(Image.new("RGB", (8, 8)), AiEdit(prompt="x"))


def test_a_refusal_is_permanent(endpoint: Endpoint) -> None:
    endpoint.answers = [400]
    with pytest.raises(PermanentImageError):
        provider(endpoint, []).edit(Image.new("RGB", (8, 8)), AiEdit(prompt="x"))
    assert len(endpoint.requests) == 1


def test_other_edits_run_locally(endpoint: Endpoint) -> None:
    edited = provider(endpoint, []).edit(Image.new("RGB", (40, 20)), RotateEdit(degrees=90))
    assert edited.size == (20, 40) and endpoint.requests == []


def test_a_model_op_the_endpoint_declares_is_forwarded_with_its_params(endpoint: Endpoint) -> None:
    declared = frozenset({"removeBackground"})
    edited = provider(endpoint, [], ops=declared).edit(
        Image.new("RGB", (64, 64)), RemoveBackgroundEdit(background="#00ff00")
    )
    assert edited.size == (32, 16)
    body = endpoint.requests[0]["body"]
    assert b'name="op"\r\n\r\nremoveBackground\r\n' in body
    assert b'name="params"\r\n\r\n{"background": "#00ff00"}\r\n' in body
    # The API's table agrees: what the endpoint declares is accepted, the rest refused at once.
    ops = ["removeBackground", "blurBackground", "grayscale", "ai"]
    assert unsupported_ops("http", ops, declared) == ["blurBackground"]
    assert unsupported_ops("http", ops) == ["removeBackground", "blurBackground"]
    assert unsupported_ops("local", ops, declared) == ["removeBackground", "blurBackground", "ai"]
    with pytest.raises(PermanentImageError) as undeclared:  # never sent: the API refuses it before
        provider(endpoint, [], ops=declared).edit(Image.new("RGB", (8, 8)), BlurBackgroundEdit())
    assert undeclared.value.code is ErrorCode.INVALID_EDIT
    assert len(endpoint.requests) == 1


def test_a_redirect_is_not_followed_and_the_key_goes_nowhere_else(endpoint: Endpoint) -> None:
    elsewhere = Endpoint()
    try:
        endpoint.answers, endpoint.location = [307], elsewhere.url
        with pytest.raises(DeploymentFault, match="redirect"):
            provider(endpoint, []).edit(Image.new("RGB", (8, 8)), AiEdit(prompt="x"))
        assert elsewhere.requests == []
    finally:
        elsewhere.server.shutdown()


def test_a_decompression_bomb_from_the_endpoint_fails_the_job_permanently(endpoint: Endpoint) -> None:
    bomb = io.BytesIO()
    Image.new("L", (12_000, 12_000)).save(bomb, "PNG")  # 144 MP of zeros: a few hundred KB
    endpoint.image = bomb.getvalue()
    with pytest.raises(PermanentImageError) as failed:
        provider(endpoint, [], max_pixels=64_000_000).edit(Image.new("RGB", (8, 8)), AiEdit(prompt="x"))
    assert failed.value.code in (ErrorCode.PIXEL_LIMIT_EXCEEDED, ErrorCode.DECOMPRESSION_BOMB)


def test_what_is_not_an_image_is_rejected_by_sniffing(endpoint: Endpoint) -> None:
    endpoint.image = b"<html>not an image</html>"
    with pytest.raises(PermanentImageError, match="no usable image") as failed:
        provider(endpoint, []).edit(Image.new("RGB", (8, 8)), AiEdit(prompt="x"))
    assert failed.value.code is ErrorCode.PROVIDER_REJECTED


def test_an_oversized_answer_is_not_read_whole(endpoint: Endpoint) -> None:
    with pytest.raises(PermanentImageError, match="over 100 bytes"):
        provider(endpoint, [], max_response_bytes=100).edit(Image.new("RGB", (8, 8)), AiEdit(prompt="x"))


def test_a_bad_key_is_the_deployments_fault_not_the_images(endpoint: Endpoint) -> None:
    endpoint.answers = [401]
    with pytest.raises(DeploymentFault, match="401"):
        provider(endpoint, []).edit(Image.new("RGB", (8, 8)), AiEdit(prompt="x"))


@pytest.mark.parametrize("url", ["", "http://edits.example.com/v1", "ftp://127.0.0.1/x"])
def test_an_endpoint_that_is_missing_or_not_https_is_a_deployment_fault(url: str) -> None:
    provider_ = HttpEditProvider(url, lambda: "sk-test", allow_loopback_http=True)
    with pytest.raises(DeploymentFault):
        provider_.edit(Image.new("RGB", (8, 8)), AiEdit(prompt="x"))


def test_plain_http_to_loopback_is_refused_on_aws(endpoint: Endpoint) -> None:
    with pytest.raises(DeploymentFault, match="https"):
        HttpEditProvider(endpoint.url, lambda: "sk-test").edit(Image.new("RGB", (8, 8)), AiEdit(prompt="x"))
    assert endpoint.requests == []
