"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>" with the device's secret.

A receiver verifies by recomputing the HMAC from the X-Photopipe-Timestamp header and the raw
body, comparing in constant time with the hex digest after "v1=" in X-Photopipe-Signature, and
rejecting timestamps older than five minutes (replays).
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Photopipe-Timestamp"
SIGNATURE_HEADER = "X-Photopipe-Signature"
MAX_AGE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(secret: str, timestamp_header: str, signature_header: str, body: bytes, now: float) -> bool:
    try:
        timestamp = int(timestamp_header)
    except (TypeError, ValueError):
        return False
    if abs(now - timestamp) > MAX_AGE_SECONDS:
        return False
    # compare_digest raises TypeError on str with non-ASCII characters: compare bytes instead,
    # so a forged header is a False, never an exception in the receiver.
    expected = sign(secret, timestamp, body).encode()
    return hmac.compare_digest(expected, str(signature_header).encode("utf-8", "surrogateescape"))
