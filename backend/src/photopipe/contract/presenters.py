"""Domain values to contract models."""

from __future__ import annotations

from photopipe.contract.models import (
    DeliveryModel,
    DeviceResponse,
    EditResponse,
    ErrorBody,
    JobResponse,
    JobSummary,
    MultipartUploadModel,
    NotificationModel,
    OperationsRequest,
    OutputModel,
    PartUploadModel,
    ReceivedPartModel,
    StatusChange,
    UploadSlotModel,
    VariantRequest,
)
from photopipe.delivery import transforms
from photopipe.delivery.signing import SignedUrl
from photopipe.images.variants import DEFAULT_VARIANTS, VariantSpec
from photopipe.jobs.model import Job, JobStatus, Operations
from photopipe.jobs.ports import MultipartSlot, UploadSlot
from photopipe.notify.model import Delivery, Device


def upload_model(slot: UploadSlot | MultipartSlot) -> UploadSlotModel | MultipartUploadModel:
    if isinstance(slot, UploadSlot):
        return UploadSlotModel(url=slot.url, method="PUT", headers=slot.headers, expires_at=slot.expires_at)
    return MultipartUploadModel(
        part_size=slot.part_size,
        parts=[PartUploadModel(number=p.number, url=p.url, headers=p.headers) for p in slot.parts],
        expires_at=slot.expires_at,
        received=None
        if slot.received is None
        else [ReceivedPartModel(number=p.number, size=p.size, etag=p.etag) for p in slot.received],
    )


def delivery_model(signed: SignedUrl | None) -> DeliveryModel | None:
    return DeliveryModel(url=signed.url, expires_at=signed.expires_at) if signed else None


def _outputs(job: Job, signed: SignedUrl | None) -> list[OutputModel]:
    """A COMPLETED job's or edit's outputs, as URLs under its delivery URL."""
    if not signed or job.status is not JobStatus.COMPLETED:
        return []
    specs = {spec.name: spec for spec in job.operations.variants}
    return [
        OutputModel(
            name=o.name,
            url=f"{signed.url}/{transforms.of_variant(specs[o.name]).canonical}",
            width=o.width,
            height=o.height,
            content_type=o.content_type,
            bytes=o.bytes,
        )
        for o in job.outputs
        if o.name in specs
    ]


def edit_response(edit: Job, signed: SignedUrl | None) -> EditResponse:
    """`signed`: the edit's delivery URL, for a COMPLETED edit."""
    return EditResponse.model_validate(
        {
            "editId": edit.edit_id,
            "status": edit.status.value,
            "error": ErrorBody(code=edit.error.code, message=edit.error.message) if edit.error else None,
            "edits": list(edit.operations.edits),
            "outputs": _outputs(edit, signed),
            "delivery": delivery_model(signed),
            "createdAt": edit.created_at,
            "updatedAt": edit.updated_at,
            "processingMs": edit.processing_ms,
        }
    )


def job_response(
    job: Job, signed: SignedUrl | None, deliveries: list[Delivery], edits: list[EditResponse] | None = None
) -> JobResponse:
    """`signed`: the job's delivery URL, for a COMPLETED job; its outputs are URLs under it."""
    return JobResponse(
        job_id=job.job_id,
        status=job.status.value,
        content_type=job.content_type,
        content_length=job.content_length,
        created_at=job.created_at,
        updated_at=job.updated_at,
        status_history=[StatusChange(status=h["status"], at=h["at"]) for h in job.status_history],
        error=ErrorBody(code=job.error.code, message=job.error.message) if job.error else None,
        analysis=job.analysis,
        outputs=_outputs(job, signed),
        delivery=delivery_model(signed),
        notifications=[
            NotificationModel(
                device_id=d.device_id,
                platform=d.platform,
                status=d.status.value,
                simulated=d.simulated,
                attempted_at=d.attempted_at,
            )
            for d in deliveries
        ],
        processing_ms=job.processing_ms,
        attempts=job.attempts,
        edits=edits or [],
    )


def job_summary(job: Job, signed: SignedUrl | None) -> JobSummary:
    return JobSummary(
        job_id=job.job_id,
        status=job.status.value,
        created_at=job.created_at,
        updated_at=job.updated_at,
        error=ErrorBody(code=job.error.code, message=job.error.message) if job.error else None,
        delivery=delivery_model(signed),
    )


def device_response(device: Device, include_secret: bool) -> DeviceResponse:
    return DeviceResponse(
        device_id=device.device_id,
        platform=device.platform.value,
        created_at=device.created_at,
        status="ACTIVE" if device.active else "DISABLED",
        disabled_reason=device.disabled_reason,
        signing_secret=device.signing_secret if include_secret else None,
    )


def _variant(v: VariantRequest) -> VariantSpec:
    if v.width is not None and v.height is not None:
        return VariantSpec(v.name, max(v.width, v.height), v.format, v.color_space, v.width, v.height, v.fit, v.focus)
    assert v.max_size is not None  # the model's validator admits one shape or the other
    return VariantSpec(v.name, v.max_size, v.format, v.color_space)


def variants_from(requested: list[VariantRequest] | None) -> tuple[VariantSpec, ...] | None:
    """None when none were named: the caller's default set applies."""
    return None if requested is None else tuple(_variant(v) for v in requested)


def operations_from(request: OperationsRequest | None) -> Operations:
    """Operations of a CreateJobRequest's `operations` (None, or no variants: the default set)."""
    if request is None:
        return Operations()
    variants = variants_from(request.variants)
    return Operations(
        variants=DEFAULT_VARIANTS if variants is None else variants,
        analysis=request.analysis,
        edits=tuple(edit.as_dict() for edit in request.edits),
        inject_transient_failures=request.inject_transient_failures,
    )
