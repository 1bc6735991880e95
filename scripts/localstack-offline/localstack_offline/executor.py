"""LocalStack runtime executor that runs each Lambda execution environment as a host process.

LocalStack's stock executor starts a container per environment and downloads its init binary;
neither works without Docker and internet. This one starts `bootstrap.py` on the function's
interpreter (LAMBDA_HOST_INTERPRETERS="python3.12=/path/to/python", else `python3.12` on PATH),
with the unzipped code as the task root and each layer's `python/` folder on PYTHONPATH.

What the container init does and this executor does too:
  - the function's timeout: the process group is killed and the invocation fails with
    Sandbox.Timedout; the next invocation gets a fresh process;
  - a process that dies mid-invocation fails it with Runtime.ExitError;
  - every child is reaped: stop() kills the group and waits, an atexit hook covers LocalStack's
    own exit, and the child leaves by itself when LocalStack dies (it watches its parent).
What it does not do: isolate functions from each other or from the host (no container, no
separate user, the host's /tmp).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import threading
from collections import deque
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeout
from http import HTTPStatus
from pathlib import Path

import requests
from localstack import config
from localstack.http import Response
from localstack.services.lambda_.invocation.executor_endpoint import (
    NAMESPACE,
    Endpoint,
    ShutdownDuringStartup,
    StatusErrorException,
    executor_router,
)
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import LambdaRuntimeException, RuntimeExecutor
from werkzeug import Request

LOG = logging.getLogger(__name__)

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
HOST = "127.0.0.1"
# How long after the function's timeout a silent process is killed: covers posting the result.
TIMEOUT_GRACE_SECONDS = 1.0
# Lines of child output kept for get_logs() (LocalStack prints them when a start-up fails).
LOG_TAIL_LINES = 500

_live_processes: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()


def _kill_group(process: subprocess.Popen[bytes], grace_seconds: float = 2.0) -> None:
    """SIGTERM the child's process group, SIGKILL what is left after the grace, then reap."""
    for sig, wait in ((signal.SIGTERM, grace_seconds), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    with _live_lock:
        _live_processes.discard(process)


@atexit.register
def _reap_all() -> None:
    with _live_lock:
        processes = list(_live_processes)
    for process in processes:
        _kill_group(process, grace_seconds=0.5)


def interpreter_for(runtime: str) -> str:
    """The host interpreter for a Lambda runtime name such as python3.12."""
    mapping = dict(
        item.split("=", 1) for item in os.environ.get("LAMBDA_HOST_INTERPRETERS", "").split(",") if "=" in item
    )
    interpreter = mapping.get(runtime) or shutil.which(runtime)
    if not runtime.startswith("python") or not interpreter:
        raise LambdaRuntimeException(
            f"the host-process executor has no interpreter for runtime {runtime!r}: "
            f"set LAMBDA_HOST_INTERPRETERS='{runtime}=/path/to/interpreter'"
        )
    return interpreter


def error_result(request_id: str, error_type: str, message: str, logs: str) -> InvocationResult:
    """A failed invocation as the container init reports one."""
    body = json.dumps({"errorType": error_type, "errorMessage": message}).encode()
    return InvocationResult(request_id, body, is_error=True, logs=logs)


class HostProcessEndpoint(Endpoint):
    """Receives the callbacks of one environment's process (routed by LocalStack's gateway)."""

    def __init__(self, executor_id: str) -> None:
        self.executor_id = executor_id
        self.ready: Future[int] = Future()
        self.invocation: Future[InvocationResult] | None = None
        self.logs = ""

    def invocation_response(self, request: Request, req_id: str) -> Response:
        return self._finish(InvocationResult(req_id, request.data, is_error=False, logs=self.logs))

    def invocation_error(self, request: Request, req_id: str) -> Response:
        return self._finish(InvocationResult(req_id, request.data, is_error=True, logs=self.logs))

    def invocation_logs(self, request: Request, invoke_id: str) -> Response:
        body = request.json
        self.logs = body.get("logs", "") if isinstance(body, dict) else ""
        return Response(status=HTTPStatus.ACCEPTED)

    def status_ready(self, request: Request, executor_id: str) -> Response:
        if self.ready.done():
            return Response(status=HTTPStatus.BAD_REQUEST)
        self.ready.set_result(int(request.json["port"]))
        return Response(status=HTTPStatus.ACCEPTED)

    def status_error(self, request: Request, executor_id: str) -> Response:
        LOG.warning("execution environment %s failed to start: %s", executor_id, request.data)
        if self.ready.done():
            return Response(status=HTTPStatus.BAD_REQUEST)
        self.ready.set_exception(StatusErrorException("Environment startup failed", request.data))
        return Response(status=HTTPStatus.ACCEPTED)

    def _finish(self, result: InvocationResult) -> Response:
        if self.invocation is None or self.invocation.done():
            return Response(status=HTTPStatus.BAD_REQUEST)  # late: already timed out or died
        self.invocation.set_result(result)
        return Response(status=HTTPStatus.ACCEPTED)

    def fail_pending(self, error_type: str, message: str, request_id: str = "") -> None:
        """Settle whatever waits on this process: start-up or a running invocation."""
        result = error_result(request_id, error_type, message, self.logs)
        if not self.ready.done():
            self.ready.set_exception(StatusErrorException(message, result.payload))
        if self.invocation is not None and not self.invocation.done():
            self.invocation.set_result(result)


class HostProcessRuntimeExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self.endpoint = HostProcessEndpoint(id)
        self.process: subprocess.Popen[bytes] | None = None
        self.port: int | None = None
        self.env: dict[str, str] = {}
        self.output: deque[str] = deque(maxlen=LOG_TAIL_LINES)
        self.invoke_lock = threading.Lock()
        self.stopped = False
        self.current_request_id = ""

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, env_vars: dict[str, str]) -> None:
        executor_router().register_endpoint(self.id, self.endpoint)
        self.env = self._process_env(env_vars)
        self._spawn()

    def stop(self) -> None:
        self.stopped = True
        self.endpoint.fail_pending("Runtime.Stopped", "execution environment stopped")
        if self.process is not None:
            _kill_group(self.process)
        with contextlib.suppress(KeyError):  # never registered: start() failed early
            executor_router().unregister_endpoint(self.id)

    def _process_env(self, env_vars: dict[str, str]) -> dict[str, str]:
        config_ = self.function_version.config
        code_dir = str(config_.code.get_unzipped_code_location())
        layer_paths = [
            str(layer.code.get_unzipped_code_location() / "python")
            for layer in config_.layers or []
            if layer.code is not None
        ]
        env = {key: str(value) for key, value in env_vars.items()}
        # Only what a process needs from the host; the function sees Lambda's variables, not ours.
        for key in ("PATH", "HOME", "LANG", "TMPDIR", "SSL_CERT_FILE"):
            if key in os.environ:
                env.setdefault(key, os.environ[key])
        env.update(
            LAMBDA_TASK_ROOT=code_dir,
            PYTHONPATH=os.pathsep.join([code_dir, *layer_paths]),
            PYTHONUNBUFFERED="1",
            PYTHONDONTWRITEBYTECODE="1",
        )
        return env

    def _spawn(self) -> None:
        self.endpoint.ready = Future()
        self.port = None
        interpreter = interpreter_for(str(self.function_version.config.runtime))
        process = subprocess.Popen(  # noqa: S603 (the configured interpreter, our own script)
            [interpreter, str(BOOTSTRAP)],
            env=self.env,
            cwd=self.env["LAMBDA_TASK_ROOT"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group, so a timeout kills whatever it started
        )
        with _live_lock:
            _live_processes.add(process)
        self.process = process
        threading.Thread(target=self._watch, args=(process,), name=f"lambda-host-{self.id}", daemon=True).start()
        try:
            self.port = self.endpoint.ready.result()
        except CancelledError as error:
            raise ShutdownDuringStartup("environment stopped during start-up") from error

    def _watch(self, process: subprocess.Popen[bytes]) -> None:
        """Forward the child's output, then reap it and fail whatever it left unanswered."""
        assert process.stdout is not None
        function = self.function_version.id.function_name
        for raw in process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.output.append(line)
            LOG.debug("[lambda %s %s] %s", function, self.id, line)
        code = process.wait()
        with _live_lock:
            _live_processes.discard(process)
        if process is self.process and not self.stopped:
            reason = f"signal: {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
            self.endpoint.fail_pending(
                "Runtime.ExitError",
                f"RequestId: {self.current_request_id} Error: Runtime exited with error: {reason}",
                self.current_request_id,
            )

    # -- invocations -------------------------------------------------------------------------
    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        with self.invoke_lock:
            if self.process is None or self.process.poll() is not None:
                self._spawn()  # the previous process timed out or died
            request_id = payload["invoke-id"]
            self.current_request_id = request_id
            self.endpoint.logs = ""
            self.endpoint.invocation = invocation = Future()
            try:
                requests.post(
                    f"http://{HOST}:{self.port}/invoke",
                    json=payload,
                    proxies={"http": "", "https": ""},
                    timeout=10,
                ).raise_for_status()
            except requests.RequestException as error:
                # The process died (or hung) between invocations: fail this one, start afresh next.
                assert self.process is not None
                _kill_group(self.process, grace_seconds=0)
                message = f"RequestId: {request_id} Error: the runtime did not take the invocation: {error}"
                return error_result(request_id, "Runtime.ExitError", message, logs="")
            timeout = float(self.function_version.config.timeout)
            try:
                return invocation.result(timeout=timeout + TIMEOUT_GRACE_SECONDS)
            except FutureTimeout:
                assert self.process is not None
                _kill_group(self.process, grace_seconds=0)
                message = f"RequestId: {request_id} Task timed out after {timeout:.2f} seconds"
                LOG.info("lambda %s: %s", self.function_version.id.function_name, message)
                return error_result(request_id, "Sandbox.Timedout", message, self.endpoint.logs)

    # -- addresses ---------------------------------------------------------------------------
    def get_address(self) -> str:
        return HOST

    def get_endpoint_from_executor(self) -> str:
        return HOST

    def get_runtime_endpoint(self) -> str:
        return f"http://{HOST}:{config.GATEWAY_LISTEN[0].port}{NAMESPACE}/{self.id}"

    def get_logs(self) -> str:
        return "\n".join(self.output)

    # -- versions ----------------------------------------------------------------------------
    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        interpreter_for(str(function_version.config.runtime))  # fail at create, not at invoke
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()
        for layer in function_version.config.layers or []:
            if layer.code is not None:
                layer.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass  # the unzipped code lives under LocalStack's TMPDIR, which it manages

    @classmethod
    def validate_environment(cls) -> bool:
        return True
