"""The webhook sender against misbehaving receivers on loopback: a total deadline per send,
no redirects followed, a bounded read. Loopback only; no stack needed."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from photopipe.adapters.senders import WebhookSender
from photopipe.errors import TransientError
from photopipe.jobs.events import JobEvent
from photopipe.jobs.model import EventType, JobStatus
from photopipe.notify.model import Device, Platform
from photopipe.notify.targets import TargetPolicy

EVENT = JobEvent(EventType.JOB_COMPLETED, "job-1", "alice", JobStatus.COMPLETED, "2026-01-01T00:00:00.000Z")
LOCAL = TargetPolicy(allow_loopback=True)


@contextmanager
def receiver(answer: Callable[[socket.socket], None]) -> Iterator[tuple[int, list[str]]]:
    """A one-connection server on 127.0.0.1 that reads the request, then runs `answer`."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[str] = []

    def serve() -> None:
        listener.settimeout(10)
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            connection.settimeout(10)
            seen.append(connection.recv(65536).decode(errors="replace"))
            try:
                answer(connection)
                seen.append("answer finished")
            except OSError as exc:
                seen.append(f"cut off: {type(exc).__name__}")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], seen
    finally:
        listener.close()
        thread.join(15)


def device(port: int) -> Device:
    return Device("alice", "dev_1", Platform.WEBHOOK, f"http://127.0.0.1:{port}/hook", "t", "secret")


def test_a_slow_loris_receiver_is_cut_off_at_the_total_deadline() -> None:
    def one_header_byte_at_a_time(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\n")
        for _ in range(40):  # 40 x 0.25 s: each byte well inside any per-read timeout
            connection.sendall(b"X")
            time.sleep(0.25)

    with (
        receiver(one_header_byte_at_a_time) as (port, seen),
        pytest.raises(TransientError, match="did not answer within 1 s"),
    ):
        WebhookSender(1.0, LOCAL).send(device(port), EVENT)
    assert seen[0].startswith("POST /hook HTTP/1.1")
    assert seen[-1].startswith("cut off"), seen[-1]


def test_a_redirect_is_not_followed() -> None:
    with receiver(lambda c: c.sendall(b"unused")) as (elsewhere, elsewhere_seen):
        redirect = f"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{elsewhere}/\r\n"
        with (
            receiver(lambda c: c.sendall(f"{redirect}Content-Length: 0\r\n\r\n".encode())) as (port, _),
            pytest.raises(TransientError, match="HTTP 307"),
        ):
            WebhookSender(2.0, LOCAL).send(device(port), EVENT)
        socket.create_connection(("127.0.0.1", elsewhere), 2).close()  # let the idle one finish
    assert not elsewhere_seen or not elsewhere_seen[0].startswith("POST")


def test_an_endless_response_body_is_read_only_so_far() -> None:
    def endless(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n")
        for _ in range(2000):
            connection.sendall(b"x" * 65536)

    with receiver(endless) as (port, seen):
        result = WebhookSender(5.0, LOCAL).send(device(port), EVENT)
    assert result.detail == "HTTP 200"
    assert seen[-1].startswith("cut off")
