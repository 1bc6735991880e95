"""The devices table: push tokens and webhooks per user."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from photopipe.adapters.dynamo import from_item, is_conditional_failure, to_item
from photopipe.notify.model import Device, DeviceLimitReached, Platform


def _device_from(record: dict[str, Any]) -> Device:
    return Device(
        user_id=record["userId"],
        device_id=record["deviceId"],
        platform=Platform(record["platform"]),
        address=record["address"],
        created_at=record["createdAt"],
        signing_secret=record.get("signingSecret"),
        disabled_reason=record.get("disabledReason"),
    )


# The sort key of each user's count of devices: no device id looks like it (notify.model).
DEVICE_COUNT = "#count"


class DynamoDeviceRepository:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def register(self, device: Device, max_devices: int) -> Device:
        existing = self._get(device.user_id, device.device_id)
        if existing is not None:  # registered again: not a new device, nothing counted
            if not existing.active:
                self._db.update_item(
                    TableName=self._table,
                    Key={"userId": {"S": device.user_id}, "deviceId": {"S": device.device_id}},
                    UpdateExpression="REMOVE disabledReason",
                )
                return replace(existing, disabled_reason=None)
            return existing
        item = to_item(
            {
                "userId": device.user_id,
                "deviceId": device.device_id,
                "platform": device.platform.value,
                "address": device.address,
                "createdAt": device.created_at,
                "signingSecret": device.signing_secret,
            }
        )
        count_key = {"userId": {"S": device.user_id}, "deviceId": {"S": DEVICE_COUNT}}
        try:
            # The device and the count in one transaction: concurrent registrations cannot both
            # take the last place (a list-then-write let 60 racing registrations store 60).
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": item,
                            "ConditionExpression": "attribute_not_exists(deviceId)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": count_key,
                            "UpdateExpression": "ADD devices :one",
                            "ConditionExpression": "attribute_not_exists(devices) OR devices < :max",
                            "ExpressionAttributeValues": {":one": {"N": "1"}, ":max": {"N": str(max_devices)}},
                        }
                    },
                ]
            )
            return device
        except ClientError as exc:
            failed = _failed_conditions(exc)
            if failed is None:
                raise
        if failed[0]:  # a racing registration of the same device stored it first
            return self._get(device.user_id, device.device_id) or device
        raise DeviceLimitReached(device.user_id)

    def disable(self, user_id: str, device_id: str, reason: str) -> None:
        try:
            self._db.update_item(
                TableName=self._table,
                Key={"userId": {"S": user_id}, "deviceId": {"S": device_id}},
                UpdateExpression="SET disabledReason = :reason",
                ConditionExpression="attribute_exists(deviceId)",
                ExpressionAttributeValues={":reason": {"S": reason[:500]}},
            )
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise  # else unregistered meanwhile

    def _get(self, user_id: str, device_id: str) -> Device | None:
        response = self._db.get_item(
            TableName=self._table, Key={"userId": {"S": user_id}, "deviceId": {"S": device_id}}, ConsistentRead=True
        )
        return _device_from(from_item(response["Item"])) if "Item" in response else None

    def list_for_user(self, user_id: str) -> list[Device]:
        devices: list[Device] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "userId = :u",
            "ExpressionAttributeValues": {":u": {"S": user_id}},
            "ConsistentRead": True,
        }
        while True:
            response = self._db.query(**kwargs)
            devices.extend(
                _device_from(from_item(item))
                for item in response.get("Items", [])
                if item["deviceId"]["S"] != DEVICE_COUNT
            )
            if "LastEvaluatedKey" not in response:
                return devices
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def delete(self, user_id: str, device_id: str) -> bool:
        """The device and one place of the user's count, together; False when there was none."""
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self._table,
                            "Key": {"userId": {"S": user_id}, "deviceId": {"S": device_id}},
                            "ConditionExpression": "attribute_exists(deviceId)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": {"userId": {"S": user_id}, "deviceId": {"S": DEVICE_COUNT}},
                            "UpdateExpression": "ADD devices :minus",
                            "ConditionExpression": "devices > :zero",
                            "ExpressionAttributeValues": {":minus": {"N": "-1"}, ":zero": {"N": "0"}},
                        }
                    },
                ]
            )
            return True
        except ClientError as exc:
            failed = _failed_conditions(exc)
            if failed is None:
                raise
        if failed[0]:
            return False  # no such device
        # A device stored before the count existed: deleted alone (the count stays at 0).
        response = self._db.delete_item(
            TableName=self._table, Key={"userId": {"S": user_id}, "deviceId": {"S": device_id}}, ReturnValues="ALL_OLD"
        )
        # AWS omits Attributes when nothing was deleted; moto (LocalStack) returns an empty map.
        return bool(response.get("Attributes"))


def _failed_conditions(error: ClientError) -> list[bool] | None:
    """Which items of a cancelled transaction failed their condition; None for any other error."""
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    reasons = error.response.get("CancellationReasons") or []
    return [reason.get("Code") == "ConditionalCheckFailed" for reason in reasons] + [False, False]
