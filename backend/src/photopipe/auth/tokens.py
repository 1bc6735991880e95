"""HS256 JSON Web Tokens, issued for development and verified by the API.

A few dozen lines of the standard library instead of a dependency: the API accepts exactly one
algorithm, so there is no algorithm negotiation to get wrong.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from photopipe.jobs.model import is_valid_user_id


class InvalidToken(Exception):
    """The token is missing, malformed, expired or not signed with our secret."""


@dataclass(frozen=True)
class Principal:
    user_id: str


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise InvalidToken("token segment is not base64url") from exc


def _sign(signing_input: bytes, secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), signing_input, hashlib.sha256).digest()


def issue(user_id: str, secret: str, ttl_seconds: int = 3600, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {"sub": user_id, "iat": issued, "exp": issued + ttl_seconds}
    signing_input = ".".join(_b64encode(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims))
    signature = _sign(signing_input.encode("ascii"), secret)
    return f"{signing_input}.{_b64encode(signature)}"


def verify(token: str, secret: str, clock: Callable[[], float] = time.time, leeway: int = 30) -> Principal:
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("token must have three segments")
    header_b64, claims_b64, signature_b64 = parts
    expected = _sign(f"{header_b64}.{claims_b64}".encode("ascii", "replace"), secret)
    if not hmac.compare_digest(expected, _b64decode(signature_b64)):
        raise InvalidToken("signature does not verify")
    header = _json_object(header_b64)
    if header.get("alg") != "HS256":
        raise InvalidToken("only HS256 tokens are accepted")
    claims = _json_object(claims_b64)
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise InvalidToken("token has no numeric exp claim")
    if clock() > exp + leeway:
        raise InvalidToken("token has expired")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not is_valid_user_id(sub):
        raise InvalidToken("token has no usable sub claim")
    return Principal(user_id=sub)


def _json_object(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64decode(segment))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken("token segment is not JSON") from exc
    if not isinstance(value, dict):
        raise InvalidToken("token segment is not a JSON object")
    return value


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise InvalidToken("missing Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Authorization must be 'Bearer <token>'")
    return token.strip()
