"""Mobile push: through an SNS platform application (APNs or FCM), or simulated where none is set."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from photopipe.errors import TransientError
from photopipe.jobs.events import JobEvent
from photopipe.notify.model import Device, DeviceGone, SendResult


class SimulatedPushSender:
    """Where no platform application is configured: records the push it would have sent."""

    def send(self, device: Device, event: JobEvent) -> SendResult:
        payload = {"aps" if device.platform.value == "ios" else "data": event.to_message()}
        return SendResult(simulated=True, detail=json.dumps(payload, separators=(",", ":")))


class SnsPushSender:
    """Mobile push through an SNS platform application (APNs or FCM).

    The platform endpoint is created on first send: CreatePlatformEndpoint is idempotent for
    the same token, so the device table keeps only the token. A disabled endpoint (the app was
    uninstalled, the token revoked) means the device is gone.
    """

    def __init__(self, sns: Any, application_arn: str) -> None:
        self._sns = sns
        self._application_arn = application_arn

    def send(self, device: Device, event: JobEvent) -> SendResult:
        message = event.to_message()
        what = "edit" if event.edit_id else "photo"
        title = f"Your {what} is ready" if event.status.value == "COMPLETED" else f"Your {what} could not be made"
        payload = {
            "default": json.dumps(message),
            "APNS": json.dumps({"aps": {"alert": {"title": title}, "content-available": 1}, "photopipe": message}),
            "APNS_SANDBOX": json.dumps(
                {"aps": {"alert": {"title": title}, "content-available": 1}, "photopipe": message}
            ),
            "GCM": json.dumps({"notification": {"title": title}, "data": {k: str(v) for k, v in message.items()}}),
        }
        try:
            endpoint = self._sns.create_platform_endpoint(
                PlatformApplicationArn=self._application_arn, Token=device.address
            )["EndpointArn"]
            self._sns.publish(TargetArn=endpoint, MessageStructure="json", Message=json.dumps(payload))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("EndpointDisabled", "EndpointDisabledException"):
                raise DeviceGone(f"push endpoint disabled for {device.device_id}") from exc
            if code in ("InvalidParameter", "InvalidParameterException") and "Token" in str(exc):
                raise DeviceGone(f"push token rejected for {device.device_id}") from exc
            raise TransientError(f"SNS push failed: {code or exc}") from exc
        return SendResult(simulated=False, detail=endpoint)
