from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from photopipe.auth.cognito import verify_cognito
from photopipe.auth.tokens import InvalidToken

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TEST"
CLIENT = "app-client-1"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def token(key: Any = KEY, algorithm: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    body = {
        "sub": "user-123",
        "iss": ISSUER,
        "exp": now + 600,
        "iat": now,
        "token_use": "access",
        "client_id": CLIENT,
        **claims,
    }
    return jwt.encode(body, key, algorithm=algorithm, headers={"kid": "k1"})


def verify(value: str) -> str:
    return verify_cognito(value, lambda _: KEY.public_key(), ISSUER, CLIENT).user_id


def test_access_and_id_tokens_of_the_app_client_verify() -> None:
    assert verify(token()) == "user-123"
    assert verify(token(token_use="id", aud=CLIENT, client_id=None)) == "user-123"


@pytest.mark.parametrize(
    "bad",
    [
        token(exp=int(time.time()) - 3600),
        token(iss="https://cognito-idp.eu-west-1.amazonaws.com/someone-else"),
        token(client_id="another-client"),
        token(token_use="id", aud="another-client"),
        token(key=OTHER_KEY),
        token(sub="has spaces"),
    ],
    ids=["expired", "issuer", "client", "audience", "signature", "sub"],
)
def test_foreign_or_stale_tokens_are_refused(bad: str) -> None:
    with pytest.raises(InvalidToken):
        verify(bad)


def test_hs256_signed_with_the_public_key_is_refused() -> None:
    public_pem = KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
    claims = _b64(
        json.dumps(
            {
                "sub": "user-123",
                "token_use": "access",
                "client_id": CLIENT,
                "iss": ISSUER,
                "exp": int(time.time()) + 600,
            }
        ).encode()
    )
    signature = _b64(hmac.new(public_pem, f"{header}.{claims}".encode(), hashlib.sha256).digest())
    with pytest.raises(InvalidToken):
        verify(f"{header}.{claims}.{signature}")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
