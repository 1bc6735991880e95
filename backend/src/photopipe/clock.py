"""The clock every service stamps with: UTC, and the one string form records carry."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Milliseconds and a Z: sorts as text, which the tables' indexes rely on."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def from_iso(stamp: str) -> datetime:
    """The moment a record's stamp (iso's form) names."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
