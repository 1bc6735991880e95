"""The devices table: push tokens and webhooks per user."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from photopipe.adapters.dynamo import from_item, is_conditional_failure, to_item
from photopipe.notify.model import Device, Platform


def _device_from(record: dict[str, Any]) -> Device:
    return Device(
        user_id=record["userId"],
        device_id=record["deviceId"],
        platform=Platform(record["platform"]),
        address=record["address"],
        created_at=record["createdAt"],
        signing_secret=record.get("signingSecret"),
    )


class DynamoDeviceRepository:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def register(self, device: Device) -> Device:
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
        try:
            self._db.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(deviceId)")
            return device
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
        existing = self._get(device.user_id, device.device_id)
        return existing or device

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
            devices.extend(_device_from(from_item(item)) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return devices
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def delete(self, user_id: str, device_id: str) -> bool:
        response = self._db.delete_item(
            TableName=self._table, Key={"userId": {"S": user_id}, "deviceId": {"S": device_id}}, ReturnValues="ALL_OLD"
        )
        # AWS omits Attributes when nothing was deleted; moto (LocalStack) returns an empty map.
        return bool(response.get("Attributes"))
