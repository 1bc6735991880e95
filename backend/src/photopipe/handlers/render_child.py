"""The render child's main (`python -m photopipe.handlers.render_child`): renders the photos its
parent, the worker, hands it over stdin, one at a time, and answers over stdout
(adapters/render_children.py has the protocol and why).

The provider, and with it any model, is built on the first photo, not at start. The memory a
photo needs is asked of the parent, which holds the budget every render of the function shares.
"""

from __future__ import annotations

import ctypes
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from photopipe import wiring
from photopipe.adapters.render_children import read_frame, write_frame
from photopipe.config import get_settings
from photopipe.errors import DeploymentFault, ErrorCode, PermanentImageError, TransientError
from photopipe.images import pipeline, rendering
from photopipe.images.rendering import MemoryBudget

_PR_SET_PDEATHSIG = 1


class ParentBudget(MemoryBudget):
    """A reservation is the parent's to grant: it waits for the memory, refuses what can never
    fit, or defers a photo the invocation has no time left for."""

    def __init__(self, requests: IO[bytes], answers: IO[bytes]) -> None:
        super().__init__(0)
        self._requests = requests
        self._answers = answers

    @contextmanager
    def reserve(self, size: int) -> Iterator[None]:
        write_frame(self._answers, ("reserve", size))
        reply = read_frame(self._requests)
        if reply is None:
            raise SystemExit(0)  # the parent is gone
        if reply[0] == "refused":
            raise PermanentImageError(ErrorCode(reply[1]), reply[2])
        if reply[0] == "defer":
            raise TransientError(reply[1])
        yield  # the parent releases it when this photo's answer arrives


def die_with_parent() -> None:
    """The kernel ends this process when the worker's does: an emulator kills only the worker."""
    with suppress(OSError, AttributeError):  # not Linux: the closed stdin ends the loop instead
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def main() -> None:
    die_with_parent()
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not land between the frames
    settings = get_settings()
    limits = rendering.limits_of(settings)
    budget = ParentBudget(requests, answers)
    while (frame := read_frame(requests)) is not None:
        _, source, content_type, request = frame
        try:
            data = Path(source).read_bytes()
            rendered = pipeline.render(data, content_type, request, wiring.provider(), budget, limits)
            answer: tuple[object, ...] = ("done", rendered)
        except PermanentImageError as exc:
            answer = ("permanent", exc.code.value, exc.message)
        except DeploymentFault as exc:
            answer = ("deployment", str(exc))
        except TransientError as exc:
            answer = ("transient", str(exc), exc.retry_after_seconds)
        except Exception as exc:  # reported to the parent, which retries the photo
            answer = ("error", f"{type(exc).__name__}: {exc}")
        write_frame(answers, answer)


if __name__ == "__main__":
    main()
