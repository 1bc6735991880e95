"""Webhook targets must be public: every spelling of a non-public address is refused, at
registration and at send time, before any connection is attempted (a fake resolver stands for
DNS; the network is blocked in unit tests anyway)."""

from __future__ import annotations

import socket

import pytest

from photopipe.adapters.webhook_sender import WebhookSender
from photopipe.jobs.events import JobEvent
from photopipe.jobs.model import EventType, JobStatus
from photopipe.notify.model import Device, DeviceGone, Platform
from photopipe.notify.targets import TargetPolicy, TargetRefused, TargetUnresolvable, canonical, resolve

AWS = TargetPolicy(allow_loopback=False, allowed_ports=frozenset({443}))
LOCAL = TargetPolicy(allow_loopback=True)
DNS = {
    "hooks.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "rebind.example.com": ["93.184.215.14", "10.0.0.5"],  # one public answer, one private
    "metadata.example.com": ["169.254.169.254"],
    "v6private.example.com": ["fd00::1"],
    "home.example.com": ["127.0.0.1"],
}
EVENT = JobEvent(EventType.JOB_COMPLETED, "job-1", "alice", JobStatus.COMPLETED, "2026-01-01T00:00:00.000Z")


def fake_dns(host: str, port: int) -> list[str]:
    if host not in DNS:
        raise socket.gaierror(f"{host} does not resolve")
    return DNS[host]


NOT_PUBLIC = [
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.5/",
    "https://172.16.0.1/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",  # CGNAT
    "https://0.0.0.0/",
    "https://0/",
    "https://224.0.0.1/",  # multicast
    "https://240.0.0.1/",  # reserved
    "https://255.255.255.255/",
    "https://192.0.0.8/",
    "https://198.18.0.1/",  # benchmarking
    "https://[fd00::1]/",
    "https://[fe80::1]/",
    "https://[fec0::1]/",  # deprecated site-local, which the standard library calls global
    "https://[::1]/",
    "https://[::]/",
    "https://[::ffff:10.0.0.1]/",  # IPv4-mapped
    "https://[::ffff:169.254.169.254]/",
    "https://[::10.0.0.1]/",  # IPv4-compatible
    "https://[2002:a00:1::]/",  # 6to4 of 10.0.0.1
    "https://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
    "https://2130706433/",  # decimal 127.0.0.1
    "https://0x7f000001/",  # hex
    "https://0177.0.0.1/",  # octal
    "https://127.1/",  # shortened
    "https://3232235777/",  # decimal 192.168.1.1
    "https://169.254.169.254.nip.io.0x1/",  # ends in a number
    "https://metadata.example.com/",
    "https://v6private.example.com/",
    "https://rebind.example.com/",
    "https://home.example.com/",  # loopback by DNS, on AWS
    "https://localhost/",
    "https://127.0.0.1/",
]


@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_non_public_targets_are_refused_on_aws(url: str) -> None:
    with pytest.raises(TargetRefused):
        resolve(url, AWS, fake_dns)


@pytest.mark.parametrize("url", [u for u in NOT_PUBLIC if "127.0.0.1" not in u and "localhost" not in u])
def test_locally_only_loopback_is_let_through(url: str) -> None:
    if url in ("https://2130706433/", "https://0x7f000001/", "https://0177.0.0.1/", "https://127.1/"):
        pass  # loopback, but spelled so resolvers disagree: still refused
    elif url in ("https://[::1]/", "https://home.example.com/"):
        assert resolve(url, LOCAL, fake_dns).address in ("::1", "127.0.0.1")
        return
    with pytest.raises(TargetRefused):
        resolve(url, LOCAL, fake_dns)


@pytest.mark.parametrize(
    ("url", "policy"),
    [
        ("https://hooks.example.com:8443/x", AWS),  # on AWS only 443
        ("http://hooks.example.com/x", LOCAL),  # plain http only to loopback
        ("http://hooks.example.com/x", AWS),
        ("http://127.0.0.1:9/x", AWS),
        ("ftp://hooks.example.com/x", LOCAL),
        ("https://user:pw@hooks.example.com/", LOCAL),
        ("https://hooks.example.com:99999/", LOCAL),
        ("https:///nohost", LOCAL),
    ],
)
def test_scheme_port_and_credentials_rules(url: str, policy: TargetPolicy) -> None:
    with pytest.raises(TargetRefused):
        resolve(url, policy, fake_dns)


