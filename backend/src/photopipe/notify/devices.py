"""Registering and removing a user's devices."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from photopipe.clock import iso, utc_now
from photopipe.errors import ErrorCode, PhotopipeError
from photopipe.notify import signing
from photopipe.notify.model import Device, DeviceLimitReached, Platform, device_id_for, is_device_id
from photopipe.notify.ports import DeviceRepository
from photopipe.notify.targets import Resolver, TargetPolicy, TargetRefused, canonical, resolve


class DeviceService:
    def __init__(
        self,
        devices: DeviceRepository,
        target_policy: TargetPolicy,
        resolver: Resolver,
        max_devices_per_user: int = 20,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._devices = devices
        self._policy = target_policy
        self._resolver = resolver
        self._max_devices = max_devices_per_user
        self._clock = clock

    def register(self, user_id: str, platform: Platform, address: str) -> Device:
        if platform is Platform.WEBHOOK:
            try:
                address = canonical(address, self._policy)  # stored and sent as it will be sent
                resolve(address, self._policy, self._resolver)
            except TargetRefused as exc:
                raise PhotopipeError(ErrorCode.INVALID_REQUEST, str(exc)) from exc
        device_id = device_id_for(user_id, platform, address)
        device = Device(
            user_id=user_id,
            device_id=device_id,
            platform=platform,
            address=address,
            created_at=iso(self._clock()),
            signing_secret=signing.new_secret() if platform is Platform.WEBHOOK else None,
        )
        # Every device is a send per job: a cap keeps one user's fan-out (and a hostile user's
        # dead-end endpoints) bounded. Registering a device again is not a new one.
        try:
            return self._devices.register(device, self._max_devices)
        except DeviceLimitReached as exc:
            raise PhotopipeError(
                ErrorCode.DEVICE_LIMIT_REACHED,
                f"A user may register at most {self._max_devices} devices; remove one first.",
            ) from exc

    def list(self, user_id: str) -> list[Device]:
        return self._devices.list_for_user(user_id)

    def unregister(self, user_id: str, device_id: str) -> None:
        if not is_device_id(device_id):
            raise PhotopipeError(ErrorCode.NOT_FOUND, "Device not found.")  # before any table is asked
        if not self._devices.delete(user_id, device_id):
            raise PhotopipeError(ErrorCode.NOT_FOUND, f"Device {device_id} not found.")
