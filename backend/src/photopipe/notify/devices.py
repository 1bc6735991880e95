"""Registering and removing a user's devices."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from photopipe.errors import ErrorCode, PhotopipeError
from photopipe.jobs.service import iso, utc_now
from photopipe.notify.model import Device, Platform, device_id_for
from photopipe.notify.ports import DeviceRepository


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_webhook_url(url: str, allow_http_on_loopback: bool) -> None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or parts.scheme not in ("https", "http"):
        raise PhotopipeError(ErrorCode.INVALID_REQUEST, "url must be an absolute https URL.")
    if parts.scheme == "http" and not (allow_http_on_loopback and is_loopback_host(host)):
        raise PhotopipeError(ErrorCode.INVALID_REQUEST, "url must use https (http only on loopback, locally).")
    if parts.username or parts.password:
        raise PhotopipeError(ErrorCode.INVALID_REQUEST, "url must not carry credentials.")


class DeviceService:
    def __init__(
        self,
        devices: DeviceRepository,
        allow_http_on_loopback: bool,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._devices = devices
        self._allow_http = allow_http_on_loopback
        self._clock = clock

    def register(self, user_id: str, platform: Platform, address: str) -> Device:
        if platform is Platform.WEBHOOK:
            check_webhook_url(address, self._allow_http)
        device = Device(
            user_id=user_id,
            device_id=device_id_for(user_id, platform, address),
            platform=platform,
            address=address,
            created_at=iso(self._clock()),
            signing_secret=secrets.token_urlsafe(32) if platform is Platform.WEBHOOK else None,
        )
        return self._devices.register(device)

    def list(self, user_id: str) -> list[Device]:
        return self._devices.list_for_user(user_id)

    def unregister(self, user_id: str, device_id: str) -> None:
        if not self._devices.delete(user_id, device_id):
            raise PhotopipeError(ErrorCode.NOT_FOUND, f"Device {device_id} not found.")
