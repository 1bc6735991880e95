"""Section `latency`: warm API calls, and a small variant seen by a client polling every 20 ms."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from bench.common import percentile, photo_jpeg
from devkit.client import PhotopipeClient
from devkit.stack import Stack

LATENCY_CALLS = 60
LATENCY_JOBS = 20
LATENCY_WARM_UP = 4


def latency_section(stack: Stack) -> dict[str, Any]:
    """What a client waits for: warm API calls, and a photo's result seen by polling every 20 ms.

    The emulator's own cost per invocation is the warm call minus the handler's time in-process
    (under 1 ms for health), so `health_ms` is nearly all emulator and HTTP.
    """
    client = PhotopipeClient.for_user(stack, f"bench-{uuid.uuid4().hex[:8]}")

    def timed(call: Callable[[], object]) -> list[float]:
        for _ in range(5):  # warm: every process the emulator keeps for the function
            call()
        samples = []
        for _ in range(LATENCY_CALLS):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        return samples

    health = timed(lambda: client.request("GET", "/v1/health", 200))
    waiting = client.create_job("image/jpeg", 1000)["jobId"]
    get_pending = timed(lambda: client.get_job(waiting))
    data = photo_jpeg(4000, 3000)
    operations = {"analysis": False, "variants": [{"name": "small", "maxSize": 400, "format": "jpeg"}]}
    seen, worker = [], []
    for index in range(LATENCY_WARM_UP + LATENCY_JOBS):
        created = client.create_job("image/jpeg", len(data), operations=operations)
        client.upload(created["upload"], data).raise_for_status()
        uploaded = time.perf_counter()
        job = client.wait_for_job(created["jobId"], timeout=60, interval=0.02)
        if index >= LATENCY_WARM_UP:  # the first ones start worker processes
            seen.append((time.perf_counter() - uploaded) * 1000)
            worker.append(float(job["processingMs"]))
    get_completed = timed(lambda: client.get_job(job["jobId"]))

    def summary(samples: list[float]) -> dict[str, float]:
        return {"p50": round(percentile(samples, 0.5), 1), "p95": round(percentile(samples, 0.95), 1)}

    return {
        "health_ms": summary(health),
        "get_job_in_flight_ms": summary(get_pending),
        "get_job_completed_ms": summary(get_completed),
        "upload_to_completed_seen_ms": summary(seen),
        "worker_processing_ms": summary(worker),
        "case": f"{LATENCY_JOBS} jobs: 12 MP JPEG -> one 400 px JPEG, analysis off, polled every 20 ms",
    }
