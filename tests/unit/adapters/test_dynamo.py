"""Conversions to DynamoDB attribute values: every number a request may carry can be stored."""

from __future__ import annotations

from photopipe.adapters.dynamo import from_item, to_item


def test_a_float_too_small_for_dynamodb_is_stored_as_zero_and_others_exactly() -> None:
    # 2.2e-311 degrees (a subnormal a fuzzer sent) is below DynamoDB's 1e-130 and was refused.
    item = to_item({"edits": [{"op": "rotate", "degrees": 2.225073858507e-311}, {"op": "rotate", "degrees": 12.5}]})
    numbers = [edit["M"]["degrees"]["N"] for edit in item["edits"]["L"]]
    assert numbers == ["0", "12.5"]
    assert from_item(item)["edits"][1]["degrees"] == 12.5
