"""The burst benchmark's CPU accounting: per-photo shares and the ceiling they leave."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.burst import cpu_accounting, emulator_cpu_seconds
from devkit.stack import Stack


def test_accounting_splits_cpu_per_photo_and_bounds_the_share() -> None:
    before = {"emulator": 10.0, "worker": 5.0}
    after = {"emulator": 14.0, "worker": 17.0, "notifier": 0.4}

    result = cpu_accounting(before, after, client_cpu=0.4, uploads=200, cpu_available=20.0, engine_cpu=0.045)

    assert result["cpu_ms_per_photo"] == {"emulator": 20.0, "notifier": 2.0, "worker": 60.0, "bench client": 2.0}
    assert result["worker_overhead_ms_per_photo"] == 15.0
    assert result["worker_share_of_engine"] == 0.75
    assert result["cpu_busy_share"] == pytest.approx(0.84)
    # 45 ms of engine against 24 ms of everything that is not the worker: 45 / 69.
    assert result["share_ceiling_bare_worker"] == pytest.approx(0.65)


def test_no_pid_file_means_no_accounting(tmp_path: Path) -> None:
    stack = Stack({"function_names": {"worker": "photopipe-worker"}}, tmp_path)

    assert emulator_cpu_seconds(stack) is None
