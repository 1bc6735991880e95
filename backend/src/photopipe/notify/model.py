"""Devices and deliveries. Pure data."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum


class Platform(StrEnum):
    IOS = "ios"
    ANDROID = "android"
    WEBHOOK = "webhook"


class Claim(StrEnum):
    """What the ledger says when a sender asks to deliver to a device."""

    GRANTED = "GRANTED"  # nothing recorded yet, or a lease that ran out: send now
    DONE = "DONE"  # delivered, or failed for good: never again
    BUSY = "BUSY"  # another attempt holds a live lease: try again later


class DeliveryStatus(StrEnum):
    SENDING = "SENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class Device:
    user_id: str
    device_id: str
    platform: Platform
    address: str  # push token, or the webhook URL
    created_at: str
    signing_secret: str | None = None  # webhooks only: HMAC key for the signature header
    # Set when a send failed in a way no retry fixes: the device gets no more sends until it is
    # registered again.
    disabled_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.disabled_reason is None


@dataclass(frozen=True)
class Delivery:
    job_id: str
    device_id: str
    platform: str
    status: DeliveryStatus
    simulated: bool
    attempted_at: str
    detail: str | None = None


def device_id_for(user_id: str, platform: Platform, address: str) -> str:
    """Stable per (user, platform, token): registering the same token twice is one device."""
    digest = hashlib.sha256(f"{user_id}\n{platform.value}\n{address}".encode()).hexdigest()
    return f"dev_{digest[:24]}"


def is_device_id(device_id: str) -> bool:
    """Of the form device_id_for makes."""
    return len(device_id) == 28 and device_id.startswith("dev_") and all(c in "0123456789abcdef" for c in device_id[4:])


@dataclass(frozen=True)
class SendResult:
    simulated: bool
    detail: str | None = None


class DeviceGone(Exception):
    """The device's endpoint is gone for good (disabled endpoint, webhook 410): unregister it."""


class DeviceLimitReached(Exception):
    """The user already has as many devices as the cap allows (counted atomically)."""
