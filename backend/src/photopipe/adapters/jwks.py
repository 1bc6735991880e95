"""The signing keys of a JWKS endpoint (a Cognito user pool's), fetched once and cached."""

from __future__ import annotations

from functools import cache
from typing import Any

import jwt


@cache
def _client(jwks_url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=5)


def key_resolver(jwks_url: str) -> Any:
    def key_for_token(token: str) -> Any:
        return _client(jwks_url).get_signing_key_from_jwt(token).key

    return key_for_token
