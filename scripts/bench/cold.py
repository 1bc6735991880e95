"""Section `cold`: each handler's import time and first invoke after a configuration update."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from typing import Any

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
    lam = stack.client("lambda")
    functions = stack["function_names"]
    for name, invoke in (("api", _first_api_call), ("worker", _first_worker_call)):
        function = functions[name]
        config = lam.get_function_configuration(FunctionName=function)
        variables = dict(config.get("Environment", {}).get("Variables", {}))
        variables["BENCH_NONCE"] = uuid.uuid4().hex  # a configuration update: the next invoke is cold
        lam.update_function_configuration(FunctionName=function, Environment={"Variables": variables})
        wait_until(
            lambda f=function: lam.get_function_configuration(FunctionName=f).get("LastUpdateStatus"),
            lambda status: status in (None, "Successful"),
            60,
            f"{function} updated",
        )
        result[f"{name}_first_invoke_ms"] = round(invoke(stack) * 1000)
        result[f"{name}_warm_invoke_ms"] = round(invoke(stack) * 1000)
    return result


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


def _first_worker_call(stack: Stack) -> float:
    started = time.perf_counter()
    response = stack.client("lambda").invoke(
        FunctionName=stack["function_names"]["worker"], Payload=json.dumps({"Records": [_TEST_EVENT_RECORD]}).encode()
    )
    elapsed = time.perf_counter() - started
    if "FunctionError" in response:
        raise RuntimeError(f"the worker failed the test event: {response['Payload'].read()[:500]!r}")
    return elapsed
