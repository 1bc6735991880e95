"""Conversions between Python values and DynamoDB attribute values."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


# The smallest magnitude DynamoDB stores: a float below it (a request may send 2.2e-311 degrees)
# was refused with a ValidationException, and the API answered 500 (found by `make fuzz`).
_SMALLEST_NUMBER = Decimal("1e-130")


def _number(text: str) -> Decimal:
    number = Decimal(text)
    return Decimal(0) if abs(number) < _SMALLEST_NUMBER else number


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    # DynamoDB numbers are Decimals; a JSON round trip turns floats into them.
    plain = json.loads(json.dumps(values), parse_float=_number)
    return {k: _serializer.serialize(v) for k, v in plain.items() if v is not None}


def to_value(value: Any) -> dict[str, Any]:
    return dict(_serializer.serialize(json.loads(json.dumps(value), parse_float=_number)))


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [_plain(v) for v in value]
    return value


def is_conditional_failure(error: Exception) -> bool:
    response = getattr(error, "response", None)
    return isinstance(response, dict) and response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
