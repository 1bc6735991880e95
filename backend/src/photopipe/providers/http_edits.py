"""A generic external AI edit endpoint, OpenAI-images-compatible.

`edit` with `{"op": "ai", "prompt": "..."}` POSTs the image as multipart/form-data (fields
`image`, `prompt`, `model`) with `Authorization: Bearer <key>` and expects
`{"data": [{"b64_json": "..."}]}`. The model ops the endpoint declares (EDIT_ENDPOINT_OPS, e.g.
removeBackground) are forwarded the same way with fields `image`, `op`, `params` (the edit's
fields as JSON) and `model`, and answered in the same shape. Timeouts, connection errors, 429 and 5xx are retried with
exponential backoff, then surface as a TransientError (SQS retries the job); 401 and 403 (a bad
key) and a missing endpoint are the deployment's fault (DeploymentFault, retried and alarmed);
other 4xx are a permanent PROVIDER_REJECTED. Every other op, and the analysis, run locally.

The key goes to the configured endpoint only: redirects are never followed, the endpoint must
be https (plain http only to loopback, locally), and what comes back is read up to a bound and
decoded through the same guards as an upload (sniffed format, pixel limit), so a decompression
bomb from the endpoint fails the job like one from a user.
"""

from __future__ import annotations

import base64
import io
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from photopipe.errors import DeploymentFault, ErrorCode, PermanentImageError, TransientError
from photopipe.images import engine
from photopipe.images.edits import AiEdit, Edit, ModelEdit
from photopipe.images.provider import Analysis
from photopipe.providers.local import LocalProvider

# A base64 PNG of the largest image the pixel limit allows is far below this.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # answered as the HTTPError it is: the key never follows a Location


_opener = urllib.request.build_opener(_NoRedirects)


def check_endpoint(endpoint: str, allow_loopback_http: bool) -> None:
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if not endpoint:
        raise DeploymentFault("the http provider has no endpoint (EDIT_ENDPOINT_URL is not set)")
    loopback = host in ("localhost", "127.0.0.1", "::1")
    if parts.scheme == "https" or (parts.scheme == "http" and loopback and allow_loopback_http):
        return
    raise DeploymentFault(f"the http provider's endpoint must be https, not {parts.scheme or endpoint!r}")


class HttpEditProvider:
    name = "http"
    preview_side = LocalProvider.preview_side  # its analysis is the local one

    def __init__(
        self,
        endpoint: str,
        api_key: Callable[[], str],
        model: str = "gpt-image-1",
        timeout_seconds: float = 30.0,
        attempts: int = 3,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        max_pixels: int = 64_000_000,
        allow_loopback_http: bool = False,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        ops: frozenset[str] = frozenset(),
    ) -> None:
        self._endpoint = endpoint
        self._api_key = api_key  # fetched lazily: a deployment that never edits never reads it
        self._model = model
        self._timeout = timeout_seconds
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._sleep = sleep
        self._local = LocalProvider()
        self._max_pixels = max_pixels
        self._allow_loopback_http = allow_loopback_http
        self._max_response_bytes = max_response_bytes
        self._ops = ops  # the model ops the endpoint declares, besides `ai`

    def analyse(self, image: Image.Image) -> Analysis:
        return self._local.analyse(image)

    def edit(self, image: Image.Image, edit: Edit) -> Image.Image:
        if isinstance(edit, AiEdit):
            fields = {"prompt": edit.prompt, "model": self._model}
        elif isinstance(edit, ModelEdit) and (spec := edit.as_dict())["op"] in self._ops:
            params = {name: value for name, value in spec.items() if name != "op"}
            fields = {"op": spec["op"], "params": json.dumps(params), "model": self._model}
        else:
            # The API refuses a model op the endpoint does not declare; Pillow's ops run here.
            return self._local.edit(image, edit)
        check_endpoint(self._endpoint, self._allow_loopback_http)
        body, content_type = _multipart(fields, ("image", "image.png", _png(image)))
        payload = self._post(body, content_type)
        try:
            data = base64.b64decode(payload["data"][0]["b64_json"], validate=True)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise PermanentImageError(ErrorCode.PROVIDER_REJECTED, "The edit endpoint returned no image.") from exc
        try:
            # The same guards as an upload: the real format, the pixel limit before decoding.
            return engine.decode(data, None, self._max_pixels).image
        except PermanentImageError as exc:
            if exc.code in (ErrorCode.PIXEL_LIMIT_EXCEEDED, ErrorCode.DECOMPRESSION_BOMB):
                raise
            raise PermanentImageError(
                ErrorCode.PROVIDER_REJECTED, f"The edit endpoint returned no usable image: {exc.message}"
            ) from exc

    def _post(self, body: bytes, content_type: str) -> dict[str, Any]:
        last = "no attempt made"
        for attempt in range(self._attempts):
            if attempt:
                self._sleep(self._backoff * 2 ** (attempt - 1))
            request = urllib.request.Request(  # noqa: S310 - the endpoint is deployment configuration
                self._endpoint,
                data=body,
                method="POST",
                headers={"Content-Type": content_type, "Authorization": f"Bearer {self._api_key()}"},
            )
            try:
                with _opener.open(request, timeout=self._timeout) as response:
                    raw = response.read(self._max_response_bytes + 1)
            except urllib.error.HTTPError as exc:
                if exc.code in (401, 403):
                    raise DeploymentFault(f"the edit endpoint refused the worker's key (HTTP {exc.code})") from exc
                if 300 <= exc.code < 400:
                    raise DeploymentFault(f"the edit endpoint redirects (HTTP {exc.code}); it is not followed") from exc
                if exc.code != 429 and exc.code < 500:
                    raise PermanentImageError(
                        ErrorCode.PROVIDER_REJECTED, f"The edit endpoint refused the image (HTTP {exc.code})."
                    ) from exc
                last = f"HTTP {exc.code}"
                continue
            except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            if len(raw) > self._max_response_bytes:
                raise PermanentImageError(
                    ErrorCode.PROVIDER_REJECTED, f"The edit endpoint answered over {self._max_response_bytes} bytes."
                )
            try:
                parsed: dict[str, Any] = json.loads(raw)
            except ValueError as exc:
                raise PermanentImageError(ErrorCode.PROVIDER_REJECTED, "The edit endpoint answered no JSON.") from exc
            return parsed
        raise TransientError(f"edit endpoint failed {self._attempts} times; last: {last}")


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _multipart(fields: dict[str, str], file: tuple[str, str, bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    name, filename, data = file
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        f"Content-Type: image/png\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
