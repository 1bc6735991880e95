from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from photopipe.jobs.model import is_valid_user_id, original_key, parse_original_key

segment = st.from_regex(r"[A-Za-z0-9_.@-]{1,40}", fullmatch=True)
user_segment = segment.filter(lambda s: s not in (".", ".."))


@given(user_segment, segment)
def test_original_keys_round_trip(user_id: str, job_id: str) -> None:
    assert parse_original_key(original_key(user_id, job_id)) == (user_id, job_id)


@given(st.text(max_size=120))
def test_any_other_key_is_not_an_original(key: str) -> None:
    parsed = parse_original_key(key)
    if parsed is not None:
        assert key == original_key(*parsed)


def test_results_and_test_objects_are_not_originals() -> None:
    assert parse_original_key("results/alice/job/thumbnail.jpg") is None
    assert parse_original_key("incoming/alice/job/original/extra") is None
    assert parse_original_key("incoming/al ice/job/original") is None


def test_dot_segments_are_not_user_ids() -> None:
    assert not is_valid_user_id(".") and not is_valid_user_id("..")
    assert parse_original_key("incoming/../job/original") is None
    assert is_valid_user_id("a.b") and is_valid_user_id("...")
