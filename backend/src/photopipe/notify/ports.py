"""What notification needs from the outside world."""

from __future__ import annotations

from typing import Protocol

from photopipe.jobs.events import JobEvent
from photopipe.notify.model import Claim, Delivery, Device, SendResult


class DeviceRepository(Protocol):
    def register(self, device: Device, max_devices: int) -> Device:
        """Stores the device, or returns the one already registered under its id (enabled
        again if a failure had disabled it). A new device
        and the user's count of devices are written together, the count held under
        `max_devices` in the same atomic write: DeviceLimitReached past it, however many
        registrations race."""
        ...

    def list_for_user(self, user_id: str) -> list[Device]: ...

    def delete(self, user_id: str, device_id: str) -> bool: ...

    def disable(self, user_id: str, device_id: str, reason: str) -> None:
        """No more sends to the device; registering it again enables it."""
        ...


class DeliveryLedger(Protocol):
    def claim(self, job_id: str, device: Device, now: str, lease_seconds: int) -> Claim:
        """GRANTED when this caller may send now; DONE when it never may; BUSY for later."""
        ...

    def complete(self, delivery: Delivery) -> None: ...

    def release(self, job_id: str, device_id: str, detail: str) -> None: ...

    def list_for_job(self, job_id: str) -> list[Delivery]: ...

    def delete_for_job(self, job_id: str) -> None: ...


class Sender(Protocol):
    def send(self, device: Device, event: JobEvent) -> SendResult: ...
