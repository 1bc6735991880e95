"""The cost section: dollars per 1,000 photos from a measured worker time and the calls counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import cost


def test_the_total_is_the_sum_of_its_parts_and_grows_with_the_worker_time() -> None:
    quick = cost.cost_section({"pipeline": {"worker_processing_ms": {"p50": 100}}})
    slow = cost.cost_section({"pipeline": {"worker_processing_ms": {"p50": 1100}}})

    assert quick["cost_per_1000_photos_usd"] == pytest.approx(sum(quick["breakdown_per_1000_usd"].values()), abs=1e-3)
    # One more second of the 1769 MB worker per photo: 1.73 GB-s at the arm64 price, per 1,000.
    extra = slow["breakdown_per_1000_usd"]["lambda_compute"] - quick["breakdown_per_1000_usd"]["lambda_compute"]
    assert extra == pytest.approx(1000 * 1769 / 1024 * cost.PRICES_USD["lambda_gb_second_arm64"], abs=1e-4)
    assert "2025" in quick["prices"]


def test_without_a_measured_worker_time_the_section_says_what_it_needs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(cost, "RESULTS_DIR", tmp_path)

    assert "pipeline" in cost.cost_section({})["skipped"]


def test_the_functions_aws_memory_is_read_from_terraform() -> None:
    assert cost.function_memory_mb() == {"api": 512, "worker": 1769, "notifier": 256}
