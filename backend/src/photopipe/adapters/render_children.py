"""Renders in child processes the worker can kill: one photo can take down only its own render.

Each render runs in a child (`python -m photopipe.handlers.render_child`), a few at most, reused
from photo to photo (models stay loaded in them). The parent streams the original to a file, hands
the child its path and the request, and watches: the child's resident memory against what the
record was admitted with, the record's fixed deadline, and the child's death. A child past either
bound is killed and its photo alone fails, permanently (MEMORY_LIMIT_EXCEEDED, PROCESSING_TIMEOUT;
DECODER_CRASHED for a child a signal ended). Nothing else in the batch, or in the next invocation,
notices: the reservation is released and no thread waits on past the record's outcome.

Written here rather than with multiprocessing: Lambda has no /dev/shm (Pool and Queue fail), and
multiprocessing's spawn re-imports the parent's __main__, which in Lambda is the runtime's
bootstrap. A child is a plain subprocess speaking length-prefixed pickles of this same code's values
over its stdin and stdout (never data from outside: the photo goes by path).
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import IO, Any

from photopipe.errors import DeploymentFault, ErrorCode, PermanentImageError, TransientError
from photopipe.images.rendering import MIB, MemoryBudget, Rendered, RenderRequest, budget_for_function

logger = logging.getLogger(__name__)

CHILD_MODULE = "photopipe.handlers.render_child"
_FRAME = struct.Struct(">I")
# What the worker's own process holds (no image library's buffers, no model), and what a child
# holds besides its photo: the budget for photos is what is left of the function's memory.
PARENT_MB = 160
CHILD_MB = 192
# A child's own memory once the on-device models are loaded in it, which happens during its first
# photos that need them (measured: 430 MB after the faces, moderation, text and subject models,
# 635 MB peak with a small photo): never counted against the photo the loading happens in.
CHILD_WITH_MODELS_MB = 640
# Before its reservation a child only opens the header (bounded structures): it may grow this much.
OPENING_BYTES = 256 * MIB
# A child idle this far above its own share is replaced, so no fragmentation outlives its photo
# (at the share alone, a child with every model loaded would be replaced, and reload them, after
# almost every photo).
RECYCLE_ABOVE_BYTES = (CHILD_WITH_MODELS_MB + 256) * MIB
_PAGE = os.sysconf("SC_PAGE_SIZE")


def render_budget(function_memory_mb: int, children: int) -> MemoryBudget:
    """What the children's photos may hold at once: the function's memory less the worker's own
    and each child's."""
    return budget_for_function(function_memory_mb, PARENT_MB + max(1, children) * CHILD_MB)


