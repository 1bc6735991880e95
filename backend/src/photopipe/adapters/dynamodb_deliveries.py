"""The delivery ledger table: one item per (job, device), so every device hears of a job once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from photopipe.adapters.dynamo import from_item, is_conditional_failure, to_item
from photopipe.clock import from_iso
from photopipe.notify.model import Claim, Delivery, DeliveryStatus, Device


class DynamoDeliveryLedger:
    """One item per (job, device): SENDING under a lease, then DELIVERED or FAILED for good."""

    def __init__(self, dynamodb: Any, table: str, ttl_days: int) -> None:
        self._db = dynamodb
        self._table = table
        self._ttl_days = ttl_days

    def claim(self, job_id: str, device: Device, now: str, lease_seconds: int) -> Claim:
        moment = from_iso(now)
        lease_until = (moment + timedelta(seconds=lease_seconds)).isoformat()
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item(
                    {
                        "jobId": job_id,
                        "deviceId": device.device_id,
                        "platform": device.platform.value,
                        "status": DeliveryStatus.SENDING.value,
                        "attemptedAt": now,
                        "leaseUntil": lease_until,
                        "expiresAt": int((moment + timedelta(days=self._ttl_days)).timestamp()),
                    }
                ),
                # Free, or a lease that ran out (its holder crashed) and nothing final recorded.
                ConditionExpression="attribute_not_exists(jobId) OR (#s = :sending AND leaseUntil < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":sending": {"S": DeliveryStatus.SENDING.value},
                    ":now": {"S": moment.isoformat()},
                },
            )
            return Claim.GRANTED
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
        current = self._db.get_item(
            TableName=self._table,
            Key={"jobId": {"S": job_id}, "deviceId": {"S": device.device_id}},
            ConsistentRead=True,
        ).get("Item", {})
        return Claim.BUSY if current.get("status", {}).get("S") == DeliveryStatus.SENDING.value else Claim.DONE

    def complete(self, delivery: Delivery) -> None:
        self._db.update_item(
            TableName=self._table,
            Key={"jobId": {"S": delivery.job_id}, "deviceId": {"S": delivery.device_id}},
            UpdateExpression="SET #s = :s, simulated = :sim, attemptedAt = :at, platform = :p, detail = :d "
            "REMOVE leaseUntil",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":s": {"S": delivery.status.value},
                ":sim": {"BOOL": delivery.simulated},
                ":at": {"S": delivery.attempted_at},
                ":p": {"S": delivery.platform},
                ":d": {"S": delivery.detail or ""},
            },
        )

    def release(self, job_id: str, device_id: str, detail: str) -> None:
        # The next delivery of the message may try again straight away.
        self._db.update_item(
            TableName=self._table,
            Key={"jobId": {"S": job_id}, "deviceId": {"S": device_id}},
            UpdateExpression="SET leaseUntil = :past, detail = :d",
            ConditionExpression="#s = :sending",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":past": {"S": "0"},
                ":d": {"S": detail[:500]},
                ":sending": {"S": DeliveryStatus.SENDING.value},
            },
        )

    def list_for_job(self, job_id: str) -> list[Delivery]:
        response = self._db.query(
            TableName=self._table,
            KeyConditionExpression="jobId = :j",
            ExpressionAttributeValues={":j": {"S": job_id}},
            ConsistentRead=True,
        )
        deliveries = []
        for item in response.get("Items", []):
            r = from_item(item)
            deliveries.append(
                Delivery(
                    r["jobId"],
                    r["deviceId"],
                    r.get("platform", ""),
                    DeliveryStatus(r["status"]),
                    bool(r.get("simulated", False)),
                    r.get("attemptedAt", ""),
                    r.get("detail") or None,
                )
            )
        return deliveries

    def delete_for_job(self, job_id: str) -> None:
        for delivery in self.list_for_job(job_id):
            self._db.delete_item(
                TableName=self._table, Key={"jobId": {"S": job_id}, "deviceId": {"S": delivery.device_id}}
            )
