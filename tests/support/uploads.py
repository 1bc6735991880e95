"""What a phone's network does to an upload, for the tests that upload in parts."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit


def dropped_midway(url: str, headers: dict[str, str], body: bytes) -> None:
    """A PUT whose connection is lost halfway through the body, as in a tunnel: the headers and
    half the bytes sent, then the socket closed."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    connection.putrequest("PUT", f"{parts.path}?{parts.query}", skip_accept_encoding=True)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(body[: len(body) // 2])
    connection.close()
