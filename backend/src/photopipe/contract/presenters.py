"""Domain values to contract models."""

from __future__ import annotations

from photopipe.contract.models import (
    DeviceResponse,
    ErrorBody,
    JobResponse,
    JobSummary,
    NotificationModel,
    OutputModel,
    StatusChange,
)
from photopipe.jobs.model import Job, JobStatus, Operations, VariantSpec
from photopipe.jobs.service import OutputLink
from photopipe.notify.model import Delivery, Device


def job_response(job: Job, links: list[OutputLink], deliveries: list[Delivery]) -> JobResponse:
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
        outputs=[
            OutputModel(
                name=o.name, url=o.url, width=o.width, height=o.height, content_type=o.content_type, bytes=o.bytes
            )
            for o in links
        ]
        if job.status is JobStatus.COMPLETED
        else [],
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
    )


def job_summary(job: Job) -> JobSummary:
    return JobSummary(
        job_id=job.job_id,
        status=job.status.value,
        created_at=job.created_at,
        updated_at=job.updated_at,
        error=ErrorBody(code=job.error.code, message=job.error.message) if job.error else None,
    )


def device_response(device: Device, include_secret: bool) -> DeviceResponse:
    return DeviceResponse(
        device_id=device.device_id,
        platform=device.platform.value,
        created_at=device.created_at,
        signing_secret=device.signing_secret if include_secret else None,
    )


def operations_from(request: object) -> Operations:
    """Operations of a CreateJobRequest's `operations` (None: the default set)."""
    from photopipe.contract.models import OperationsRequest

    if not isinstance(request, OperationsRequest):
        return Operations()
    edits = tuple(edit.model_dump(mode="json") for edit in request.edits)
    faults = request.inject_transient_failures
    if request.variants is None:
        return Operations(analysis=request.analysis, edits=edits, inject_transient_failures=faults)
    return Operations(
        variants=tuple(VariantSpec(v.name, v.max_size, v.format) for v in request.variants),
        analysis=request.analysis,
        edits=edits,
        inject_transient_failures=faults,
    )
