"""Small in-memory implementations of the domain's ports, with the same conditional rules."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer, DataRecord

from photopipe.delivery.ports import StoredObject
from photopipe.jobs.events import JobEvent, event_for
from photopipe.jobs.model import Job, JobError, JobStatus, Output, renders_prefix
from photopipe.jobs.ports import JobPage, Part, TransitionRejected
from photopipe.notify.model import Claim, Delivery, DeliveryStatus, Device, DeviceLimitReached, SendResult


class InMemoryJobs:
    def __init__(self) -> None:
        self.items: dict[str, Job] = {}
        self.claims: dict[str, str] = {}

    def create(self, job: Job, ttl_epoch: int) -> None:
        assert job.job_id not in self.items
        self.items[job.job_id] = copy.deepcopy(job)

    def get(self, job_id: str) -> Job | None:
        if len(job_id.encode()) > 2048:  # DynamoDB's partition key limit: the real read raises
            raise RuntimeError("ValidationException: One or more parameter values were invalid: key too long")
        job = self.items.get(job_id)
        return copy.deepcopy(job) if job else None

    def list_for_user(self, user_id: str, limit: int, cursor: str | None) -> JobPage:
        mine = sorted(
            (j for j in self.items.values() if j.user_id == user_id and not j.edit_of),  # the index holds jobs only
            key=lambda j: j.created_at,
            reverse=True,
        )
        start = int(cursor) if cursor else 0
        page = mine[start : start + limit]
        more = start + limit < len(mine)
        return JobPage([copy.deepcopy(j) for j in page], str(start + limit) if more else None)

    def delete(self, job_id: str) -> None:
        self.items.pop(job_id, None)

    def mark_requeued(self, job_id: str, now: str) -> Job:
        job = self._moving(job_id)
        if job is None or job.status is not JobStatus.PENDING_UPLOAD or job.requeued_at is not None:
            raise TransitionRejected(job_id)
        job.requeued_at = job.updated_at = now
        return copy.deepcopy(job)

    def mark_deleting(self, job_id: str) -> None:
        if job_id in self.items:
            self.items[job_id].deleting = True

    def _moving(self, job_id: str) -> Job | None:
        """The job a status move may change: none once its tombstone is set."""
        job = self.items.get(job_id)
        return None if job is None or job.deleting else job

    def _move(self, job: Job, status: JobStatus, now: str) -> None:
        job.status = status
        job.updated_at = now
        job.status_history.append({"status": status.value, "at": now})

    def claim(self, job_id: str, user_id: str, claim_token: str, now: str) -> Job:
        job = self._moving(job_id)
        if job is None or job.user_id != user_id or job.status is not JobStatus.PENDING_UPLOAD:
            raise TransitionRejected(job_id)
        self._move(job, JobStatus.PROCESSING, now)
        self.claims[job_id] = job.claim_token = claim_token
        job.attempts += 1
        return copy.deepcopy(job)

    def resume(self, job_id: str, claim_token: str, now: str) -> Job:
        job = self._moving(job_id)
        if job is None or job.status is not JobStatus.PROCESSING or self.claims.get(job_id) != claim_token:
            raise TransitionRejected(job_id)
        job.updated_at = now
        job.attempts += 1
        return copy.deepcopy(job)

    def finish(
        self,
        job_id: str,
        claim_token: str,
        status: JobStatus,
        now: str,
        outputs: list[Output],
        analysis: Mapping[str, object] | None,
        error: JobError | None,
        processing_ms: int | None,
    ) -> Job:
        job = self._moving(job_id)
        if job is None or job.status is not JobStatus.PROCESSING or self.claims.get(job_id) != claim_token:
            raise TransitionRejected(job_id)
        self._move(job, status, now)
        job.outputs, job.analysis, job.error = list(outputs), dict(analysis) if analysis else None, error
        job.processing_ms, job.event_pending = processing_ms, True
        return copy.deepcopy(job)

    def fail_unclaimed(
        self,
        job_id: str,
        now: str,
        error: JobError,
        updated_before: str | None = None,
        held_by: str | None = None,
        waiting_since_before: str | None = None,
    ) -> Job:
        job = self._moving(job_id)
        if job is None or job.status.is_terminal:
            raise TransitionRejected(job_id)
        if waiting_since_before is not None:
            if not (job.status is JobStatus.PENDING_UPLOAD and job.updated_at < waiting_since_before):
                raise TransitionRejected(job_id)
        elif updated_before is not None:
            if not (job.status is JobStatus.PROCESSING and job.updated_at < updated_before):
                raise TransitionRejected(job_id)
        elif held_by is not None:
            if job.status is JobStatus.PROCESSING and self.claims.get(job_id) != held_by:
                raise TransitionRejected(job_id)
        else:
            raise ValueError("fail_unclaimed needs updated_before or held_by")
        self._move(job, JobStatus.FAILED, now)
        job.error, job.event_pending = error, True
        return copy.deepcopy(job)

    def mark_event_published(self, job_id: str) -> None:
        self.items[job_id].event_pending = False

    def get_many(self, job_ids: list[str]) -> list[Job]:
        return [copy.deepcopy(self.items[i]) for i in job_ids if i in self.items]

    def add_edit(self, job_id: str, edit_id: str, max_edits: int) -> Job:
        job = self._moving(job_id)
        if job is None or job.status is not JobStatus.COMPLETED or len(job.edit_ids) >= max_edits:
            raise TransitionRejected(job_id)
        job.edit_ids = tuple(sorted({*job.edit_ids, edit_id}))
        return copy.deepcopy(job)

    def remove_edit(self, job_id: str, edit_id: str) -> None:
        job = self.items.get(job_id)
        if job is not None:
            job.edit_ids = tuple(i for i in job.edit_ids if i != edit_id)

    def claim_edit(self, job_id: str, claim_token: str, now: str) -> Job:
        job = self._moving(job_id)
        if job is None or not job.edit_of or job.status is not JobStatus.PROCESSING or job_id in self.claims:
            raise TransitionRejected(job_id)
        self.claims[job_id] = job.claim_token = claim_token
        job.updated_at = now
        job.attempts += 1
        return copy.deepcopy(job)

    def awaiting_upload(self, created_before: str, limit: int, multipart: bool = False) -> list[str]:
        waiting = [
            j
            for j in self.items.values()
            if j.status is JobStatus.PENDING_UPLOAD and j.updated_at < created_before and bool(j.upload_id) == multipart
        ]
        return [j.job_id for j in sorted(waiting, key=lambda j: j.updated_at)][:limit]

    def stalled(self, updated_before: str, limit: int) -> list[str]:
        stalled = [j for j in self.items.values() if j.status is JobStatus.PROCESSING and j.updated_at < updated_before]
        return [j.job_id for j in sorted(stalled, key=lambda j: j.updated_at)][:limit]

    def pending_events(self, finished_before: str, limit: int) -> list[str]:
        pending = [
            j
            for j in self.items.values()
            if j.status.is_terminal and j.event_pending and j.updated_at < finished_before
        ]
        return [j.job_id for j in sorted(pending, key=lambda j: j.updated_at)][:limit]


class InMemoryStore:
    def __init__(self) -> None:
        self.uploads: dict[str, bytes] = {}
        self.results: dict[str, tuple[bytes, str]] = {}
        self.multipart: dict[str, tuple[str, dict[int, tuple[bytes, str]]]] = {}

    def presign_upload(self, key: str, content_type: str, content_length: int, ttl_seconds: int) -> str:
        return f"https://uploads.example/{key}?type={content_type}&length={content_length}&ttl={ttl_seconds}"

    def presign_download(self, key: str, ttl_seconds: int) -> str:
        return f"https://results.example/{key}?ttl={ttl_seconds}"

    def read_original(self, key: str, max_bytes: int) -> bytes:
        return self.uploads[key]

    def download_original(self, key: str, path: Path, max_bytes: int) -> int:
        return path.write_bytes(self.uploads[key])

    def original_arrived(self, key: str) -> bool:
        return key in self.uploads

    def write_result(self, key: str, body: bytes, content_type: str) -> None:
        self.results[key] = (body, content_type)

    # Multipart uploads: parts by upload id; completing one makes the original.

    def start_multipart(self, key: str, content_type: str) -> str:
        upload_id = f"upload-{len(self.multipart) + 1}"
        self.multipart[upload_id] = (key, {})
        return upload_id

    def presign_part(self, key: str, upload_id: str, number: int, length: int, ttl_seconds: int) -> str:
        return (
            f"https://uploads.example/{key}?uploadId={upload_id}&partNumber={number}&length={length}&ttl={ttl_seconds}"
        )

    def put_part(self, upload_id: str, number: int, body: bytes) -> str:
        """What a client's PUT to a part URL does; returns the part's ETag."""
        etag = f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
        self.multipart[upload_id][1][number] = (body, etag)
        return etag

    def received_parts(self, key: str, upload_id: str) -> list[Part] | None:
        if upload_id not in self.multipart:
            return None
        return [Part(n, len(body), etag) for n, (body, etag) in sorted(self.multipart[upload_id][1].items())]

    def complete_multipart(self, key: str, upload_id: str, parts: list[Part]) -> None:
        held = self.multipart.pop(upload_id)[1]
        self.uploads[key] = b"".join(held[p.number][0] for p in parts)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        self.multipart.pop(upload_id, None)

    def delete_job_objects(self, original_key: str, *prefixes: str) -> None:
        self.uploads.pop(original_key, None)
        self.delete_results(*prefixes)

    def delete_results(self, *prefixes: str) -> None:
        for key in [k for k in self.results if k.startswith(prefixes)]:
            del self.results[key]

    # The delivery function's side (DeliveryStore): an ETag per distinct body, as S3's MD5 is.

    def get_render(self, key: str) -> StoredObject | None:
        return self.get_result(key) if key in self.results else None

    def put_render(self, key: str, body: bytes, content_type: str) -> StoredObject:
        self.write_result(key, body, content_type)
        return self.get_result(key)

    def delete_renders(self, job_id: str) -> None:
        for key in [k for k in self.results if k.startswith(renders_prefix(job_id))]:
            del self.results[key]

    def get_result(self, key: str) -> StoredObject:
        body, content_type = self.results[key]
        return StoredObject(body, content_type, f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"')


class RecordingQueue:
    """The jobs queue's edit and requeued-upload messages, in the order sent."""

    def __init__(self) -> None:
        self.edits: list[str] = []
        self.uploads: list[tuple[str, int]] = []

    def send_edit(self, record_id: str) -> None:
        self.edits.append(record_id)

    def send_upload(self, key: str, size: int) -> None:
        self.uploads.append((key, size))


