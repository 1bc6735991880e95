"""Section `watch`: `make watch`, from a saved edit to the api answering the new build."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from typing import Any

from devkit.client import wait_until
from devkit.stack import ROOT, Stack

WATCH_PROBE = ROOT / "backend" / "src" / "photopipe" / "handlers" / "logs.py"


def watch_section(stack: Stack, edits: int = 10) -> dict[str, Any]:
    """Edit to effect under `make watch`: a comment appended to a module, timed from the save
    to the first `GET /v1/health` answering the new build (polled every 20 ms). The file is
    restored afterwards and the stack left on the checkout's build."""
    import requests

    from devkit import build_lambdas

    original = WATCH_PROBE.read_bytes()
    watcher = subprocess.Popen(
        [sys.executable, "-m", "devkit.watch"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PHOTOPIPE_OUTPUTS": str(stack.directory / "outputs.json")},
    )
    assert watcher.stdout is not None
    session = requests.Session()

    def running() -> str:
        # Mid-update an emulator may answer with its own error (LocalStack: a 502 without a build).
        response = session.get(f"{stack.api_base_url}/v1/health", timeout=30)
        return str(response.json().get("build") if response.ok else f"{response.status_code} {response.text[:200]}")

    def wait_for_line(build: str) -> None:
        for line in watcher.stdout:  # type: ignore[union-attr]
            if f"build {build[:12]}" in line:
                return

    samples: list[float] = []
    try:
        for line in watcher.stdout:
            if "[watch] watching" in line:
                break
        for edit in range(edits):
            WATCH_PROBE.write_bytes(original + f"# watch probe {edit}\n".encode())
            saved = time.perf_counter()
            build = build_lambdas.code_build_id()
            wait_until(running, build.__eq__, 60, f"the api on build {build[:12]}", interval=0.02)
            samples.append(time.perf_counter() - saved)
            wait_for_line(build)  # every function reloaded: the next edit starts from quiet
    finally:
        WATCH_PROBE.write_bytes(original)
        wait_for_line(build_lambdas.code_build_id())
        watcher.terminate()
        watcher.wait(timeout=10)
    return {
        "edit_to_api_effect_p50_s": round(statistics.median(samples), 2),
        "edit_to_api_effect_max_s": round(max(samples), 2),
        "edits": edits,
    }