def write_frame(stream: IO[bytes], value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_FRAME.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """The next value, or None at the end of the stream."""
    header = stream.read(_FRAME.size)
    if len(header) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(header)
    data = stream.read(size)
    return pickle.loads(data) if len(data) == size else None  # noqa: S301 - this code's own frames


def kill_limit(baseline: int, reserved: int, total: int) -> int:
    """The resident bytes past which a child is killed: what the record was admitted with, plus
    as much again (at least 256 MiB) for the estimate's error, never past the whole budget's."""
    return baseline + min(reserved + max(reserved, 256 * MIB), total + 256 * MIB)


class RenderChildError(RuntimeError):
    """The child raised something no class of fault covers (a bug): retried like any fault."""


class _Child:
    def __init__(self, command: list[str]) -> None:
        # The child finds the package where this process does (the function's code and layers).
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter, this package's module
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin: IO[bytes] = self.process.stdin
        self.stdout: IO[bytes] = self.process.stdout

    def rss(self) -> int | None:
        """Resident bytes, or None once the process is gone."""
        try:
            with open(f"/proc/{self.process.pid}/statm") as statm:
                return int(statm.read().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            return None

    def ready(self, timeout: float) -> bool:
        return bool(select.select([self.stdout], [], [], timeout)[0])

    def kill(self) -> int:
        self.process.kill()
        for stream in (self.stdin, self.stdout):
            with suppress(OSError):
                stream.close()
        return self.process.wait()


class ChildRenderer:
    """The Renderer of the deployed worker (jobs.ports.Renderer)."""

    def __init__(
        self,
        memory: MemoryBudget,
        deadline_seconds: float,
        children: int = 2,
        command: list[str] | None = None,
        poll_seconds: float = 0.02,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._memory = memory  # shared by every render of the process: a record waits for its share
        # At most this many renders at once (the worker's threads beyond wait for a free child).
        self._children = max(1, children)
        self._slots = threading.BoundedSemaphore(self._children)
        self._deadline_seconds = deadline_seconds  # each record's, fixed
        self._command = command or [sys.executable, "-m", CHILD_MODULE]
        self._poll = poll_seconds
        self._monotonic = monotonic
        self._idle: list[_Child] = []
        self._lock = threading.Lock()

    def render(self, source: Path, content_type: str | None, request: RenderRequest, deadline: float) -> Rendered:
        with self._slots:
            if deadline - self._monotonic() < self._deadline_seconds:
                raise TransientError(
                    f"under {self._deadline_seconds:.0f} s left in this invocation: the photo is not started, "
                    "and comes back in the next"
                )
            return self._render_in_child(source, content_type, request, deadline)

    def _render_in_child(
        self, source: Path, content_type: str | None, request: RenderRequest, deadline: float
    ) -> Rendered:
        child = self._take()
        try:
            rendered = self._run(child, source, content_type, request, deadline)
        except _ChildLost as lost:
            child.kill()
            raise lost.fault from None
        except (PermanentImageError, TransientError, RenderChildError):
            self._give_back(child)  # the child reported it and is ready for the next photo
            raise
        except BaseException:
            child.kill()  # mid-protocol: what it holds is unknown
            raise
        self._give_back(child)
        return rendered

    def _run(
        self, child: _Child, source: Path, content_type: str | None, request: RenderRequest, deadline: float
    ) -> Rendered:
        # A child's own share (imports, models loaded on its first photos) is not the photo's.
        baseline = max(child.rss() or 0, CHILD_WITH_MODELS_MB * MIB)
        watch = _Watch(baseline, self._monotonic(), self._deadline_seconds, deadline)
        write_frame(child.stdin, ("render", str(source), content_type, request))
        with ExitStack() as reservation:
            while True:
                if not child.ready(self._poll):
                    watch.check(child.rss(), self._monotonic())
                    continue
                frame = read_frame(child.stdout)
                if frame is None:
                    raise _ChildLost(_death(child.process.wait()))
                if frame[0] == "reserve":
                    write_frame(child.stdin, self._grant(int(frame[1]), reservation, watch, deadline))
                    continue
                if frame[0] == "done":
                    rendered: Rendered = frame[1]
                    return rendered
                raise _reported(frame)

    def _grant(self, size: int, reservation: ExitStack, watch: _Watch, deadline: float) -> tuple[object, ...]:
        """The answer to a child asking for `size` bytes: granted once the budget has them."""
        try:
            reservation.enter_context(self._memory.reserve(size))  # waits for other photos' memory
        except PermanentImageError as refused:
            return ("refused", refused.code.value, refused.message)
        now = self._monotonic()
        if deadline - now < self._deadline_seconds:
            return ("defer", "the invocation has too little time left for it")
        watch.granted(size, self._memory.total_bytes, now)
        return ("granted",)

    def start(self) -> None:
        """Starts the children now, so their imports overlap the first photo's download."""
        spawned = [_Child(self._command) for _ in range(self._children)]
        with self._lock:
            self._idle.extend(spawned)

    def _take(self) -> _Child:
        with self._lock:
            while self._idle:
                child = self._idle.pop()
                if child.process.poll() is None:
                    return child
        return _Child(self._command)

    def _give_back(self, child: _Child) -> None:
        rss = child.rss()
        if rss is None or rss > RECYCLE_ABOVE_BYTES:
            child.kill()
            return
        with self._lock:
            self._idle.append(child)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for child in idle:
            child.kill()


class _Watch:
    """One render's bounds, checked while the child works: its memory, its deadline. Until its
    reservation the child only opens the header, bounded too."""

    def __init__(self, baseline: int, started: float, deadline_seconds: float, invocation_deadline: float) -> None:
        self.baseline = baseline
        self.deadline_seconds = deadline_seconds
        self.invocation_deadline = invocation_deadline
        self.limit = baseline + OPENING_BYTES
        self.deadline = min(started + deadline_seconds, invocation_deadline)
        self.is_granted = False

    def granted(self, size: int, total: int, now: float) -> None:
        self.is_granted = True
        self.deadline = now + self.deadline_seconds  # the render's own time starts with its memory
        self.limit = kill_limit(self.baseline, size, total)

    def check(self, rss: int | None, now: float) -> None:
        if rss is not None and rss > self.limit:
            raise _ChildLost(
                PermanentImageError(
                    ErrorCode.MEMORY_LIMIT_EXCEEDED,
                    f"Rendering this image took over {self.limit // MIB} MiB (admitted for "
                    f"{(self.limit - self.baseline) // MIB} MiB with its margin); send a smaller image or "
                    "fewer or smaller variants.",
                )
            )
        if now <= self.deadline:
            return
        if self.is_granted or self.deadline < self.invocation_deadline:
            raise _ChildLost(
                PermanentImageError(
                    ErrorCode.PROCESSING_TIMEOUT, f"Rendering this image took over {self.deadline_seconds:.0f} s."
                )
            )
        raise _ChildLost(TransientError("the invocation ran out of time while the photo was opened"))


def _death(code: int) -> Exception:
    """What a child's end, unasked, says: a signal (a decoder crashed) is the photo's fault."""
    if code < 0:
        return PermanentImageError(
            ErrorCode.DECODER_CRASHED, f"Rendering this image crashed its process (signal {-code})."
        )
    return RenderChildError(f"the render process exited with {code}")


def _reported(frame: tuple[Any, ...]) -> Exception:
    """The fault a child reported, as the class it was raised as."""
    kind = frame[0]
    if kind == "permanent":
        return PermanentImageError(ErrorCode(frame[1]), frame[2])
    if kind == "deployment":
        return DeploymentFault(frame[1])
    if kind == "transient":
        return TransientError(frame[1], frame[2])
    return RenderChildError(str(frame[1]))


class _ChildLost(Exception):
    """A fault after which the child is killed, not reused: the one render() then raises."""

    def __init__(self, fault: Exception) -> None:
        super().__init__(str(fault))
        self.fault = fault
