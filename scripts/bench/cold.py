"""Section `cold`: each handler's import time, first invoke after a configuration update, and a
burst of API calls right after the api's processes are replaced (`burst_api`)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.common import photo_jpeg
from devkit.client import PhotopipeClient, wait_until
from devkit.stack import Stack

IMPORT_PROBE = """
import sys, time
started = time.perf_counter()
__import__(sys.argv[1])
print(time.perf_counter() - started)
"""


def cold_section(stack: Stack) -> dict[str, Any]:
    result: dict[str, Any] = {}
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "1"}
    for name in ("api", "worker", "notifier"):
        probe = subprocess.run(  # noqa: S603 - our own interpreter and probe
            [sys.executable, "-c", IMPORT_PROBE, f"photopipe.handlers.{name}"],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        result[f"{name}_import_ms"] = round(float(probe.stdout) * 1000)
    for name, invoke in (("api", _first_api_call), ("worker", _first_worker_call)):
        _replace_processes(stack, stack["function_names"][name])
        result[f"{name}_first_invoke_ms"] = round(invoke(stack) * 1000)
        result[f"{name}_warm_invoke_ms"] = round(invoke(stack) * 1000)
    _replace_processes(stack, stack["function_names"]["worker"])
    result["worker_first_photo_ms"] = round(_first_photo(stack) * 1000)
    result["burst_api"] = burst_api(stack)
    for name in ("api", "worker"):  # as deployed again, so `make plan` finds nothing to change
        _replace_processes(stack, stack["function_names"][name], nonce=False)
    return result


# The burst a console user dropping 30 photos, or a chaos run right after a deploy, sends.
BURST_CALLS = 30


def burst_api(stack: Stack) -> dict[str, Any]:
    """30 concurrent GET /v1/jobs/{id} right after the api's processes are replaced (as by a
    deploy): each call's time to its answer."""
    client = PhotopipeClient.for_user(stack, f"bench-burst-api-{uuid.uuid4().hex[:8]}")
    job_id = client.create_job("image/jpeg", 1000)["jobId"]
    _replace_processes(stack, stack["function_names"]["api"])

    def call(_: int) -> float:
        started = time.perf_counter()
        client.request("GET", f"/v1/jobs/{job_id}", 200)
        return (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(max_workers=BURST_CALLS) as pool:
        times = sorted(pool.map(call, range(BURST_CALLS)))
    return {"calls": BURST_CALLS, "p50_ms": round(statistics.median(times)), "max_ms": round(times[-1])}


def _replace_processes(stack: Stack, function: str, nonce: bool = True) -> None:
    """A configuration update: the emulator replaces the function's processes, so the next
    invoke is cold, as after a deploy. `nonce` False takes the bench's variable away again."""
    lam = stack.client("lambda")
    config = lam.get_function_configuration(FunctionName=function)
    variables = dict(config.get("Environment", {}).get("Variables", {}))
    variables.pop("BENCH_NONCE", None)
    if nonce:
        variables["BENCH_NONCE"] = uuid.uuid4().hex
    lam.update_function_configuration(FunctionName=function, Environment={"Variables": variables})
    wait_until(
        lambda: lam.get_function_configuration(FunctionName=function).get("LastUpdateStatus"),
        lambda status: status in (None, "Successful"),
        60,
        f"{function} updated",
    )


def _first_api_call(stack: Stack) -> float:
    client = PhotopipeClient.for_user(stack, "bench-cold")
    started = time.perf_counter()
    client.request("GET", "/v1/jobs", 200, params={"limit": "1"})
    return time.perf_counter() - started


# S3's test notification: a valid record the worker acknowledges without work. An empty batch
# would be an error, and an erroring process is replaced: the "warm" call would be cold again.
_TEST_EVENT_RECORD = {
    "messageId": "bench-cold",
    "receiptHandle": "bench-cold",
    "body": json.dumps({"Event": "s3:TestEvent"}),
    "attributes": {"ApproximateReceiveCount": "1"},
    "messageAttributes": {},
    "md5OfBody": "",
    "eventSource": "aws:sqs",
    "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:bench-cold",
    "awsRegion": "us-east-1",
}


def _first_photo(stack: Stack) -> float:
    """A 12 MP JPEG, from its upload's answer to its COMPLETED job seen (polled every 20 ms), on a
    worker whose processes were just replaced: the test event's cold start, plus the SDK's clients
    and the render children's start. The same photo warm is `latency`'s upload_to_completed_seen_ms."""
    client = PhotopipeClient.for_user(stack, f"bench-cold-photo-{uuid.uuid4().hex[:8]}")
    data = photo_jpeg(4000, 3000)
    operations = {"analysis": False, "variants": [{"name": "small", "maxSize": 400, "format": "jpeg"}]}
    created = client.create_job("image/jpeg", len(data), operations=operations)
    client.upload(created["upload"], data).raise_for_status()
    started = time.perf_counter()
    job = client.wait_for_job(created["jobId"], timeout=60, interval=0.02)
    if job["status"] != "COMPLETED":
        raise RuntimeError(f"the first photo of a cold worker ended {job['status']}: {job.get('error')}")
    return time.perf_counter() - started


def _first_worker_call(stack: Stack) -> float:
    started = time.perf_counter()
    response = stack.client("lambda").invoke(
        FunctionName=stack["function_names"]["worker"], Payload=json.dumps({"Records": [_TEST_EVENT_RECORD]}).encode()
    )
    elapsed = time.perf_counter() - started
    if "FunctionError" in response:
        raise RuntimeError(f"the worker failed the test event: {response['Payload'].read()[:500]!r}")
    return elapsed
