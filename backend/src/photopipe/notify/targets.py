"""Which webhook URLs photopipe may POST to: publicly routable hosts only.

A webhook URL is a request the notifier makes on a user's behalf from inside the deployment,
so an address that is not globally routable (the metadata service at 169.254.169.254, a VPC's
10.x, a container's fd00::/8) is refused, however it is spelled. The host is resolved at
registration and again at every send, every address it resolves to must be public, and the
sender connects to an address checked here, never to a second resolution (DNS rebinding).
Locally, loopback stays allowed (the demo's receiver), nothing else that is not public, and no
host name but localhost is resolved, so nothing local ever sends a DNS query off the machine.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> the addresses it resolves to (as getaddrinfo gives them); raises OSError.
Resolver = Callable[[str, int], Sequence[str]]

# The last label decides whether a host is an IPv4 address in a browser's or libc's eyes
# (WHATWG URL "ends in a number"): 2130706433, 0x7f000001, 0177.0.0.1 and 127.1 all are.
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Special-purpose ranges the standard library still counts as global (IETF protocol
# assignments, RFC 7600's dummy address, ...): no webhook receiver lives there.
_ALSO_REFUSED = (ipaddress.IPv4Network("192.0.0.0/24"),)


class TargetRefused(Exception):
    """The URL may not be a webhook target; the message says why, for the API's 400."""


class TargetUnresolvable(TargetRefused):
    """The host does not resolve now: refused at registration, retried at send time."""


@dataclass(frozen=True)
class TargetPolicy:
    allow_loopback: bool  # the local environment's receivers
    https_only: bool = True  # plain http only to loopback, where allowed
    allowed_ports: frozenset[int] | None = None  # None: any; on AWS {443}
    # Locally no name but localhost is resolved: a test, a fuzzer or a user typing a public
    # host name must never make the stack send a DNS query, let alone a POST, off the machine.
    resolve_names: bool = True


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written, for the Host header and TLS (SNI and certificate check)
    port: int
    path: str  # path and query
    address: str  # the checked address to connect to


def is_public(address: Address) -> bool:
    """Globally routable unicast, looking through the IPv6 forms that embed an IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(address.packed[-4:])
        if embedded is not None:
            return is_public(embedded)
        if address.teredo is not None or address.packed[:12] == bytes(12):
            return False  # Teredo tunnels and IPv4-compatible ::a.b.c.d (deprecated) reach anywhere
    if any(address in network for network in _ALSO_REFUSED):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
        # fec0::/10, deprecated site-local (RFC 3879): the standard library still calls it global
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
    )


def literal_address(host: str) -> Address | None:
    """The address a host names literally; TargetRefused for numeric spellings that are not
    canonical (decimal, hex, octal, shortened IPv4), which resolvers read differently."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_LABEL.match(host.rstrip(".").rsplit(".", 1)[-1]):
        raise TargetRefused("url must name its host, or an IP address in canonical dotted form.")
    return None


# Characters a path or query keeps as they are; everything else is percent-encoded (RFC 3986),
# and an existing %XX escape is kept, so encoding twice changes nothing.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


def canonical(url: str, policy: TargetPolicy) -> str:
    """The URL as it is stored and sent: host in IDNA (ASCII), path and query percent-encoded,
    the scheme's default port left out. A path with a space or an accent was accepted as written
    and then could never be sent (http.client refuses non-ASCII request lines)."""
    scheme, host, port, path = parse(url, policy)
    netloc = f"[{host}]" if ":" in host else host
    if port != (443 if scheme == "https" else 80):
        netloc += f":{port}"
    return f"{scheme}://{netloc}{path}"


def _ascii_host(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii").lower() if not host.isascii() else host
    except UnicodeError as exc:
        raise TargetRefused("url's host is not a valid internationalised domain name.") from exc


def parse(url: str, policy: TargetPolicy) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an acceptable URL, before any resolution, in canonical form."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused("url is not a valid URL.") from exc
    host = _ascii_host((parts.hostname or "").lower())
    if parts.scheme not in ("https", "http") or not host:
        raise TargetRefused("url must be an absolute https URL.")
    if parts.username or parts.password:
        raise TargetRefused("url must not carry credentials.")
    port = port or (443 if parts.scheme == "https" else 80)
    if policy.allowed_ports is not None and port not in policy.allowed_ports:
        raise TargetRefused(f"url must use port {', '.join(map(str, sorted(policy.allowed_ports)))}.")
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_QUERY_SAFE)
    return parts.scheme, host, port, path


def resolve(url: str, policy: TargetPolicy, resolver: Resolver) -> Target:
    """Checks the URL and every address its host resolves to; the Target to connect to."""
    scheme, host, port, path = parse(url, policy)
    literal = literal_address(host)
    if literal is not None:
        addresses: list[Address] = [literal]
    elif host == "localhost" or host.endswith(".localhost"):
        addresses = [ipaddress.IPv4Address("127.0.0.1")]  # RFC 6761: never sent to DNS
    elif not policy.resolve_names:
        raise TargetRefused("Locally, webhook URLs must name a loopback address (127.0.0.1, [::1] or localhost).")
    else:
        try:
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolver(host, port)]
        except (OSError, UnicodeError, ValueError) as exc:
            raise TargetUnresolvable(f"url's host {host!r} does not resolve.") from exc
        if not addresses:
            raise TargetUnresolvable(f"url's host {host!r} does not resolve.")
    loopback = all(a.is_loopback for a in addresses)
    if loopback and policy.allow_loopback:
        pass
    elif not all(is_public(a) for a in addresses):
        raise TargetRefused("url must point at a publicly routable address.")
    if scheme == "http" and policy.https_only and not (loopback and policy.allow_loopback):
        raise TargetRefused("url must use https (http only on loopback, locally).")
    return Target(scheme, host, port, path, str(addresses[0]))
