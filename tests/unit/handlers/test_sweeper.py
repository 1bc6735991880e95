"""The sweeper handler: pending events always go out; behind a backlog each job is judged by it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from photopipe import wiring
from photopipe.config import get_settings
from photopipe.handlers import sweeper
from photopipe.jobs.sweeping import Backlog
from tests.support.events import Context


class Service:
    def __init__(self) -> None:
        self.swept: list[Backlog | None] = []

    def publish_pending(self, finished_before: timedelta, limit: int) -> tuple[list[Any], list[str]]:
        return [], ["job-still-failing"]

    def abandon_stalled(self, stalled_after: timedelta, limit: int, backlog: Backlog | None) -> list[Any]:
        self.swept.append(backlog)
        return []

    def end_unfinished_uploads(
        self, waited: timedelta, limit: int, backlog: Backlog | None, multipart: bool = False
    ) -> list[Any]:
        self.uploads_backlog = backlog
        return []


@pytest.mark.parametrize("waiting", [0, 25])
def test_a_backlog_is_passed_on_so_each_job_is_judged_by_it(monkeypatch: pytest.MonkeyPatch, waiting: int) -> None:
    # Behind a backlog a message can wait longer than the stall limit for a consumer while its
    # job is perfectly healthy: only jobs no message can resume are failed then.
    monkeypatch.setenv("JOBS_QUEUE_NAME", "photopipe-jobs")
    monkeypatch.setenv("MAX_RECEIVE_COUNT", "5")
    monkeypatch.setenv("JOBS_MESSAGE_RETENTION_SECONDS", "345600")
    get_settings.cache_clear()
    service = Service()
    monkeypatch.setattr(wiring, "sweep_service", lambda: service)
    monkeypatch.setattr(sweeper, "waiting_messages", lambda name: waiting)
    try:
        result = sweeper.lambda_handler({}, Context(remaining_ms=60_000))  # type: ignore[arg-type]
    finally:
        get_settings.cache_clear()
    expected = Backlog(5, timedelta(days=4)) if waiting else None
    assert service.swept == [expected], "the sweep runs every time, told of the backlog"
    assert result["skipped"] == ["job-still-failing"] and result["backlog"] == waiting
    assert service.uploads_backlog == expected, "photos that arrived are judged by it too"


@pytest.mark.parametrize(("days", "expired"), [("0", None), ("30", 30)])
def test_renders_are_expired_only_where_no_lifecycle_rule_does_it(
    monkeypatch: pytest.MonkeyPatch, days: str, expired: int | None
) -> None:
    monkeypatch.setenv("SWEEP_RENDERS_AFTER_DAYS", days)
    get_settings.cache_clear()
    monkeypatch.setattr(wiring, "sweep_service", Service)
    cutoffs: list[Any] = []

    class Store:
        def expire_renders(self, modified_before: Any, limit: int) -> int:
            cutoffs.append(modified_before)
            return 7

    monkeypatch.setattr(wiring, "object_store", Store)
    try:
        result = sweeper.lambda_handler({}, Context(remaining_ms=60_000))  # type: ignore[arg-type]
    finally:
        get_settings.cache_clear()
    if expired is None:
        assert cutoffs == [] and result["rendersExpired"] == 0
    else:
        assert result["rendersExpired"] == 7
        assert abs((sweeper.utc_now() - cutoffs[0]) - timedelta(days=expired)) < timedelta(minutes=1)
