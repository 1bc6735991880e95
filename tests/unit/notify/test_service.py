from __future__ import annotations

import base64
import json
import socket
import threading
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from photopipe.errors import ErrorCode, PhotopipeError, TransientError
from photopipe.jobs.events import JobEvent
from photopipe.jobs.model import EventType, JobStatus
from photopipe.notify import signing
from photopipe.notify.devices import DeviceService
from photopipe.notify.model import DeliveryStatus, Device, DeviceGone, Platform, SendResult
from photopipe.notify.service import NotificationService
from photopipe.notify.targets import TargetPolicy
from tests.support.fakes import InMemoryDevices, InMemoryLedger, RecordingSender

LOCAL = TargetPolicy(allow_loopback=True)
PUBLIC_HOSTS = {"hooks.example.com": ["93.184.215.14"], "example.com": ["93.184.215.14"]}


def resolver(host: str, port: int) -> list[str]:
    if host not in PUBLIC_HOSTS:
        raise socket.gaierror(f"unknown host {host}")
    return PUBLIC_HOSTS[host]


EVENT = JobEvent(EventType.JOB_COMPLETED, "job-1", "alice", JobStatus.COMPLETED, "2026-01-01T00:00:00.000Z")


def world(
    webhook: RecordingSender | None = None,
) -> tuple[NotificationService, DeviceService, InMemoryLedger, RecordingSender, RecordingSender]:
    devices, ledger = InMemoryDevices(), InMemoryLedger()
    hook, push = webhook or RecordingSender(), RecordingSender(simulated=True)
    service = NotificationService(devices, ledger, {Platform.WEBHOOK: hook, Platform.IOS: push, Platform.ANDROID: push})
    return service, DeviceService(devices, LOCAL, resolver), ledger, hook, push


def test_every_device_hears_once_even_when_the_event_comes_twice() -> None:
    service, devices, ledger, hook, push = world()
    devices.register("alice", Platform.WEBHOOK, "http://127.0.0.1:9/hook")
    devices.register("alice", Platform.IOS, "apns-token-123456")
    devices.register("bob", Platform.IOS, "apns-token-bob-1")
    assert service.notify(EVENT) == 2
    assert service.notify(EVENT) == 0
    assert len(hook.sent) == 1 and len(push.sent) == 1
    deliveries = ledger.list_for_job("job-1")
    assert {d.platform: d.simulated for d in deliveries} == {"webhook": False, "ios": True}


def test_a_transient_failure_is_retried_only_for_that_device() -> None:
    service, devices, _, hook, push = world(RecordingSender(errors=[TransientError("HTTP 500")]))
    devices.register("alice", Platform.WEBHOOK, "http://127.0.0.1:9/hook")
    devices.register("alice", Platform.ANDROID, "fcm-token-123456")
    with pytest.raises(TransientError, match="HTTP 500"):
        service.notify(EVENT)
    assert service.notify(EVENT) == 1
    assert len(hook.sent) == 1 and len(push.sent) == 1


def test_a_gone_device_is_unregistered() -> None:
    service, devices, ledger, _, _ = world(RecordingSender(errors=[DeviceGone("410")]))
    devices.register("alice", Platform.WEBHOOK, "http://127.0.0.1:9/hook")
    service.notify(EVENT)
    assert devices.list("alice") == []
    assert [d.status for d in ledger.list_for_job("job-1")] == [DeliveryStatus.FAILED]


def test_registration_is_idempotent_per_token() -> None:
    _, devices, _, _, _ = world()
    first = devices.register("alice", Platform.IOS, "apns-token-123456")
    again = devices.register("alice", Platform.IOS, "apns-token-123456")
    assert first.device_id == again.device_id and len(devices.list("alice")) == 1


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "http://example.com/hook", "https://user:pw@example.com/", "not a url"],
)
def test_unsafe_webhook_urls_are_refused(url: str) -> None:
    _, devices, _, _, _ = world()
    with pytest.raises(PhotopipeError) as refused:
        devices.register("alice", Platform.WEBHOOK, url)
    assert refused.value.code is ErrorCode.INVALID_REQUEST


def test_https_webhooks_are_accepted_everywhere() -> None:
    devices = DeviceService(
        InMemoryDevices(), TargetPolicy(allow_loopback=False, allowed_ports=frozenset({443})), resolver
    )
    assert devices.register("alice", Platform.WEBHOOK, "https://hooks.example.com/p").signing_secret


def test_a_user_may_register_only_so_many_devices_but_may_register_one_again() -> None:
    devices = DeviceService(InMemoryDevices(), LOCAL, resolver, max_devices_per_user=3)
    for n in range(3):
        devices.register("alice", Platform.IOS, f"apns-token-{n:06d}")
    devices.register("alice", Platform.IOS, "apns-token-000001")  # the same device: idempotent
    with pytest.raises(PhotopipeError) as refused:
        devices.register("alice", Platform.IOS, "apns-token-999999")
    assert refused.value.code is ErrorCode.DEVICE_LIMIT_REACHED and refused.value.http_status == 409
    devices.register("bob", Platform.IOS, "apns-token-999999")  # the cap is per user


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_devices_whose_send_could_not_end_in_time_are_handed_back_not_started() -> None:
    clock = Clock()
    devices, ledger, hook = InMemoryDevices(), InMemoryLedger(), RecordingSender()
    service = NotificationService(devices, ledger, {Platform.WEBHOOK: hook}, send_seconds=5, monotonic=clock)
    registry = DeviceService(devices, LOCAL, resolver)
    for n in range(4):
        registry.register("alice", Platform.WEBHOOK, f"http://127.0.0.1:9/hook-{n}")
    with pytest.raises(TransientError, match="no time left") as later:
        service.notify(EVENT, deadline=4)  # less than one send's deadline left
    assert hook.sent == [] and later.value.retry_after_seconds == 0
    # The devices not started were never claimed: the retry sends them.
    assert service.notify(EVENT, deadline=100) == 4


