"""Pydantic models of the v1 API. JSON field names are camelCase."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator
from pydantic.alias_generators import to_camel

from photopipe.images.edits import (
    AiEdit,
    AutocontrastEdit,
    BlurBackgroundEdit,
    BlurEdit,
    CropEdit,
    FlipEdit,
    GrayscaleEdit,
    RedactFacesEdit,
    RemoveBackgroundEdit,
    ResizeEdit,
    RotateEdit,
    SharpenEdit,
    WatermarkEdit,
)


# defer_build: a model's validator and serializer are built when first used, not at import. The
# forty models took ~250 ms of every api cold start; a request now builds only those it touches.
class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", defer_build=True)


# Where a cover crop or a crop edit is placed (images/crop.py).
Focus = Literal["center", "faces", "attention"]


class VariantRequest(ApiModel):
    """Either `maxSize` (fit within a square) or `width` and `height` (an exact box)."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$", description="Output name.")]
    max_size: Annotated[int | None, Field(ge=16, le=8192, description="Longest side in pixels.")] = None
    width: Annotated[int | None, Field(ge=16, le=8192, description="Exact box width (with height).")] = None
    height: Annotated[int | None, Field(ge=16, le=8192, description="Exact box height (with width).")] = None
    fit: Literal["cover", "contain"] = Field(
        "cover", description="Box variants: cover (fill the box, cropping) or contain (fit within it)."
    )
    focus: Focus = Field(
        "center",
        description="Where a cover crop is placed: the centre, every detected face (the largest when they "
        "do not fit together), or the most salient region. Falls back to the centre.",
    )
    format: Literal["jpeg", "png", "webp", "avif"] = "jpeg"
    color_space: Literal["srgb", "source"] = Field(
        "srgb",
        description="srgb: converted to sRGB (what every screen assumes). source: the original's gamut "
        "(Display P3, Adobe RGB...) kept, with its ICC profile embedded.",
    )

    @model_validator(mode="after")
    def _one_shape(self) -> VariantRequest:
        boxed = self.width is not None or self.height is not None
        if boxed == (self.max_size is not None) or (boxed and (self.width is None or self.height is None)):
            raise ValueError("a variant needs either maxSize, or width and height")
        return self


# The edit ops are the domain's own dataclasses (images/edits.py): one definition of each op's
# fields, constraints and behaviour, validated here by pydantic and applied there by the worker.
EditRequest = Annotated[
    ResizeEdit
    | CropEdit
    | RotateEdit
    | FlipEdit
    | GrayscaleEdit
    | AutocontrastEdit
    | BlurEdit
    | SharpenEdit
    | WatermarkEdit
    | AiEdit
    | RemoveBackgroundEdit
    | BlurBackgroundEdit
    | RedactFacesEdit,
    Field(discriminator="op"),
]


class OperationsRequest(ApiModel):
    variants: Annotated[list[VariantRequest] | None, Field(max_length=8)] = None
    analysis: bool = True
    edits: Annotated[list[EditRequest], Field(max_length=10, description="Applied in order, before variants.")] = []
    inject_transient_failures: Annotated[
        int, Field(ge=0, le=10, description="Testing only: fail this many attempts (local fault injection).")
    ] = 0

    @model_validator(mode="after")
    def _unique_names(self) -> OperationsRequest:
        names = [v.name for v in self.variants or []]
        if len(names) != len(set(names)):
            raise ValueError("variant names must be unique")
        return self


class CreateEditRequest(ApiModel):
    edits: Annotated[
        list[EditRequest],
        Field(min_length=1, max_length=10, description="Applied in order to the job's oriented original."),
    ]
    variants: Annotated[
        list[VariantRequest] | None,
        Field(
            max_length=8,
            description="Omitted: the default set (in PNG when a background is removed and not replaced).",
        ),
    ] = None

    @model_validator(mode="after")
    def _unique_names(self) -> CreateEditRequest:
        names = [v.name for v in self.variants or []]
        if len(names) != len(set(names)):
            raise ValueError("variant names must be unique")
        return self


class CreateJobRequest(ApiModel):
    content_type: Annotated[str, Field(min_length=3, max_length=100, description="MIME type of the photo.")]
    content_length: Annotated[int, Field(ge=1, description="Exact size of the photo in bytes.")]
    operations: OperationsRequest | None = None
    multipart: bool = Field(
        False,
        description="Upload in parts (S3 multipart): up to the multipart limit (200 MiB by default), "
        "resumable for 24 h. Without it: one PUT, up to 50 MiB.",
    )


class UploadSlotModel(ApiModel):
    """The whole photo in one PUT, with exactly these headers (they are signed)."""

    type: Literal["put"] = "put"
    url: str
    method: Literal["PUT"]
    headers: dict[str, str]
    expires_at: str


