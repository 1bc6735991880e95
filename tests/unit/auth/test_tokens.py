from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from photopipe.auth import tokens

SECRET = "unit-test-secret-of-at-least-32-bytes"


def test_issued_token_verifies_to_its_user() -> None:
    token = tokens.issue("alice", SECRET, ttl_seconds=60, now=1_000)
    assert tokens.verify(token, SECRET, clock=lambda: 1_030).user_id == "alice"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "three segments"),
        ("a.b", "three segments"),
        ("not.a.token", "base64url|signature"),
        ("e30.e30.c2ln", "signature|[Aa]lgorithm"),
    ],
)
def test_malformed_tokens_are_rejected(token: str, reason: str) -> None:
    with pytest.raises(tokens.InvalidToken, match=reason):
        tokens.verify(token, SECRET)


def test_expired_token_is_rejected() -> None:
    token = tokens.issue("alice", SECRET, ttl_seconds=60, now=1_000)
    with pytest.raises(tokens.InvalidToken, match="expired"):
        tokens.verify(token, SECRET, clock=lambda: 1_000 + 60 + 31)


def test_token_signed_with_another_secret_is_rejected() -> None:
    token = tokens.issue("alice", "someone-else-with-a-32-byte-secret", now=1_000)
    with pytest.raises(tokens.InvalidToken, match="signature"):
        tokens.verify(token, SECRET, clock=lambda: 1_000)


def _b64(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def test_alg_none_is_rejected_even_with_an_empty_signature() -> None:
    unsigned = f"{_b64({'alg': 'none'})}.{_b64({'sub': 'alice', 'exp': 9e9})}."
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(unsigned, SECRET)


def _signed(claims: dict[str, object], secret: str = SECRET) -> str:
    """A token with exactly these claims, signed with HS256 by hand (PyJWT would refuse NaN)."""
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}"
    mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


GOOD = {"sub": "alice", "iat": 1_000, "exp": 2_000, "iss": tokens.ISSUER, "aud": tokens.AUDIENCE}


def test_hand_signed_good_claims_verify() -> None:
    assert tokens.verify(_signed(GOOD), SECRET, clock=lambda: 1_500).user_id == "alice"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"sub": None}, "sub"),
        ({"iat": None}, "iat"),
        ({"exp": None}, "exp"),
        ({"iss": None}, "iss"),
        ({"aud": None}, "aud"),
        ({"iss": "someone-else"}, "issuer"),
        ({"aud": "another-api"}, "[Aa]udience"),
        ({"exp": float("nan")}, "exp"),
        ({"exp": float("inf")}, "exp|integer"),
        ({"exp": 1_500.5}, "integer"),
        ({"exp": 1_000 + 100 * 365 * 86400}, "lifetime"),
        ({"iat": 1_600, "exp": 2_000}, "future"),
        ({"sub": ".."}, "sub"),
        ({"sub": "."}, "sub"),
        ({"sub": "a/b"}, "sub"),
        ({"sub": "a\nb"}, "sub"),
    ],
)
def test_claims_that_must_not_verify(change: dict[str, object], reason: str) -> None:
    claims = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    with pytest.raises(tokens.InvalidToken, match=reason):
        tokens.verify(_signed(claims), SECRET, clock=lambda: 1_500)


@pytest.mark.parametrize("suffix", ["==", "!!", "=", " ", "."])
def test_signature_with_trailing_characters_is_rejected(suffix: str) -> None:
    token = tokens.issue("alice", SECRET, ttl_seconds=60, now=1_000)
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(token + suffix, SECRET, clock=lambda: 1_030)


def test_signature_with_non_zero_padding_bits_is_rejected() -> None:
    token = tokens.issue("alice", SECRET, ttl_seconds=60, now=1_000)
    head, _, signature = token.rpartition(".")
    # 32 bytes encode to 43 characters whose last carries two unused bits: set one.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    tweaked = signature[:-1] + alphabet[alphabet.index(signature[-1]) ^ 1]
    assert base64.urlsafe_b64decode(tweaked + "=") == base64.urlsafe_b64decode(signature + "=")
    with pytest.raises(tokens.InvalidToken, match="canonical"):
        tokens.verify(f"{head}.{tweaked}", SECRET, clock=lambda: 1_030)


def test_lifetime_limit_is_configurable() -> None:
    token = tokens.issue("alice", SECRET, ttl_seconds=7200, now=1_000)
    assert tokens.verify(token, SECRET, clock=lambda: 1_030, max_lifetime_seconds=7200).user_id == "alice"
    with pytest.raises(tokens.InvalidToken, match="lifetime"):
        tokens.verify(token, SECRET, clock=lambda: 1_030, max_lifetime_seconds=3600)


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Bearer   "])
def test_bearer_header_must_carry_a_token(header: str | None) -> None:
    with pytest.raises(tokens.InvalidToken):
        tokens.bearer_token(header)


@given(st.text(max_size=200))
def test_arbitrary_text_never_verifies_and_never_crashes(text: str) -> None:
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(text, SECRET)
