"""HS256 JSON Web Tokens, issued for development and verified by the API, with PyJWT.

PyJWT does the signature, the algorithm pinning and the registered claims. Two checks are ours,
because PyJWT is lenient there: every segment must be canonical base64url (PyJWT's decoder
drops characters outside the alphabet, so `sig==` or `sig!!` verified), and `exp`/`iat` must be
integers whose difference is at most the configured lifetime (a 100-year token is refused, and
so are NaN and Infinity, which JSON parsers accept).
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from photopipe.jobs.model import is_valid_user_id

ISSUER = "photopipe-dev"
AUDIENCE = "photopipe-api"
DEFAULT_MAX_LIFETIME_SECONDS = 24 * 3600
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class InvalidToken(Exception):
    """The token is missing, malformed, expired or not signed with our secret."""


@dataclass(frozen=True)
class Principal:
    user_id: str


def issue(user_id: str, secret: str, ttl_seconds: int = 3600, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    claims = {"sub": user_id, "iat": issued, "exp": issued + ttl_seconds, "iss": ISSUER, "aud": AUDIENCE}
    import jwt  # with the first token: PyJWT loads cryptography (~0.15 s), which a health check never needs

    return jwt.encode(claims, secret, algorithm="HS256")


def verify(
    token: str,
    secret: str,
    clock: Callable[[], float] = time.time,
    leeway: int = 30,
    max_lifetime_seconds: int = DEFAULT_MAX_LIFETIME_SECONDS,
) -> Principal:
    segments = token.split(".")
    if len(segments) != 3:
        raise InvalidToken("token must have three segments")
    if not all(_is_canonical_base64url(segment) for segment in segments):
        raise InvalidToken("token segments must be canonical base64url")
    import jwt  # with the first token, as in issue()

    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=leeway,
            # exp and iat are checked below against the injected clock.
            options={"require": ["exp", "iat", "sub", "iss", "aud"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidSignatureError as exc:
        raise InvalidToken("signature does not verify") from exc
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError) as exc:
        raise InvalidToken(str(exc) or type(exc).__name__) from exc
    exp, iat = claims["exp"], claims["iat"]
    if not (_is_int(exp) and _is_int(iat)):
        raise InvalidToken("exp and iat must be integers")
    if exp - iat > max_lifetime_seconds:
        raise InvalidToken(f"token lifetime exceeds {max_lifetime_seconds} s")
    now = clock()
    if now > exp + leeway:
        raise InvalidToken("token has expired")
    if iat > now + leeway:
        raise InvalidToken("token is issued in the future")
    sub = claims["sub"]
    if not isinstance(sub, str) or not is_valid_user_id(sub):
        raise InvalidToken("token has no usable sub claim")
    return Principal(user_id=sub)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_canonical_base64url(segment: str) -> bool:
    """Unpadded base64url whose re-encoding gives the same text (no stray bits or characters)."""
    if not _BASE64URL.match(segment) or len(segment) % 4 == 1:
        return False
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return False
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") == segment


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise InvalidToken("missing Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Authorization must be 'Bearer <token>'")
    return token.strip()
