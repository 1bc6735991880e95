"""Signed delivery URLs that stay the same all day.

A URL is `{base}/{jobId}/{expires}/{signature}`: an HMAC-SHA256 of the job id and the expiry
under the deployment's key. The expiry is not counted from the request: it is the end of the
window after the current one, windows being aligned to fixed boundaries (a day by default), so
every call within a window hands out byte-identical URLs (a phone's image cache and a CDN key on
them), and each is valid between one and two windows after it is handed out.

The standard library's hmac is the library here: imgproxy and the serverless image handler sign
their paths the same way, and no maintained package offers more than these few lines.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from photopipe.clock import iso
from photopipe.errors import ErrorCode, PhotopipeError

SIGNATURE_CHARS = 32  # 192 bits of the MAC, base64url


@dataclass(frozen=True)
class SignedUrl:
    url: str
    expires_at: str


@dataclass(frozen=True)
class UrlSigner:
    base_url: str
    # The first key signs; every key verifies, so a new key goes first and the old one stays
    # until the URLs it signed have expired (two windows).
    keys: tuple[str, ...]
    window_seconds: int = 86_400

    def sign(self, job_id: str, now: datetime) -> SignedUrl:
        window_start = int(now.timestamp()) // self.window_seconds * self.window_seconds
        expires = window_start + 2 * self.window_seconds
        url = f"{self.base_url.rstrip('/')}/{job_id}/{expires}/{_mac(self.keys[0], job_id, expires)}"
        return SignedUrl(url, iso(datetime.fromtimestamp(expires, UTC)))

    def verify(self, job_id: str, expires: str, signature: str, now: datetime) -> int:
        """The expiry (epoch seconds) of a genuine, unexpired URL; 403 otherwise. The signature
        is checked first, so nothing about a job is looked at for a forged URL."""
        if not expires.isdigit() or len(expires) > 12:
            raise PhotopipeError(ErrorCode.SIGNATURE_INVALID, "The URL's signature is not valid.")
        expiry = int(expires)
        if not any(hmac.compare_digest(_mac(key, job_id, expiry), signature) for key in self.keys):
            raise PhotopipeError(ErrorCode.SIGNATURE_INVALID, "The URL's signature is not valid.")
        if expiry <= now.timestamp():
            raise PhotopipeError(
                ErrorCode.URL_EXPIRED, "The URL has expired; ask GET /v1/jobs/{jobId} for a current one."
            )
        return expiry


def _mac(key: str, job_id: str, expires: int) -> str:
    digest = hmac.new(key.encode(), f"{job_id}/{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_CHARS]


def keys_from(secret: str) -> tuple[str, ...]:
    """The keys in the stored secret: one per line or comma-separated, the signing key first."""
    keys = tuple(k.strip() for k in secret.replace(",", "\n").splitlines() if k.strip())
    if not keys:
        raise ValueError("the delivery signing secret holds no key")
    return keys
