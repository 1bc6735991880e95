"""RS256 tokens from an Amazon Cognito user pool, verified against the pool's JWKS.

Accepts an access token whose `client_id` is the app client, or an ID token whose `aud` is.
Only RS256 is accepted, so a token signed with HS256 and the public key as its secret (the
classic algorithm-confusion attack) fails like any other forgery.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt

from photopipe.auth.tokens import InvalidToken, Principal
from photopipe.jobs.model import is_valid_user_id

KeyForToken = Callable[[str], Any]  # token -> the public key its `kid` names


def verify_cognito(
    token: str,
    key_for_token: KeyForToken,
    issuer: str,
    client_id: str,
    clock: Callable[[], float] = time.time,
    leeway: int = 30,
) -> Principal:
    try:
        key = key_for_token(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            issuer=issuer,
            leeway=leeway,
            options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": False},
        )
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise InvalidToken(str(exc) or type(exc).__name__) from exc
    if claims["exp"] + leeway < clock():
        raise InvalidToken("token has expired")
    use = claims.get("token_use")
    if not (
        (use == "access" and claims.get("client_id") == client_id) or (use == "id" and claims.get("aud") == client_id)
    ):
        raise InvalidToken("token was not issued to this app client")
    sub = claims["sub"]
    if not isinstance(sub, str) or not is_valid_user_id(sub):
        raise InvalidToken("token has no usable sub claim")
    return Principal(user_id=sub)