class PartUploadModel(ApiModel):
    number: int
    url: str
    headers: dict[str, str] = Field(description="Content-Length: this part's exact length, signed.")


class ReceivedPartModel(ApiModel):
    number: int
    size: int
    etag: str


class MultipartUploadModel(ApiModel):
    """The photo in parts: PUT each part (any order, in parallel) to its URL, keep each answer's
    ETag, then POST /v1/jobs/{jobId}/upload/complete."""

    type: Literal["multipart"] = "multipart"
    part_size: int
    parts: list[PartUploadModel]
    expires_at: str = Field(description="The end of the upload's window: every URL is valid until then.")
    received: list[ReceivedPartModel] | None = Field(
        None, description="GET /v1/jobs/{jobId}/upload only: the parts S3 holds already (resume with the rest)."
    )


UploadModel = Annotated[UploadSlotModel | MultipartUploadModel, Field(discriminator="type")]


class UploadResponse(RootModel[UploadModel]):
    """What GET /v1/jobs/{jobId}/upload answers: the creation's `upload`, with fresh URLs."""


class CompletedPartModel(ApiModel):
    number: Annotated[int, Field(ge=1, le=10_000)]
    etag: Annotated[str, Field(min_length=1, max_length=200, description="The part PUT's ETag header.")]


class CompleteUploadRequest(ApiModel):
    parts: Annotated[list[CompletedPartModel], Field(min_length=1, max_length=10_000)]


class UploadCompletedResponse(ApiModel):
    job_id: str
    status: str


class JobCreatedResponse(ApiModel):
    job_id: str
    status: str
    created_at: str
    upload: UploadModel


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


class DeliveryModel(ApiModel):
    """Where a finished job's image is served: `{url}/{transform}`, e.g. `{url}/w_400,h_400,f_auto`."""

    url: Annotated[
        str,
        Field(
            description="Signed base URL; the same on every call within a day, valid at least 24 h after it is "
            "handed out. Append `/{transform}`: w_<px>, h_<px>, fit_<cover|contain>, "
            "focus_<center|faces|attention>, f_<jpeg|png|webp|avif|auto>, q_<1-100>, dpr_<1.0-4.0>."
        ),
    ]
    expires_at: str


class NotificationModel(ApiModel):
    device_id: str
    platform: str
    status: str
    simulated: bool
    attempted_at: str


class StatusChange(ApiModel):
    status: str
    at: str


# What a completed job says about its photo. Every provider fills this one shape, field by field,
# so a generated client gets typed attributes. Unknown fields are dropped, never passed through.
class AnalysisModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", defer_build=True)


def _absent(value: object) -> bool:
    return value is None


def optional(description: str | None = None) -> Any:
    """An analysis field a provider may leave out: left out of the answer too, not sent as null."""
    return Field(None, description=description, exclude_if=_absent)


# Described, not constrained: these are read back from what a model or a service found (a face at
# the frame's edge may start a hair outside it), and a response must never fail on them.
Ratio = Annotated[float, Field(description="A ratio of the oriented original's side, 0..1.")]
Percent = Annotated[float, Field(description="0..100.")]


class Box(AnalysisModel):
    """A region as ratios of the oriented original (0..1): left and top from its top-left corner."""

    left: Ratio
    top: Ratio
    width: Ratio
    height: Ratio


class Landmark(AnalysisModel):
    type: str = Field(description="eyeLeft, eyeRight, nose, mouthLeft, mouthRight (Rekognition's names).")
    x: Ratio
    y: Ratio


class Face(AnalysisModel):
    box: Box
    confidence: Percent
    landmarks: list[Landmark] | None = optional()


class SmartCrop(AnalysisModel):
    focus: Literal["faces", "attention"] = Field(description="What the square keeps: every face, or the salient part.")
    box: Box


class ModerationLabel(AnalysisModel):
    name: str = Field(description="In Rekognition's moderation taxonomy, e.g. Explicit Nudity.")
    confidence: Percent
    parent: str | None = optional()


class TextLine(AnalysisModel):
    text: str
    confidence: Percent
    box: Box


class Label(AnalysisModel):
    name: str
    confidence: Percent


class Placeholder(AnalysisModel):
    thumbhash: str = Field(description="ThumbHash, base64: paint it before a variant loads.")


class Camera(AnalysisModel):
    make: str | None = optional()
    model: str | None = optional()
    lens: str | None = optional()


class Location(AnalysisModel):
    latitude: float
    longitude: float


