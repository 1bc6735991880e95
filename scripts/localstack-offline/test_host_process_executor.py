"""The host-process executor against a running LocalStack in host mode, through the Lambda API.

Run by `make test EMULATOR=localstack` after the stack suites (`make executor-test` alone): what
the photopipe suites cannot show, the function timeout, deaths, init errors and reaping.
Skipped unless this LocalStack runs on the host (a pid file in STACK_DIR).
"""

from __future__ import annotations

import base64
import io
import json
import os
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from devkit.client import wait_until

PORT = os.environ.get("PORT", "4566")
STACK_DIR = Path(os.environ.get("STACK_DIR", ".photopipe/stacks/dev"))
ENDPOINT = f"http://127.0.0.1:{PORT}"

pytestmark = pytest.mark.skipif(
    os.environ.get("EMULATOR") != "localstack" or not (STACK_DIR / "emulator.pid").exists(),
    reason="needs LocalStack running in host mode (make up EMULATOR=localstack without Docker)",
)

HANDLER = """
import os, subprocess, sys, threading, time

def handler(event, context):
    action = event.get("action")
    if action == "sleep":
        child = subprocess.Popen(["sleep", "300"])  # must die with the timed-out process group
        open(event["pid_file"], "w").write(str(child.pid))
        time.sleep(event["seconds"])
    if action == "exit":
        os._exit(3)
    if action == "exit_after_answering":
        threading.Timer(0.5, os._exit, (4,)).start()
    if action == "raise":
        raise ValueError("bad input")
    print("hello from the handler")
    return {"remaining_ms": context.get_remaining_time_in_millis(), "task_root": os.environ["LAMBDA_TASK_ROOT"]}
"""


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def lambda_client() -> Any:
    return boto3.client(
        "lambda", endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )


def create(lambda_client: Any, files: dict[str, str], timeout: int = 2) -> str:
    name = f"executor-test-{uuid.uuid4().hex[:8]}"
    lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role="arn:aws:iam::000000000000:role/executor-test",
        Handler="app.handler",
        Code={"ZipFile": zipped(files)},
        Timeout=timeout,
    )
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


@pytest.fixture(scope="module")
def function(lambda_client: Any) -> Iterator[str]:
    name = create(lambda_client, {"app.py": HANDLER})
    yield name
    lambda_client.delete_function(FunctionName=name)


def invoke(lambda_client: Any, name: str, event: dict[str, Any]) -> tuple[str | None, dict[str, Any], str]:
    response = lambda_client.invoke(FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail")
    logs = base64.b64decode(response.get("LogResult", "")).decode()
    return response.get("FunctionError"), json.loads(response["Payload"].read() or b"null"), logs


def bootstrap_processes(function_name: str) -> list[int]:
    """Pids of execution-environment processes of one function, read from /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if b"localstack_offline/bootstrap.py" in cmdline and f"={function_name}\0".encode() in environ:
            pids.append(int(entry.name))
    return pids


def test_an_invocation_runs_the_handler_with_its_context_and_logs(lambda_client: Any, function: str) -> None:
    error, payload, logs = invoke(lambda_client, function, {})
    assert error is None, payload
    assert 0 < payload["remaining_ms"] <= 2000
    assert payload["task_root"].endswith("/code")
    assert "hello from the handler" in logs and "REPORT RequestId" in logs


def test_a_handler_error_comes_back_as_a_function_error(lambda_client: Any, function: str) -> None:
    error, payload, _ = invoke(lambda_client, function, {"action": "raise"})
    assert error == "Unhandled"
    assert (payload["errorType"], payload["errorMessage"]) == ("ValueError", "bad input")


def test_the_timeout_kills_the_process_group_and_the_next_call_gets_a_fresh_process(
    lambda_client: Any, function: str, tmp_path: Path
) -> None:
    pid_file = tmp_path / "child.pid"
    started = time.monotonic()
    error, payload, _ = invoke(lambda_client, function, {"action": "sleep", "seconds": 30, "pid_file": str(pid_file)})
    assert error == "Unhandled" and payload["errorType"] == "Sandbox.Timedout", payload
    assert "Task timed out after 2.00 seconds" in payload["errorMessage"]
    assert time.monotonic() - started < 15
    grandchild = Path(f"/proc/{pid_file.read_text()}")
    wait_until(grandchild.exists, lambda alive: not alive, 10, f"the handler's child {grandchild} gone")
    assert invoke(lambda_client, function, {})[0] is None


def test_a_process_that_dies_fails_its_invocation_and_is_replaced(lambda_client: Any, function: str) -> None:
    error, payload, _ = invoke(lambda_client, function, {"action": "exit"})
    assert error == "Unhandled" and payload["errorType"] == "Runtime.ExitError", payload
    assert "exit status 3" in payload["errorMessage"]
    assert invoke(lambda_client, function, {})[0] is None


def test_a_process_that_died_between_invocations_is_replaced(lambda_client: Any, function: str) -> None:
    assert invoke(lambda_client, function, {"action": "exit_after_answering"})[0] is None
    wait_until(lambda: bootstrap_processes(function), lambda pids: not pids, 10, "the process gone")
    error, payload, _ = invoke(lambda_client, function, {})
    assert error is None, payload


def test_an_import_error_fails_the_invocation_with_the_reason(lambda_client: Any) -> None:
    name = create(lambda_client, {"app.py": "import not_a_module_anywhere\n"})
    try:
        error, payload, _ = invoke(lambda_client, name, {})
        assert error is not None
        assert "not_a_module_anywhere" in json.dumps(payload), payload
    finally:
        lambda_client.delete_function(FunctionName=name)


def test_deleting_a_function_reaps_its_processes(lambda_client: Any) -> None:
    name = create(lambda_client, {"app.py": HANDLER})
    assert invoke(lambda_client, name, {})[0] is None
    assert bootstrap_processes(name), "an execution environment process while the function is warm"
    lambda_client.delete_function(FunctionName=name)
    wait_until(lambda: bootstrap_processes(name), lambda pids: not pids, 20, f"processes of {name} reaped")