def test_a_users_devices_are_sent_to_at_once_so_slow_ones_cost_one_deadline() -> None:
    # Four dead-end endpoints of one user used to take four timeouts in a row, holding the
    # notifier's batch (and every other user's event in it) that long.
    everyone = threading.Barrier(4, timeout=5)

    class AllAtOnce(RecordingSender):
        def send(self, device: Device, event: JobEvent) -> SendResult:
            everyone.wait()  # breaks (and fails the test) unless all four sends run together
            return super().send(device, event)

    devices, ledger, hook = InMemoryDevices(), InMemoryLedger(), AllAtOnce()
    service = NotificationService(devices, ledger, {Platform.WEBHOOK: hook})
    registry = DeviceService(devices, LOCAL, resolver)
    for n in range(4):
        registry.register("alice", Platform.WEBHOOK, f"http://127.0.0.1:9/hook-{n}")
    assert service.notify(EVENT) == 4


def test_a_delivery_verifies_with_the_reference_standard_webhooks_library() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    body = signing.payload(EVENT)
    headers = signing.signed_headers(secret, signing.message_id(EVENT, "dev-1"), int(time.time()), body)
    assert Webhook(secret).verify(body, headers) == {
        "type": "job.completed",
        "timestamp": EVENT.occurred_at,
        "data": EVENT.to_message(),
    }
    assert headers["webhook-signature"].startswith("v1,")
    for forged in (body + b" ", body.replace(b"job-1", b"job-2")):
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(forged, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)
    stale = signing.signed_headers(secret, "msg_x", int(time.time()) - 301, body)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(body, stale)


def test_the_message_id_is_one_per_event_and_device_and_the_same_on_every_retry() -> None:
    failed = JobEvent(EventType.JOB_FAILED, "job-1", "alice", JobStatus.FAILED, "2026-01-01T00:00:00.000Z", "X")
    ids = {signing.message_id(e, d) for e in (EVENT, failed) for d in ("dev-1", "dev-2")}
    assert len(ids) == 4
    assert signing.message_id(EVENT, "dev-1") == signing.message_id(EVENT, "dev-1")
    assert json.loads(signing.payload(failed))["type"] == "job.failed"


def test_a_delivery_held_by_another_attempt_is_retried_not_dropped() -> None:
    service, devices, ledger, hook, _ = world()
    device = devices.register("alice", Platform.WEBHOOK, "http://127.0.0.1:9/hook")
    ledger.claim(EVENT.job_id, device, "2026-01-01T00:00:00.000Z", 60)  # an attempt that died mid-send
    with pytest.raises(TransientError, match="lease") as busy:
        service.notify(EVENT)
    assert busy.value.retry_after_seconds > 0  # come back once the lease has run out
    assert hook.sent == []
    ledger.release(EVENT.job_id, device.device_id, "lease ran out")
    assert service.notify(EVENT) == 1


def test_a_send_that_fails_for_a_reason_no_retry_fixes_ends_failed_not_sending() -> None:
    # What an accented URL stored before URLs were made canonical did: http.client refused it.
    broken = UnicodeEncodeError("ascii", "café", 3, 4, "ordinal not in range(128)")
    service, devices, ledger, _, _ = world(RecordingSender(errors=[broken]))
    devices.register("alice", Platform.WEBHOOK, "http://127.0.0.1:9/hook")
    devices.register("alice", Platform.IOS, "apns-token-123456")

    assert service.notify(EVENT) == 1  # the push went out; nothing is raised, so nothing is retried

    statuses = {d.platform: (d.status, d.detail) for d in ledger.list_for_job("job-1")}
    assert statuses["webhook"][0] is DeliveryStatus.FAILED and "UnicodeEncodeError" in str(statuses["webhook"][1])
    assert statuses["ios"][0] is DeliveryStatus.DELIVERED


def test_a_device_whose_send_failed_for_good_is_disabled_until_registered_again() -> None:
    broken = UnicodeEncodeError("ascii", "café", 3, 4, "ordinal not in range(128)")
    hook = RecordingSender(errors=[broken])
    service, devices, _, _, _ = world(hook)
    webhook = devices.register("alice", Platform.WEBHOOK, "http://127.0.0.1:9/hook")
    service.notify(EVENT)
    (listed,) = devices.list("alice")
    assert not listed.active and listed.disabled_reason and "UnicodeEncodeError" in listed.disabled_reason
    later = JobEvent(EventType.JOB_COMPLETED, "job-2", "alice", JobStatus.COMPLETED, "2026-01-01T00:01:00.000Z")
    assert service.notify(later) == 0 and len(hook.sent) == 0  # no more sends to it
    assert devices.register("alice", Platform.WEBHOOK, "http://127.0.0.1:9/hook").active  # enabled again
    assert service.notify(later) == 1 and webhook.device_id in {d.device_id for d, _ in hook.sent}


def test_a_webhook_is_registered_in_canonical_form() -> None:
    _, devices, _, _, _ = world()

    device = devices.register("alice", Platform.WEBHOOK, "http://127.0.0.1:8780/hooks/café photo")

    assert device.address == "http://127.0.0.1:8780/hooks/caf%C3%A9%20photo"
