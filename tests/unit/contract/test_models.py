"""The API's request models take the edit ops from the domain, so an op is defined once."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import ValidationError

from photopipe.contract.models import CreateJobRequest, EditRequest
from photopipe.images.edits import EDIT_TYPES, CropEdit, RotateEdit


def test_the_api_accepts_exactly_the_domains_edit_ops() -> None:
    union, _ = get_args(EditRequest)

    assert set(get_args(union)) == set(EDIT_TYPES)


def request_with(*edits: dict[str, object]) -> CreateJobRequest:
    body = {"contentType": "image/jpeg", "contentLength": 5, "operations": {"edits": list(edits)}}
    return CreateJobRequest.model_validate(body)


def test_edits_arrive_as_the_domains_typed_ops() -> None:
    request = request_with({"op": "crop", "width": 10, "height": 10, "focus": "faces"}, {"op": "rotate", "degrees": 90})

    assert request.operations is not None
    assert request.operations.edits == [CropEdit(width=10, height=10, focus="faces"), RotateEdit(degrees=90)]


@pytest.mark.parametrize(
    "edit",
    [
        {"op": "crop", "width": 10, "height": 10},  # neither left/top nor focus
        {"op": "resize", "width": 0, "height": 3},
        {"op": "blur", "radius": 2, "strength": 1},
        {"op": "sepia"},
        {"width": 10, "height": 10},
        {"op": "watermark", "text": ""},
    ],
)
def test_a_malformed_or_unknown_edit_is_refused(edit: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        request_with(edit)


def test_the_documented_schema_requires_op() -> None:
    schema = CreateJobRequest.model_json_schema(by_alias=True)["$defs"]["BlurEdit"]

    assert schema["required"] == ["op"] and schema["additionalProperties"] is False
