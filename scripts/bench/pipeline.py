"""Section `pipeline`: upload-to-COMPLETED latency over sequential jobs next to the worker's time."""

from __future__ import annotations

import time
import uuid
from typing import Any

from bench.common import percentile, photo_jpeg
from devkit.client import PhotopipeClient
from devkit.stack import Stack


def pipeline_section(stack: Stack, jobs: int) -> dict[str, Any]:
    run = uuid.uuid4().hex[:8]
    data = photo_jpeg(1600, 1200)
    latencies, processing = [], []
    for index in range(jobs):
        # A user per 50 jobs, as real traffic is: one user may create only so many jobs a minute.
        client = PhotopipeClient.for_user(stack, f"bench-{run}-{index // 50}")
        created = client.create_job("image/jpeg", len(data))
        started = time.perf_counter()
        response = client.upload(created["upload"], data)
        response.raise_for_status()
        job = client.wait_for_job(created["jobId"], timeout=120, interval=0.02)
        latencies.append((time.perf_counter() - started) * 1000)
        processing.append(float(job["processingMs"]))
    overhead = [lat - proc for lat, proc in zip(latencies, processing, strict=True)]
    return {
        "jobs": jobs,
        "input": "2 MP JPEG, default variants",
        "latency_ms": {
            "p50": round(percentile(latencies, 0.5)),
            "p95": round(percentile(latencies, 0.95)),
            "max": round(max(latencies)),
        },
        "worker_processing_ms": {"p50": round(percentile(processing, 0.5)), "p95": round(percentile(processing, 0.95))},
        "overhead_ms": {
            "p50": round(percentile(overhead, 0.5)),
            "p95": round(percentile(overhead, 0.95)),
            "max": round(max(overhead)),
        },
        "note": "overhead = upload start to COMPLETED seen by polling every 20 ms, minus the worker's own time",
    }
