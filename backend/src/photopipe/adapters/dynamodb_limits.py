"""Limiter over the limits table: one item per counter window or lease, expiring by TTL, and
one per set of holders (a user's jobs in flight), kept."""

from __future__ import annotations

from typing import Any

from photopipe.adapters.dynamo import is_conditional_failure

# Items outlive their window a little, so a late reader still sees the count; TTL removes them.
_GRACE_SECONDS = 300


class DynamoLimiter:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._dynamodb = dynamodb
        self._table = table

    def take(self, key: str, limit: int, window_seconds: int, now: int, amount: int = 1) -> int:
        window_start = now // window_seconds * window_seconds
        window_end = window_start + window_seconds
        if amount > limit:
            return max(1, window_end - now)
        try:
            # One conditional ADD: concurrent takes of the last unit cannot both succeed.
            self._dynamodb.update_item(
                TableName=self._table,
                Key={"id": {"S": f"{key}#{window_start}"}},
                UpdateExpression="ADD uses :amount SET expiresAt = :expires",
                ConditionExpression="attribute_not_exists(uses) OR uses <= :room",
                ExpressionAttributeValues={
                    ":amount": {"N": str(amount)},
                    ":room": {"N": str(limit - amount)},
                    ":expires": {"N": str(window_end + _GRACE_SECONDS)},
                },
            )
        except Exception as error:
            if is_conditional_failure(error):
                return max(1, window_end - now)
            raise
        return 0

    def lease(self, key: str, seconds: int, now: int) -> bool:
        try:
            self._dynamodb.put_item(
                TableName=self._table,
                Item={"id": {"S": f"lease#{key}"}, "expiresAt": {"N": str(now + seconds)}},
                ConditionExpression="attribute_not_exists(id) OR expiresAt < :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except Exception as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def release(self, key: str) -> None:
        self._dynamodb.delete_item(TableName=self._table, Key={"id": {"S": f"lease#{key}"}})

    def hold(self, key: str, holder: str, limit: int) -> bool:
        try:
            # One conditional ADD to a string set: racing holds of the last place cannot both win.
            self._dynamodb.update_item(
                TableName=self._table,
                Key={"id": {"S": f"held#{key}"}},
                UpdateExpression="ADD holders :holder",
                ConditionExpression="attribute_not_exists(holders) OR size(holders) < :limit",
                ExpressionAttributeValues={":holder": {"SS": [holder]}, ":limit": {"N": str(limit)}},
            )
        except Exception as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def holders(self, key: str) -> set[str]:
        item = self._dynamodb.get_item(TableName=self._table, Key={"id": {"S": f"held#{key}"}}, ConsistentRead=True)
        return set(item.get("Item", {}).get("holders", {}).get("SS", []))

    def let_go(self, key: str, holders: set[str]) -> None:
        if holders:
            self._dynamodb.update_item(
                TableName=self._table,
                Key={"id": {"S": f"held#{key}"}},
                UpdateExpression="DELETE holders :gone",
                ExpressionAttributeValues={":gone": {"SS": sorted(holders)}},
            )
