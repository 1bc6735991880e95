"""Section `delivery`: a delivery URL as a phone's image cache uses it.

A cache hit (one S3 GET behind the function), the first render of `w_1080,f_webp` from a
12 MP photo's stored variants (each from a new job, so nothing is cached), and the bytes of
`f_auto` for a client that accepts AVIF next to the JPEG of the same transform.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import requests

from bench.common import percentile, photo_jpeg
from devkit.client import PhotopipeClient
from devkit.stack import Stack

HIT_CALLS = 60
FIRST_RENDERS = 10


def delivery_section(stack: Stack) -> dict[str, Any]:
    client = PhotopipeClient.for_user(stack, f"bench-{uuid.uuid4().hex[:8]}")
    data = photo_jpeg(4000, 3000)
    bases = []
    for _ in range(FIRST_RENDERS + 1):  # one more: the first warms the delivery function's processes
        job = client.wait_for_job(client.submit(data, "image/jpeg"), timeout=120)
        bases.append(job["delivery"]["url"])

    def timed_get(url: str, accept: str = "image/webp,*/*") -> tuple[float, requests.Response]:
        started = time.perf_counter()
        answer = requests.get(url, headers={"Accept": accept}, timeout=60)
        answer.raise_for_status()
        return (time.perf_counter() - started) * 1000, answer

    first = [timed_get(f"{base}/w_1080,f_webp")[0] for base in bases]
    hits = [timed_get(f"{bases[0]}/w_1080,f_webp")[0] for _ in range(HIT_CALLS)]
    avif = timed_get(f"{bases[0]}/w_1080", "image/avif,image/webp,*/*")[1]
    jpeg = timed_get(f"{bases[0]}/w_1080,f_jpeg")[1]

    def summary(samples: list[float]) -> dict[str, float]:
        return {"p50": round(percentile(samples, 0.5), 1), "p95": round(percentile(samples, 0.95), 1)}

    return {
        "cache_hit_ms": summary(hits),
        "first_render_w1080_webp_ms": summary(first[1:]),
        "f_auto_avif_bytes": len(avif.content),
        "f_auto_served_as": avif.headers["Content-Type"],
        "jpeg_bytes_same_transform": len(jpeg.content),
        "avif_vs_jpeg_bytes": round(len(avif.content) / len(jpeg.content), 3),
        "case": f"12 MP JPEG, default variants; {FIRST_RENDERS} first renders (new jobs), {HIT_CALLS} hits",
    }
