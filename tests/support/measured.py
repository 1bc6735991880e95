"""Figures a test measures (precision and recall, say), shown after the run by conftest.py.

One line per name; the last value reported for a name is shown. Timings do not belong here:
they live in `make bench`.
"""

from __future__ import annotations

REPORTS: dict[str, str] = {}


def report(name: str, value: str) -> None:
    REPORTS[name] = value
