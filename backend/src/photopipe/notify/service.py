"""Fan a job or edit event out to each of the user's devices, at most once per (job or edit, device)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from photopipe.clock import iso, utc_now
from photopipe.errors import TransientError
from photopipe.jobs.events import JobEvent
from photopipe.notify.model import Claim, Delivery, DeliveryStatus, Device, DeviceGone, Platform
from photopipe.notify.ports import DeliveryLedger, DeviceRepository, Sender

logger = logging.getLogger(__name__)
# A user has at most MAX_DEVICES_PER_USER (20) devices; each send is mostly waiting.
_MAX_PARALLEL_SENDS = 20


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
        """Sends to every device not yet served, all at once; returns how many were sent now.

        The user's devices are sent to in parallel, so an event takes one send's deadline
        however many of its devices are slow, and the batch it is in is held no longer.
        deadline (time.monotonic()) is when the last send must have ended: a device whose send
        could not finish by then is not started but handed back.

        Raises TransientError when any device should be tried again: the message comes back
        and the ledger skips the devices already served.
        """
        devices = [device for device in self._devices.list_for_user(event.user_id) if device.active]
        if not devices:
            return 0
        with ThreadPoolExecutor(max_workers=min(len(devices), _MAX_PARALLEL_SENDS)) as pool:
            outcomes = list(pool.map(lambda device: self._deliver(event, device, deadline), devices))
        retry = [outcome.reason for outcome in outcomes if outcome.reason]
        if retry:
            retry_after = max(outcome.retry_after for outcome in outcomes)
            raise TransientError("delivery will be retried for " + "; ".join(retry), retry_after)
        return sum(outcome.sent for outcome in outcomes)

    def _deliver(self, event: JobEvent, device: Device, deadline: float | None) -> _Outcome:
        if deadline is not None and self._monotonic() + self._send_seconds > deadline:
            return _Outcome(reason=f"{device.device_id}: no time left in this attempt")
        now = iso(self._clock())
        claim = self._ledger.claim(event.subject_id, device, now, self._lease_seconds)
        if claim is Claim.DONE:
            return _Outcome()
        if claim is Claim.BUSY:
            # Another attempt holds the lease (or died holding it): come back after it.
            reason = f"{device.device_id}: another attempt holds the delivery lease"
            return _Outcome(reason=reason, retry_after=self._lease_seconds)  # by then it has run out
        try:
            result = self._senders[device.platform].send(device, event)
        except DeviceGone as exc:
            self._devices.delete(device.user_id, device.device_id)
            self._complete(event, device, now, DeliveryStatus.FAILED, detail=f"unregistered: {exc}")
            return _Outcome()
        except TransientError as exc:
            self._ledger.release(event.subject_id, device.device_id, str(exc))
            return _Outcome(reason=f"{device.device_id}: {exc}")
        except Exception as exc:
            # Neither a retry nor the device's absence explains it (a bug, a target no request can
            # be made to): this delivery ends FAILED with the reason, so nothing stays SENDING and
            # the event's other devices are not held back by a retry that cannot succeed; the
            # device is disabled, with the reason, until its owner registers it again.
            logger.warning("a delivery failed for good", extra={"deviceId": device.device_id}, exc_info=True)
            reason = f"failed: {type(exc).__name__}: {exc}"[:300]
            self._complete(event, device, now, DeliveryStatus.FAILED, detail=reason)
            self._devices.disable(device.user_id, device.device_id, f"{now} {reason}")
            return _Outcome()
        self._complete(event, device, now, DeliveryStatus.DELIVERED, result.simulated, result.detail)
        return _Outcome(sent=1)

    def _complete(
        self,
        event: JobEvent,
        device: Device,
        now: str,
        status: DeliveryStatus,
        simulated: bool = False,
        detail: str | None = None,
    ) -> None:
        self._ledger.complete(
            Delivery(event.subject_id, device.device_id, device.platform.value, status, simulated, now, detail)
        )


@dataclass(frozen=True)
class _Outcome:
    """What one device's delivery came to: sent now, or a reason to retry it (and not before)."""

    sent: int = 0
    reason: str = ""
    retry_after: int = 0
