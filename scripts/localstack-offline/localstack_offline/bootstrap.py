"""One Lambda execution environment, run as a host process by the host-process executor.

Standard library only: it runs on the function's interpreter (python3.12 for photopipe), next to
the function's code and layers, never on LocalStack's. It speaks LocalStack's executor protocol,
the one the container init speaks:
  - after importing the handler: POST {LOCALSTACK_RUNTIME_ENDPOINT}/status/{id}/ready
    (body: {"port": n}, the port of its own /invoke server), or .../status/{id}/error;
  - LocalStack POSTs /invoke {"invoke-id", "invoked-function-arn", "payload", "trace-id"};
  - per invocation: POST .../invocations/{id}/logs, then .../response or .../error.
Timeouts are enforced by the executor, which kills this process group; this side only reports
the remaining time to the handler.
"""

from __future__ import annotations

import importlib
import json
import os
import queue
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

RUNTIME_ENDPOINT = os.environ["LOCALSTACK_RUNTIME_ENDPOINT"]
RUNTIME_ID = os.environ["LOCALSTACK_RUNTIME_ID"]
TIMEOUT_SECONDS = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "3"))
PARENT_PID = os.getppid()

invocations: queue.Queue[dict[str, Any]] = queue.Queue()


def post(path: str, body: bytes) -> None:
    request = urllib.request.Request(  # noqa: S310 (always LocalStack's http runtime endpoint)
        f"{RUNTIME_ENDPOINT}{path}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    # No proxies: the endpoint is LocalStack on loopback.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        response.read()


def error_body(error: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(error),
        "errorType": error_type or type(error).__name__,
        "stackTrace": traceback.format_tb(error.__traceback__),
    }


class Context:
    """The attributes and method of the Lambda context object that handlers use."""

    def __init__(self, request_id: str, function_arn: str) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + TIMEOUT_SECONDS

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class InvokeServer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        if self.path != "/invoke":
            self.send_response(404)
            self.end_headers()
            return
        length = int(self.headers.get("Content-Length") or 0)
        invocation = json.loads(self.rfile.read(length))
        # Answer before queuing: a handler that exits the process at once must not cut off the
        # 202, or the executor reports a lost hand-over instead of the handler's exit status.
        self.send_response(202)
        self.end_headers()
        self.wfile.flush()
        invocations.put(invocation)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the executor logs invocations; per-request lines would only be noise


def load_handler() -> Any:
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    return getattr(importlib.import_module(module_name), function_name)


def watch_parent() -> None:
    # Reparenting means LocalStack is gone: leave rather than live on as an orphan.
    while os.getppid() == PARENT_PID:
        time.sleep(1)
    os._exit(0)


def run(handler: Any, invocation: dict[str, Any]) -> None:
    request_id = invocation["invoke-id"]
    os.environ["_X_AMZN_TRACE_ID"] = invocation.get("trace-id") or ""
    context = Context(request_id, invocation.get("invoked-function-arn", ""))
    started = time.monotonic()
    # The handler's output goes to a file for the duration, so this invocation's log is exactly
    # what it printed (loggers hold sys.stdout, so only file descriptors catch everything).
    with tempfile.TemporaryFile() as captured:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(1), os.dup(2)
        os.dup2(captured.fileno(), 1)
        os.dup2(captured.fileno(), 2)
        outcome: tuple[str, bytes]
        try:
            print(f"START RequestId: {request_id} Version: {context.function_version}")
            event = json.loads(invocation.get("payload") or "null")
            result = handler(event, context)
            outcome = ("response", json.dumps(result).encode())
        except Exception as error:
            traceback.print_exc()
            outcome = ("error", json.dumps(error_body(error)).encode())
        finally:
            elapsed_ms = (time.monotonic() - started) * 1000
            print(f"END RequestId: {request_id}")
            print(f"REPORT RequestId: {request_id}\tDuration: {elapsed_ms:.2f} ms")
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
        captured.seek(0)
        logs = captured.read().decode("utf-8", "replace")
    sys.stdout.write(logs)  # also into the executor's pipe, for the emulator log
    sys.stdout.flush()
    post(f"/invocations/{request_id}/logs", json.dumps({"logs": logs}).encode())
    post(f"/invocations/{request_id}/{outcome[0]}", outcome[1])


def main() -> None:
    threading.Thread(target=watch_parent, daemon=True).start()
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    sys.path.insert(0, task_root)
    os.chdir(task_root)
    try:
        handler = load_handler()
    except Exception as error:
        traceback.print_exc()
        body = error_body(error, "Runtime.ImportModuleError")
        post(f"/status/{RUNTIME_ID}/error", json.dumps(body).encode())
        sys.exit(1)
    server = HTTPServer(("127.0.0.1", 0), InvokeServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    post(f"/status/{RUNTIME_ID}/ready", json.dumps({"port": server.server_address[1]}).encode())
    while True:
        run(handler, invocations.get())


if __name__ == "__main__":
    main()
