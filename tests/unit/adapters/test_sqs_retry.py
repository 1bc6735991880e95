from __future__ import annotations

from photopipe.adapters.sqs import backoff_seconds


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_seconds(n, 2, 20) for n in range(1, 7)] == [2, 4, 8, 16, 20, 20]
    assert backoff_seconds(0, 2, 20) == 2
