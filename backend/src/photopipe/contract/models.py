"""Pydantic models of the v1 API. JSON field names are camelCase."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class VariantRequest(ApiModel):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$", description="Output name.")]
    max_size: Annotated[int, Field(ge=16, le=8192, description="Longest side in pixels.")]
    format: Literal["jpeg", "png", "webp", "avif"] = "jpeg"


class OperationsRequest(ApiModel):
    variants: Annotated[list[VariantRequest] | None, Field(max_length=8)] = None
    analysis: bool = True

    @model_validator(mode="after")
    def _unique_names(self) -> OperationsRequest:
        names = [v.name for v in self.variants or []]
        if len(names) != len(set(names)):
            raise ValueError("variant names must be unique")
        return self


class CreateJobRequest(ApiModel):
    content_type: Annotated[str, Field(min_length=3, max_length=100, description="MIME type of the photo.")]
    content_length: Annotated[int, Field(ge=1, description="Exact size of the photo in bytes.")]
    operations: OperationsRequest | None = None


class UploadSlotModel(ApiModel):
    url: str
    method: Literal["PUT"]
    headers: dict[str, str]
    expires_at: str


class JobCreatedResponse(ApiModel):
    job_id: str
    status: str
    created_at: str
    upload: UploadSlotModel


class ErrorBody(ApiModel):
    code: str
    message: str


class ErrorResponse(ApiModel):
    error: ErrorBody


class OutputModel(ApiModel):
    name: str
    url: str
    width: int
    height: int
    content_type: str
    bytes: int


class NotificationModel(ApiModel):
    device_id: str
    platform: str
    status: str
    simulated: bool
    attempted_at: str


class StatusChange(ApiModel):
    status: str
    at: str


class JobResponse(ApiModel):
    job_id: str
    status: str
    content_type: str
    content_length: int
    created_at: str
    updated_at: str
    status_history: list[StatusChange]
    error: ErrorBody | None = None
    analysis: dict[str, Any] | None = None
    outputs: list[OutputModel]
    notifications: list[NotificationModel]
    processing_ms: int | None = None


class JobSummary(ApiModel):
    job_id: str
    status: str
    created_at: str
    updated_at: str
    error: ErrorBody | None = None


class JobListResponse(ApiModel):
    jobs: list[JobSummary]
    next_cursor: str | None = None


class RegisterDeviceRequest(ApiModel):
    platform: Literal["ios", "android", "webhook"]
    token: Annotated[str | None, Field(min_length=8, max_length=4096)] = None
    url: Annotated[str | None, Field(min_length=8, max_length=2048)] = None

    @model_validator(mode="after")
    def _address(self) -> RegisterDeviceRequest:
        if self.platform == "webhook":
            if not self.url or self.token:
                raise ValueError("a webhook device needs url (and no token)")
        elif not self.token or self.url:
            raise ValueError(f"an {self.platform} device needs token (and no url)")
        return self


class DeviceResponse(ApiModel):
    device_id: str
    platform: str
    created_at: str
    signing_secret: str | None = Field(
        default=None, description="Webhooks only: the HMAC-SHA256 key of X-Photopipe-Signature."
    )


class DeviceListResponse(ApiModel):
    devices: list[DeviceResponse]


class HealthResponse(ApiModel):
    status: Literal["ok"]