class Analysis(AnalysisModel):
    """Set once COMPLETED. The first block is always there; the provider's part with
    operations.analysis (the default)."""

    width: int = Field(description="Of the oriented original, in pixels.")
    height: int = Field(description="Of the oriented original, in pixels.")
    source_format: str = Field(description="The photo's real format as a MIME type, whatever was declared.")
    orientation: int = Field(description="EXIF orientation as the file said, 1-8 (1 when none).")
    placeholder: Placeholder
    captured_at: str | None = optional("From EXIF: ISO 8601, with its offset when the file has one.")
    camera: Camera | None = optional()
    location: Location | None = optional("From EXIF GPS, only where the deployment sets expose_location.")
    provider: Literal["local", "ondevice", "rekognition", "http"] | None = optional(
        "Which provider analysed the photo (absent with operations.analysis false)."
    )
    faces: list[Face] | None = optional("ondevice, rekognition.")
    smart_crop: SmartCrop | None = optional(
        "The largest square a crop keeps: on the faces where there are any, else the salient part."
    )
    moderation: list[ModerationLabel] | None = optional(
        "ondevice, rekognition: present whenever the provider ran, [] when clean."
    )
    text: list[TextLine] | None = optional("Top to bottom, where the deployment sets text_detection.")
    labels: list[Label] | None = optional("rekognition.")
    dominant_colors: list[str] | None = optional("#rrggbb, most frequent first.")
    perceptual_hash: str | None = optional("A 64-bit difference hash, hex: equal for near-duplicates.")
    sharpness: float | None = optional("Variance of the Laplacian of the preview: low is blurred.")
    brightness: float | None = optional("Mean luminance, 0 (black) to 1 (white).")
    has_alpha: bool | None = optional()


class EditCreatedResponse(ApiModel):
    edit_id: str
    status: Literal["PROCESSING"]


class EditResponse(ApiModel):
    """An edit asked of a finished job: its own outputs and delivery URL, the job unchanged."""

    edit_id: str
    status: Literal["PROCESSING", "COMPLETED", "FAILED"]
    error: ErrorBody | None = None
    edits: list[EditRequest]
    outputs: list[OutputModel] = Field(description="COMPLETED only: URLs under `delivery.url`.")
    delivery: DeliveryModel | None = None
    created_at: str
    updated_at: str
    processing_ms: int | None = None


class EditListResponse(ApiModel):
    edits: list[EditResponse]
    next_cursor: str | None = None


class JobResponse(ApiModel):
    job_id: str
    status: str
    content_type: str
    content_length: int
    created_at: str
    updated_at: str
    status_history: list[StatusChange]
    error: ErrorBody | None = None
    analysis: Analysis | None = None
    outputs: list[OutputModel]
    delivery: DeliveryModel | None = None
    notifications: list[NotificationModel]
    processing_ms: int | None = None
    attempts: int = 0
    edits: list[EditResponse] = Field(
        default=[], description="The latest 20 edits, newest first; GET /v1/jobs/{jobId}/edits pages through all."
    )


class JobSummary(ApiModel):
    job_id: str
    status: str
    created_at: str
    updated_at: str
    error: ErrorBody | None = None
    delivery: DeliveryModel | None = None


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
    status: Literal["ACTIVE", "DISABLED"] = Field(
        "ACTIVE", description="DISABLED after a send failed in a way no retry fixes: register it again to enable it."
    )
    disabled_reason: str | None = Field(None, description="DISABLED only: when, and the failure.")
    signing_secret: str | None = Field(
        default=None,
        description="Webhooks only: the Standard Webhooks secret (whsec_ + base64) that signs each delivery.",
    )


class DeviceListResponse(ApiModel):
    devices: list[DeviceResponse]


class HealthResponse(ApiModel):
    status: Literal["ok"]
    build: str = Field(description='The id of the code build answering: the hash of its sources, or "source".')


class WebhookEventData(ApiModel):
    """The job's or edit's event a webhook delivery carries as `data`."""

    event_type: Literal["JobCompleted", "JobFailed", "EditCompleted", "EditFailed"]
    job_id: str
    user_id: str
    status: Literal["COMPLETED", "FAILED"]
    occurred_at: str
    outputs: list[str] = Field(description="Names of the variants written (empty when FAILED).")
    error_code: str | None = Field(None, description="FAILED only: the job's error.code.")
    placeholder: dict[str, str] | None = Field(None, description="{thumbhash}: paint it before a variant loads.")
    edit_id: str | None = Field(None, description="edit.* only: the edit of job jobId this is about.")


class WebhookPayload(ApiModel):
    """A Standard Webhooks v1 message body."""

    type: Literal["job.completed", "job.failed", "edit.completed", "edit.failed"]
    timestamp: str = Field(description="When the job or edit reached its final status (ISO 8601, UTC).")
    data: WebhookEventData
