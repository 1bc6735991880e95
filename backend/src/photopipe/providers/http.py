"""A generic external AI edit endpoint, OpenAI-images-compatible.

`edit` with `{"op": "ai", "prompt": "..."}` POSTs the image as multipart/form-data (fields
`image`, `prompt`, `model`) with `Authorization: Bearer <key>` and expects
`{"data": [{"b64_json": "..."}]}`. Timeouts, connection errors, 429 and 5xx are retried with
exponential backoff, then surface as a TransientError (SQS retries the job); other 4xx are a
permanent PROVIDER_REJECTED. Every other op, and the analysis, run locally.
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

from PIL import Image

from photopipe.errors import ErrorCode, PermanentImageError, TransientError
from photopipe.providers.base import Analysis
from photopipe.providers.local import LocalProvider


class HttpEditProvider:
    name = "http"

    def __init__(
        self,
        endpoint: str,
        api_key: Callable[[], str],
        model: str = "gpt-image-1",
        timeout_seconds: float = 30.0,
        attempts: int = 3,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._endpoint = endpoint
        self._api_key = api_key  # fetched lazily: a deployment that never edits never reads it
        self._model = model
        self._timeout = timeout_seconds
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._sleep = sleep
        self._local = LocalProvider()

    def analyse(self, image: Image.Image) -> Analysis:
        return self._local.analyse(image)

    def edit(self, image: Image.Image, spec: dict[str, Any]) -> Image.Image:
        if spec.get("op") != "ai":
            return self._local.edit(image, spec)
        body, content_type = _multipart(
            {"prompt": str(spec.get("prompt", "")), "model": self._model}, ("image", "image.png", _png(image))
        )
        payload = self._post(body, content_type)
        try:
            encoded = payload["data"][0]["b64_json"]
            edited = Image.open(io.BytesIO(base64.b64decode(encoded)))
            edited.load()
        except (KeyError, IndexError, TypeError, ValueError, OSError) as exc:
            raise PermanentImageError(ErrorCode.PROVIDER_REJECTED, "The edit endpoint returned no image.") from exc
        return edited.convert("RGBA" if edited.mode in ("RGBA", "LA", "P") else "RGB")

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
                with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                    parsed: dict[str, Any] = json.loads(response.read())
                    return parsed
            except urllib.error.HTTPError as exc:
                if exc.code != 429 and exc.code < 500:
                    raise PermanentImageError(
                        ErrorCode.PROVIDER_REJECTED, f"The edit endpoint refused the image (HTTP {exc.code})."
                    ) from exc
                last = f"HTTP {exc.code}"
            except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
                last = f"{type(exc).__name__}: {exc}"
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