class RecordingPublisher:
    def __init__(self, failures: int = 0) -> None:
        self.events: list[JobEvent] = []
        self.failures = failures

    def publish_job_event(self, job: Job) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("SNS unavailable")
        self.events.append(event_for(job))


class InMemoryDevices:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Device] = {}

    def register(self, device: Device, max_devices: int) -> Device:
        key = (device.user_id, device.device_id)
        if key not in self.items and len(self.list_for_user(device.user_id)) >= max_devices:
            raise DeviceLimitReached(device.user_id)
        if key in self.items:  # registered again: enabled again
            self.items[key] = dataclasses.replace(self.items[key], disabled_reason=None)
        return self.items.setdefault(key, device)

    def disable(self, user_id: str, device_id: str, reason: str) -> None:
        if (user_id, device_id) in self.items:
            self.items[(user_id, device_id)] = dataclasses.replace(
                self.items[(user_id, device_id)], disabled_reason=reason
            )

    def list_for_user(self, user_id: str) -> list[Device]:
        return [d for (u, _), d in sorted(self.items.items()) if u == user_id]

    def delete(self, user_id: str, device_id: str) -> bool:
        if len(device_id.encode()) > 1024:  # DynamoDB's sort key limit: the real delete raises
            raise RuntimeError("ValidationException: key too long")
        return self.items.pop((user_id, device_id), None) is not None


