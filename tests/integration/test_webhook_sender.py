"""The webhook sender against misbehaving receivers on loopback: a total deadline per send,
no redirects followed, a bounded read. Loopback only; no stack needed."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from photopipe.adapters.webhook_sender import WebhookSender
from photopipe.errors import TransientError
from photopipe.jobs.events import JobEvent
from photopipe.jobs.model import EventType, JobStatus
from photopipe.notify.model import Device, Platform
from photopipe.notify.targets import TargetPolicy

EVENT = JobEvent(EventType.JOB_COMPLETED, "job-1", "alice", JobStatus.COMPLETED, "2026-01-01T00:00:00.000Z")
LOCAL = TargetPolicy(allow_loopback=True)


@contextmanager
def receiver(
    answer: Callable[[socket.socket], None], tls: ssl.SSLContext | None = None
) -> Iterator[tuple[int, list[str]]]:
    """A one-connection server on 127.0.0.1 (over TLS with `tls`) that reads the request, then
    runs `answer`."""
    listener = socket.create_server(("127.0.0.1", 0))
    if tls is not None:
        listener = tls.wrap_socket(listener, server_side=True)
    seen: list[str] = []

    def serve() -> None:
        listener.settimeout(10)
        try:
            connection, _ = listener.accept()
        except OSError:
            return  # nobody came, or the client refused our certificate mid-handshake
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


@pytest.mark.slow  # waits out a real send deadline
def test_a_slow_loris_receiver_is_cut_off_at_the_total_deadline() -> None:
    def one_header_byte_at_a_time(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\n")
        # The slowness is the thing under test: 40 x 0.25 s, each byte well inside any per-read
        # timeout, 10 s in all against the sender's 1 s deadline.
        for _ in range(40):
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


def certificate(tmp: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `name`, made here (nothing shipped, nothing fetched)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / f"{name}.pem", tmp / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.mark.parametrize(("served_name", "verifies"), [("localhost", True), ("elsewhere.example", False)])
def test_https_goes_to_the_checked_address_and_verifies_the_host_name(
    tmp_path: Path, served_name: str, verifies: bool
) -> None:
    cert_path, key_path = certificate(tmp_path, served_name)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert_path, key_path)
    no_content = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
    sender = WebhookSender(5.0, LOCAL, tls=ssl.create_default_context(cafile=str(cert_path)))
    with receiver(lambda connection: connection.sendall(no_content), tls=server_tls) as (port, seen):
        hook = Device("alice", "dev_1", Platform.WEBHOOK, f"https://localhost:{port}/hook", "t", "secret")
        if verifies:
            assert sender.send(hook, EVENT).detail == "HTTP 204"
        else:
            with pytest.raises(TransientError, match=r"CERTIFICATE_VERIFY_FAILED|certificate|hostname"):
                sender.send(hook, EVENT)
    if verifies:
        assert seen[0].startswith("POST /hook HTTP/1.1") and f"Host: localhost:{port}" in seen[0]
    else:
        assert seen == []
