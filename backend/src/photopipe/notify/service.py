"""Fan a job event out to each of the user's devices, at most once per (job, device)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime

from photopipe.errors import TransientError
from photopipe.jobs.events import JobEvent
from photopipe.jobs.service import iso, utc_now
from photopipe.notify.model import Claim, Delivery, DeliveryStatus, DeviceGone, Platform
from photopipe.notify.ports import DeliveryLedger, DeviceRepository, Sender

logger = logging.getLogger(__name__)


class NotificationService:
    def __init__(
        self,
        devices: DeviceRepository,
        ledger: DeliveryLedger,
        senders: Mapping[Platform, Sender],
        lease_seconds: int = 30,
        clock: Callable[[], datetime] = utc_now,
        send_seconds: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._devices = devices
        self._ledger = ledger
        self._senders = senders
        self._lease_seconds = lease_seconds
        self._clock = clock
        self._send_seconds = send_seconds  # the longest one send may take (its total deadline)
        self._monotonic = monotonic

    def notify(self, event: JobEvent, deadline: float | None = None) -> int:
        """Sends to every device not yet served; returns how many were sent now.

        deadline (time.monotonic()) is when the last send must have ended: a device whose send
        could not finish by then is not started but handed back, so a user's slow endpoints
        use up their own retries instead of timing out the whole batch.

        Raises TransientError when any device should be tried again: the message comes back
        and the ledger skips the devices already served.
        """
        sent = 0
        retry: list[str] = []
        retry_after = 0
        for device in self._devices.list_for_user(event.user_id):
            if deadline is not None and self._monotonic() + self._send_seconds > deadline:
                retry.append(f"{device.device_id}: no time left in this attempt")
                continue
            now = iso(self._clock())
            claim = self._ledger.claim(event.job_id, device, now, self._lease_seconds)
            if claim is Claim.DONE:
                continue
            if claim is Claim.BUSY:
                # Another attempt holds the lease (or died holding it): come back after it.
                retry.append(f"{device.device_id}: another attempt holds the delivery lease")
                retry_after = self._lease_seconds  # by then the lease has run out
                continue
            try:
                result = self._senders[device.platform].send(device, event)
            except DeviceGone as exc:
                self._devices.delete(device.user_id, device.device_id)
                self._ledger.complete(
                    Delivery(
                        event.job_id,
                        device.device_id,
                        device.platform.value,
                        DeliveryStatus.FAILED,
                        False,
                        now,
                        f"unregistered: {exc}",
                    )
                )
                continue
            except TransientError as exc:
                self._ledger.release(event.job_id, device.device_id, str(exc))
                retry.append(f"{device.device_id}: {exc}")
                continue
            self._ledger.complete(
                Delivery(
                    event.job_id,
                    device.device_id,
                    device.platform.value,
                    DeliveryStatus.DELIVERED,
                    result.simulated,
                    now,
                    result.detail,
                )
            )
            sent += 1
        if retry:
            raise TransientError("delivery will be retried for " + "; ".join(retry), retry_after)
        return sent
