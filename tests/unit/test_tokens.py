from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from photopipe.auth import tokens

SECRET = "unit-test-secret"


def test_issued_token_verifies_to_its_user() -> None:
    token = tokens.issue("alice", SECRET, ttl_seconds=60, now=1_000)
    assert tokens.verify(token, SECRET, clock=lambda: 1_030).user_id == "alice"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "three segments"),
        ("a.b", "three segments"),
        ("not.a.token", "base64url|signature"),
        ("e30.e30.c2ln", "signature"),
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
    token = tokens.issue("alice", "someone-else", now=1_000)
    with pytest.raises(tokens.InvalidToken, match="signature"):
        tokens.verify(token, SECRET, clock=lambda: 1_000)


def _b64(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def test_alg_none_is_rejected_even_with_an_empty_signature() -> None:
    unsigned = f"{_b64({'alg': 'none'})}.{_b64({'sub': 'alice', 'exp': 9e9})}."
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(unsigned, SECRET)


def test_token_without_sub_is_rejected() -> None:
    token = tokens.issue("alice", SECRET, now=1_000)
    header, _, _ = token.split(".")
    claims = _b64({"exp": 2_000})
    forged = f"{header}.{claims}"
    signature = tokens._b64encode(tokens._sign(forged.encode(), SECRET))
    with pytest.raises(tokens.InvalidToken, match="sub"):
        tokens.verify(f"{forged}.{signature}", SECRET, clock=lambda: 1_000)


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Bearer   "])
def test_bearer_header_must_carry_a_token(header: str | None) -> None:
    with pytest.raises(tokens.InvalidToken):
        tokens.bearer_token(header)


@given(st.text(max_size=200))
def test_arbitrary_text_never_verifies_and_never_crashes(text: str) -> None:
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(text, SECRET)
