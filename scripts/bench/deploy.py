"""Section `deploy`: zip sizes, a no-op `make up`, a code-only redeploy and a cold `make up`."""

from __future__ import annotations

import subprocess
import time
import uuid
from typing import Any

from devkit.stack import ROOT


def timed_make(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run(  # noqa: S603
        ["make", "--no-print-directory", *args],  # noqa: S607 - make from PATH, as a user runs it
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def deploy_section(cold: bool) -> dict[str, Any]:
    build = ROOT / "build" / "lambda"
    result: dict[str, Any] = {
        "zip_kib": {p.stem: round(p.stat().st_size / 1024) for p in sorted(build.glob("*.zip"))},
        "noop_make_up_s": round(timed_make("up"), 1),
    }
    marker = ROOT / "backend" / "src" / "photopipe" / "_redeploy_marker.py"
    try:
        marker.write_text(
            f'"""Written by `make bench` (bench/deploy.py) to time a code-only redeploy."""\nNONCE = "{uuid.uuid4()}"\n'
        )
        result["code_only_redeploy_s"] = round(timed_make("deploy"), 1)
    finally:
        marker.unlink(missing_ok=True)
        timed_make("deploy")
    if cold:
        try:
            result["cold_make_up_s"] = round(timed_make("up", "STACK=bench-cold", "PORT=4588"), 1)
        finally:
            timed_make("clean", "STACK=bench-cold", "PORT=4588")
    return result