class InMemoryLedger:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    def claim(self, job_id: str, device: Device, now: str, lease_seconds: int) -> Claim:
        current = self.items.get((job_id, device.device_id))
        if current and current["status"] != DeliveryStatus.SENDING:
            return Claim.DONE
        if current and current["leased"]:
            return Claim.BUSY
        self.items[(job_id, device.device_id)] = {
            "status": DeliveryStatus.SENDING,
            "leased": True,
            "platform": device.platform.value,
            "at": now,
        }
        return Claim.GRANTED

    def complete(self, delivery: Delivery) -> None:
        self.items[(delivery.job_id, delivery.device_id)] = {
            "status": delivery.status,
            "leased": False,
            "delivery": delivery,
        }

    def release(self, job_id: str, device_id: str, detail: str) -> None:
        self.items[(job_id, device_id)]["leased"] = False

    def list_for_job(self, job_id: str) -> list[Delivery]:
        return [v["delivery"] for (j, _), v in self.items.items() if j == job_id and "delivery" in v]

    def delete_for_job(self, job_id: str) -> None:
        for key in [k for k in self.items if k[0] == job_id]:
            del self.items[key]


class RecordingSender:
    def __init__(self, simulated: bool = False, errors: list[Exception] | None = None) -> None:
        self.sent: list[tuple[Device, JobEvent]] = []
        self.simulated = simulated
        self.errors = list(errors or [])

    def send(self, device: Device, event: JobEvent) -> SendResult:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append((device, event))
        return SendResult(simulated=self.simulated)


