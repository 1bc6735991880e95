from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from photopipe.delivery.signing import UrlSigner, keys_from
from photopipe.errors import ErrorCode, PhotopipeError

NOW = datetime(2026, 5, 10, 13, 30, tzinfo=UTC)
SIGNER = UrlSigner("https://img.example/", ("new-key", "old-key"), window_seconds=86_400)


def parts(url: str) -> tuple[str, str, str]:
    job_id, expires, signature = url.removeprefix("https://img.example/").split("/")
    return job_id, expires, signature


def test_every_call_within_a_window_mints_the_same_url_valid_a_day_after_the_last() -> None:
    calls = [SIGNER.sign("job1", NOW.replace(hour=h, minute=m)) for h, m in ((0, 0), (13, 30), (23, 59))]
    assert len({c.url for c in calls}) == 1
    assert calls[0].expires_at == "2026-05-12T00:00:00.000Z"
    assert SIGNER.verify(*parts(calls[0].url), NOW + timedelta(hours=34)) > 0


def test_a_tampered_job_expiry_or_signature_is_refused() -> None:
    job_id, expires, signature = parts(SIGNER.sign("job1", NOW).url)
    for forged in (
        ("job2", expires, signature),
        (job_id, str(int(expires) + 86_400), signature),
        (job_id, expires, signature[:-1] + ("A" if signature[-1] != "A" else "B")),
        (job_id, "not-a-number", signature),
    ):
        with pytest.raises(PhotopipeError) as refused:
            SIGNER.verify(*forged, NOW)
        assert refused.value.code is ErrorCode.SIGNATURE_INVALID


def test_a_genuine_url_past_its_expiry_is_expired_not_invalid() -> None:
    url = SIGNER.sign("job1", NOW).url
    with pytest.raises(PhotopipeError) as refused:
        SIGNER.verify(*parts(url), NOW + timedelta(days=2))
    assert refused.value.code is ErrorCode.URL_EXPIRED


def test_urls_signed_with_the_previous_key_stay_valid_through_a_rotation() -> None:
    before = UrlSigner("https://img.example", ("old-key",)).sign("job1", NOW)
    assert SIGNER.verify(*parts(before.url), NOW)
    retired = UrlSigner("https://img.example", ("new-key",))
    with pytest.raises(PhotopipeError):
        retired.verify(*parts(before.url), NOW)


def test_keys_are_read_one_per_line_or_comma_separated_the_signing_key_first() -> None:
    assert keys_from("a\nb\n") == keys_from(" a , b ") == ("a", "b")
    with pytest.raises(ValueError, match="no key"):
        keys_from(" \n")