def test_a_public_host_resolves_to_the_address_to_connect_to() -> None:
    target = resolve("https://Hooks.Example.com/in?x=1", AWS, fake_dns)
    assert (target.host, target.port, target.path, target.address) == (
        "hooks.example.com",
        443,
        "/in?x=1",
        "93.184.215.14",
    )
    assert resolve("http://localhost:8080/hook", LOCAL, fake_dns).address == "127.0.0.1"


def test_a_host_that_does_not_resolve_is_unresolvable_not_forbidden() -> None:
    with pytest.raises(TargetUnresolvable):
        resolve("https://nowhere.example.com/", AWS, fake_dns)


class ConnectionAttempted(AssertionError):
    pass


def no_connection(address: tuple[str, int], timeout: float) -> socket.socket:
    raise ConnectionAttempted(f"the sender tried to connect to {address}")


def webhook(url: str) -> Device:
    return Device("alice", "dev_1", Platform.WEBHOOK, url, "2026-01-01T00:00:00.000Z", "whsec")


@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_the_sender_refuses_before_connecting_and_unregisters_the_device(url: str) -> None:
    # A URL registered while its host was public can point elsewhere by the time a job ends.
    sender = WebhookSender(5, AWS, resolver=fake_dns, connect=no_connection)
    with pytest.raises(DeviceGone, match="refused"):
        sender.send(webhook(url), EVENT)


def test_the_sender_connects_to_the_checked_address_only() -> None:
    attempts: list[tuple[str, int]] = []

    def record(address: tuple[str, int], timeout: float) -> socket.socket:
        attempts.append(address)
        raise ConnectionRefusedError("nobody there")

    answers = iter([["93.184.215.14"], ["10.0.0.5"]])  # a rebinding DNS: public first, then private
    sender = WebhookSender(5, AWS, resolver=lambda host, port: next(answers), connect=record)
    with pytest.raises(Exception, match="unreachable"):
        sender.send(webhook("https://hooks.example.com/x"), EVENT)
    with pytest.raises(DeviceGone):
        sender.send(webhook("https://hooks.example.com/x"), EVENT)
    assert attempts == [("93.184.215.14", 443)]


def test_locally_no_host_name_but_localhost_is_resolved() -> None:
    def no_dns(host: str, port: int) -> list[str]:
        raise AssertionError(f"resolved {host} locally")

    local = TargetPolicy(allow_loopback=True, resolve_names=False)
    with pytest.raises(TargetRefused, match="loopback"):
        resolve("https://hooks.example.com/x", local, no_dns)
    assert resolve("http://localhost:9/x", local, no_dns).address == "127.0.0.1"


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("http://127.0.0.1:8780/hooks/café photo", "http://127.0.0.1:8780/hooks/caf%C3%A9%20photo"),
        ("http://127.0.0.1:8780/hooks/caf%C3%A9%20photo", "http://127.0.0.1:8780/hooks/caf%C3%A9%20photo"),
        ("https://Bücher.example/in?q=ä b", "https://xn--bcher-kva.example/in?q=%C3%A4%20b"),
        ("https://hooks.example.com:443/x", "https://hooks.example.com/x"),
        ("http://[::1]:9000", "http://[::1]:9000/"),
    ],
)
def test_a_url_is_put_in_the_canonical_form_it_is_stored_and_sent_in(written: str, stored: str) -> None:
    assert canonical(written, LOCAL) == stored
    assert canonical(stored, LOCAL) == stored  # encoding twice changes nothing


def test_an_accented_path_already_stored_is_sent_percent_encoded() -> None:
    target = resolve("http://127.0.0.1:8780/hooks/café photo", LOCAL, fake_dns)

    assert target.path == "/hooks/caf%C3%A9%20photo" and target.path.isascii()