class InMemoryIdempotencyStore(BasePersistenceLayer):
    """Powertools' persistence layer over a dict, with DynamoDB's put-if-absent rule."""

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, DataRecord] = {}

    def _get_record(self, idempotency_key: str) -> DataRecord:
        if idempotency_key not in self.records:
            raise IdempotencyItemNotFoundError
        return self.records[idempotency_key]

    def _put_record(self, data_record: DataRecord) -> None:
        if data_record.idempotency_key in self.records:
            raise IdempotencyItemAlreadyExistsError  # the handler then reads and validates the record
        self.records[data_record.idempotency_key] = data_record

    def _update_record(self, data_record: DataRecord) -> None:
        self.records[data_record.idempotency_key] = data_record

    def _delete_record(self, data_record: DataRecord) -> None:
        self.records.pop(data_record.idempotency_key, None)


class InMemoryLimiter:
    """The Limiter port with the DynamoDB adapter's rules: fixed windows, leases until released."""

    def __init__(self) -> None:
        self.uses: dict[str, int] = {}
        self.leases: dict[str, int] = {}
        self.held: dict[str, set[str]] = {}

    def take(self, key: str, limit: int, window_seconds: int, now: int, amount: int = 1) -> int:
        window_start = now // window_seconds * window_seconds
        counter = f"{key}#{window_start}"
        if self.uses.get(counter, 0) + amount > limit:
            return max(1, window_start + window_seconds - now)
        self.uses[counter] = self.uses.get(counter, 0) + amount
        return 0

    def lease(self, key: str, seconds: int, now: int) -> bool:
        if self.leases.get(key, 0) >= now:
            return False
        self.leases[key] = now + seconds
        return True

    def release(self, key: str) -> None:
        self.leases.pop(key, None)

    def hold(self, key: str, holder: str, limit: int) -> bool:
        held = self.held.setdefault(key, set())
        if len(held) >= limit:
            return False
        held.add(holder)
        return True

    def holders(self, key: str) -> set[str]:
        return set(self.held.get(key, set()))

    def let_go(self, key: str, holders: set[str]) -> None:
        self.held.get(key, set()).difference_update(holders)
