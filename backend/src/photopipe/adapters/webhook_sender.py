"""The webhook sender: one POST per event and device, to a checked address, within a deadline."""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable

from photopipe.errors import TransientError
from photopipe.jobs.events import JobEvent
from photopipe.notify import signing
from photopipe.notify.model import Device, DeviceGone, SendResult
from photopipe.notify.targets import Resolver, Target, TargetPolicy, TargetRefused, TargetUnresolvable, resolve

# What a receiver may answer with that we read: its status line and headers matter, the body
# does not. Bounded, so an endless body cannot hold the notifier.
_MAX_RESPONSE_BYTES = 64 * 1024


def system_resolver(host: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


class WebhookSender:
    """POSTs signed events to a checked address, within one deadline for the whole exchange.

    Written on http.client rather than urllib3 or urllib: their timeouts are per socket
    operation, so a server that sends a header byte every few seconds held one send for 32 s,
    and neither connects to an address resolved and checked beforehand while still verifying
    the certificate for the host name. Here the host is resolved and checked (targets.resolve),
    the socket goes to that address, TLS verifies the name, and a timer shuts the socket down
    when the total deadline passes, whatever the server is doing.
    """

    def __init__(
        self,
        timeout_seconds: float,
        policy: TargetPolicy,
        resolver: Resolver = system_resolver,
        connect: Callable[[tuple[str, int], float], socket.socket] = socket.create_connection,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._timeout = timeout_seconds
        self._policy = policy
        self._resolver = resolver
        self._connect = connect  # tests prove a refusal happens before any connection
        self._tls = tls or ssl.create_default_context()  # tests trust a certificate of their own

    def send(self, device: Device, event: JobEvent) -> SendResult:
        try:
            target = resolve(device.address, self._policy, self._resolver)
        except TargetUnresolvable as exc:
            raise TransientError(str(exc)) from exc
        except TargetRefused as exc:
            raise DeviceGone(f"webhook target refused: {exc}") from exc
        body = signing.payload(event)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "photopipe-webhook/1",
            **signing.signed_headers(
                device.signing_secret or "", signing.message_id(event, device.device_id), int(time.time()), body
            ),
        }
        status = self._post(target, body, headers)
        if status == 410:
            raise DeviceGone(f"webhook answered 410 Gone at {target.scheme}://{target.host}")
        if not 200 <= status < 300:
            # A redirect is answered as the error it is, never followed.
            raise TransientError(f"webhook answered HTTP {status}")
        return SendResult(simulated=False, detail=f"HTTP {status}")

    def _post(self, target: Target, body: bytes, headers: dict[str, str]) -> int:
        deadline = time.monotonic() + self._timeout
        live: list[socket.socket] = []
        timer = threading.Timer(self._timeout, _shut_down, [live])
        timer.daemon = True
        timer.start()
        connection: http.client.HTTPConnection | None = None
        try:
            raw = self._connect((target.address, target.port), self._timeout)
            live.append(raw)
            https = target.scheme == "https"
            if https:
                raw = self._tls.wrap_socket(raw, server_hostname=target.host)  # verifies the name
                live[:] = [raw]
            kind = http.client.HTTPSConnection if https else http.client.HTTPConnection
            connection = kind(target.host, target.port, timeout=self._timeout)
            connection.sock = raw  # connected to the checked address: no second resolution
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read(_MAX_RESPONSE_BYTES)
            if time.monotonic() >= deadline:
                # The timer shut the socket down mid-answer: what was parsed is not an answer.
                raise TimeoutError("cut off at the deadline")
            return response.status
        except (OSError, http.client.HTTPException) as exc:
            if time.monotonic() >= deadline:
                raise TransientError(f"webhook did not answer within {self._timeout:g} s") from exc
            raise TransientError(f"webhook unreachable: {type(exc).__name__}: {exc}") from exc
        finally:
            timer.cancel()
            if connection is not None:
                connection.close()
            for sock in live:
                sock.close()


def _shut_down(live: list[socket.socket]) -> None:
    for sock in live:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
