#!/usr/bin/env python3
"""`make watch`: every save under backend/src is live on the running local stack.

On each change to a .py file:
1. the changed files are compiled, and a syntax error is printed and not deployed;
2. the one code zip is rebuilt exactly as `make build` builds it (the same bytes, with its
   build id), and every function gets it with UpdateFunctionCode, since they all run it;
3. each function is invoked once, the api with a health request and the queue consumers with
   an S3 test event they ignore (the sweeper runs a sweep), so the next real request finds the
   new code loaded, and an error at import shows here (the first line of it);
4. the Terraform state records the new zip's hash, so `make plan` finds nothing to change.

The layers stay as deployed: a change to the pins needs `make up`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit import build_lambdas
from devkit.stack import ROOT, Stack

SOURCES = build_lambdas.SRC / "photopipe"
BUILD_DIR = Path(os.environ.get("BUILD_DIR", ROOT / "build" / "lambda"))
UPDATE_DEADLINE_SECONDS = 60.0

# An S3 test event: the worker ignores it (S3 sends one when notifications are set up), and the
# notifier drops it as not a job event.
_IGNORED_BODY = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "photopipe-watch"})
_SQS_WARM_UP = {
    "Records": [
        {
            "messageId": "photopipe-watch-warm-up",
            "receiptHandle": "photopipe-watch-warm-up",
            "body": _IGNORED_BODY,
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:photopipe-watch",
            "awsRegion": "us-east-1",
        }
    ]
}
_HEALTH_REQUEST = {
    "resource": "/v1/health",
    "path": "/v1/health",
    "httpMethod": "GET",
    "headers": {},
    "multiValueHeaders": {},
    "queryStringParameters": None,
    "pathParameters": None,
    "requestContext": {"requestId": "photopipe-watch-warm-up", "stage": "live", "resourcePath": "/v1/health"},
    "body": None,
    "isBase64Encoded": False,
}
WARM_UP_EVENTS: dict[str, dict[str, Any]] = {
    "api": _HEALTH_REQUEST,
    "worker": _SQS_WARM_UP,
    "notifier": _SQS_WARM_UP,
    "sweeper": {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}},
    # A function URL request for no image: answered 404 before anything is read.
    "delivery": {"version": "2.0", "rawPath": "/", "headers": {}, "requestContext": {"http": {"method": "GET"}}},
}


@dataclass(frozen=True)
class Reload:
    build: str
    seconds: dict[str, float]  # function -> from the start of the build to its warm-up's answer
    errors: dict[str, str]  # function -> the first line of what its warm-up invocation raised


def syntax_error(paths: Iterable[Path]) -> str | None:
    for path in paths:
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except SyntaxError as error:
            where = path.relative_to(build_lambdas.SRC) if path.is_relative_to(build_lambdas.SRC) else path
            return f"{where}:{error.lineno}: {error.msg}"
    return None


def _wait_until_updated(lambda_client: Any, name: str) -> None:
    deadline = time.monotonic() + UPDATE_DEADLINE_SECONDS
    status = None
    while time.monotonic() < deadline:
        status = lambda_client.get_function_configuration(FunctionName=name).get("LastUpdateStatus")
        if status in (None, "Successful"):
            return
        if status == "Failed":
            raise RuntimeError(f"{name}: the code update failed")
        time.sleep(0.05)  # polling the emulator's own state, with a deadline
    raise RuntimeError(f"{name}: code update still {status} after {UPDATE_DEADLINE_SECONDS:.0f} s")


def _first_error(role: str, response: dict[str, Any], build: str) -> str | None:
    payload = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        message = payload.get("errorMessage", "") if isinstance(payload, dict) else str(payload)
        kind = payload.get("errorType", "Error") if isinstance(payload, dict) else "Error"
        return f"{kind}: {str(message).splitlines()[0] if message else ''}"
    if role == "api":
        body = json.loads(payload.get("body") or "{}")
        if payload.get("statusCode") != 200 or body.get("build") != build:
            return f"GET /v1/health answered {payload.get('statusCode')} {body}, not build {build[:12]}"
    return None


def deploy(stack: Stack, functions: dict[str, str]) -> Reload:
    """Builds the code zip and gives it to the api, warms it up (what a developer calls next),
    then to the others together: their updates end processes (the worker's with its render
    children) and start new ones, which would slow the api's cold start on a laptop's cores."""
    started = time.perf_counter()
    code = build_lambdas.build_code(BUILD_DIR, quiet=True)
    build = build_lambdas.code_build_id()
    body = code.read_bytes()
    lambda_client = stack.client("lambda")
    seconds: dict[str, float] = {}
    errors: dict[str, str] = {}

    def update(name: str) -> None:
        lambda_client.update_function_code(FunctionName=name, ZipFile=body)
        _wait_until_updated(lambda_client, name)

    def warm_up(role: str) -> None:
        response = lambda_client.invoke(FunctionName=functions[role], Payload=json.dumps(WARM_UP_EVENTS[role]).encode())
        error = _first_error(role, response, build)
        seconds[role] = time.perf_counter() - started
        if error:
            errors[role] = error

    first = [role for role in functions if role == "api"]
    rest = [role for role in functions if role not in first]
    with ThreadPoolExecutor(max_workers=len(functions)) as pool:
        for roles in (first, rest):
            list(pool.map(update, [functions[role] for role in roles]))
            list(pool.map(warm_up, roles))
    return Reload(build, seconds, errors)


def record_in_terraform_state(stack: Stack, code: Path) -> None:
    """Writes the deployed zip's hash into each function's `source_code_hash` in the state, as
    an apply would have: the provider keeps that hash in the state only and never reads it back."""
    terraform_sh = str(ROOT / "scripts" / "terraform.sh")
    env = dict(os.environ, STACK_DIR=str(stack.directory), ENV="local", ENDPOINT=str(stack.endpoint_url))
    pulled = subprocess.run(  # noqa: S603 - our own script, on this stack
        [terraform_sh, "state", "pull"], check=True, capture_output=True, text=True, env=env
    )
    state = json.loads(pulled.stdout)
    code_hash = base64.b64encode(hashlib.sha256(code.read_bytes()).digest()).decode()
    stale = [
        instance["attributes"]
        for resource in state["resources"]
        if resource["type"] == "aws_lambda_function"
        for instance in resource["instances"]
        if instance["attributes"].get("source_code_hash") != code_hash
    ]
    for attributes in stale:
        attributes["source_code_hash"] = code_hash
    if stale:
        state["serial"] += 1
        with tempfile.NamedTemporaryFile("w", suffix=".tfstate") as pushed:
            json.dump(state, pushed)
            pushed.flush()
            subprocess.run([terraform_sh, "state", "push", pushed.name], check=True, capture_output=True, env=env)  # noqa: S603
    architecture = f"-var=lambda_architecture={os.environ.get('ARCH', 'x86_64')}"
    current = subprocess.run(  # noqa: S603 - our own script, on this stack
        [terraform_sh, "fingerprint", architecture], check=True, capture_output=True, text=True, env=env
    ).stdout
    keep_applied(stack.directory / "applied.sha256", current)


def keep_applied(applied: Path, current: str) -> None:
    """The functions run the zip on disk and the state says so, as after an apply. Where nothing
    else Terraform reads changed since the last apply (the fingerprint's first line), the next
    `make up` has nothing to apply either, and is told so (scripts/deploy.sh)."""
    if applied.exists() and applied.read_text().splitlines()[:1] == current.splitlines()[:1]:
        applied.write_text(current)


def record_state(stack: Stack) -> None:
    """As record_in_terraform_state, but a failure (another Terraform run in infrastructure/ at
    the same moment, say) is reported and the watch goes on: the next `make up` puts it right."""
    try:
        record_in_terraform_state(stack, BUILD_DIR / build_lambdas.CODE_ZIP)
    except subprocess.CalledProcessError as error:
        output = error.stderr or error.stdout or ""
        lines = (output.decode() if isinstance(output, bytes) else output).strip().splitlines()
        last = lines[-1] if lines else str(error)
        print(f"[watch] the Terraform state was not updated ({last}): run make up", flush=True)


def report(changed: list[str], reload: Reload) -> None:
    what = ", ".join(changed) or "the checkout"
    for role, error in reload.errors.items():
        print(f"[watch] {what}: {role} fails with the new code: {error}", flush=True)
    live = ", ".join(f"{role} {seconds:.1f}s" for role, seconds in reload.seconds.items() if role not in reload.errors)
    print(f"[watch] {what}: build {reload.build[:12]} live: {live}", flush=True)


def running_build(stack: Stack) -> str | None:
    import requests

    try:
        return str(requests.get(f"{stack.host_api_base_url}/v1/health", timeout=30).json().get("build"))
    except (requests.RequestException, ValueError):
        return None


def main() -> int:
    import watchfiles

    stack = Stack.load()
    if not stack.endpoint_url:
        raise SystemExit("make watch reloads a local stack (ENV=local): run `make up` first")
    functions: dict[str, str] = dict(stack["function_names"])
    if running_build(stack) != build_lambdas.code_build_id():
        # The checkout changed since the stack was deployed: start from what is on disk.
        reload = deploy(stack, functions)
        record_state(stack)
        report([], reload)
    watching = False
    # yield_on_timeout: an empty first yield tells that the OS watch is in place, so a save made
    # after the line below is never missed.
    for changes in watchfiles.watch(
        SOURCES, watch_filter=watchfiles.PythonFilter(), debounce=400, step=20, rust_timeout=200, yield_on_timeout=True
    ):
        if not changes:
            if not watching:
                where = SOURCES.relative_to(ROOT)
                print(f"[watch] watching {where} for {', '.join(functions)} (Ctrl-C stops)", flush=True)
                watching = True
            continue
        paths = sorted({Path(path) for _, path in changes})
        changed = [path.relative_to(SOURCES).as_posix() for path in paths]
        error = syntax_error(path for path in paths if path.exists())
        if error:
            print(f"[watch] not deployed: {error}", flush=True)
            continue
        reload = deploy(stack, functions)
        record_state(stack)
        report(changed, reload)  # last: once it is printed, `make plan` agrees
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
