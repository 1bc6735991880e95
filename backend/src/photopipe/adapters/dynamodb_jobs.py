"""JobRepository over the jobs table; every status move is a conditional write."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from photopipe.adapters.dynamo import from_item, is_conditional_failure, to_item, to_value
from photopipe.errors import ErrorCode, PhotopipeError
from photopipe.images.variants import SRGB_COLOR_SPACE, VariantSpec
from photopipe.jobs.model import Job, JobError, JobStatus, Operations, Output
from photopipe.jobs.ports import JobPage, TransitionRejected

BY_USER_INDEX = "byUser"
# Sparse: only jobs the pipeline still owes something carry its key (inFlight), sorted by
# updatedAt, so the sweeper reads them without scanning the table: PENDING_UPLOAD from creation,
# PROCESSING while a delivery works on it, EVENT_PENDING from the terminal write until its event
# is published.
IN_FLIGHT_INDEX = "inFlight"
EVENT_PENDING = "EVENT_PENDING"
# A job whose photo comes in parts waits under its own key: its window is hours, not minutes,
# and the sweeper's oldest-first reads of the others must not stop at it.
PENDING_MULTIPART = "PENDING_MULTIPART"


def job_to_record(job: Job) -> dict[str, Any]:
    # An edit's owner is not under userId: the byUser index then lists jobs only.
    owner = {"ownerId": job.user_id, "editOf": job.edit_of} if job.edit_of else {"userId": job.user_id}
    return {
        "jobId": job.job_id,
        **owner,
        "status": job.status.value,
        "contentType": job.content_type,
        "contentLength": job.content_length,
        "createdAt": job.created_at,
        "updatedAt": job.updated_at,
        "operations": {
            "variants": [_variant_item(v) for v in job.operations.variants],
            "analysis": job.operations.analysis,
            "edits": list(job.operations.edits),
            "injectTransientFailures": job.operations.inject_transient_failures,
        },
        "outputs": [_output_record(o) for o in job.outputs],
        "analysis": job.analysis,
        "error": {"code": job.error.code, "message": job.error.message} if job.error else None,
        "statusHistory": job.status_history,
        "processingMs": job.processing_ms,
        "uploadId": job.upload_id,
    }


def _output_record(o: Output) -> dict[str, Any]:
    return {
        "name": o.name,
        "key": o.key,
        "width": o.width,
        "height": o.height,
        "contentType": o.content_type,
        "bytes": o.bytes,
    }


def job_from_record(r: Mapping[str, Any]) -> Job:
    ops = r.get("operations") or {}
    error = r.get("error")
    return Job(
        job_id=r["jobId"],
        user_id=r.get("userId") or r["ownerId"],
        status=JobStatus(r["status"]),
        content_type=r["contentType"],
        content_length=int(r["contentLength"]),
        created_at=r["createdAt"],
        updated_at=r.get("updatedAt", r["createdAt"]),
        operations=Operations(
            variants=tuple(_variant_spec(v) for v in ops.get("variants", [])),
            analysis=bool(ops.get("analysis", True)),
            edits=tuple(ops.get("edits", [])),
            inject_transient_failures=int(ops.get("injectTransientFailures", 0)),
        ),
        outputs=[
            Output(o["name"], o["key"], int(o["width"]), int(o["height"]), o["contentType"], int(o["bytes"]))
            for o in r.get("outputs", [])
        ],
        analysis=r.get("analysis"),
        error=JobError(error["code"], error["message"]) if error else None,
        status_history=list(r.get("statusHistory", [])),
        processing_ms=r.get("processingMs"),
        attempts=int(r.get("attempts", 0)),
        claim_token=r.get("claimToken"),
        event_pending=bool(r.get("eventPending", False)),
        edit_of=r.get("editOf"),
        edit_ids=tuple(sorted(r.get("editIds", []))),
        upload_id=r.get("uploadId"),
        deleting=bool(r.get("deleting", False)),
        requeued_at=r.get("requeuedAt"),
    )


class DynamoJobRepository:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def create(self, job: Job, ttl_epoch: int) -> None:
        waiting = PENDING_MULTIPART if job.upload_id else job.status.value
        item = to_item({**job_to_record(job), "expiresAt": ttl_epoch, "inFlight": waiting})
        self._db.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(jobId)")

    def get(self, job_id: str) -> Job | None:
        response = self._db.get_item(TableName=self._table, Key={"jobId": {"S": job_id}}, ConsistentRead=True)
        item = response.get("Item")
        return job_from_record(from_item(item)) if item else None

    def list_for_user(self, user_id: str, limit: int, cursor: str | None) -> JobPage:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": BY_USER_INDEX,
            "KeyConditionExpression": "userId = :u",
            "ExpressionAttributeValues": {":u": {"S": user_id}},
            "ScanIndexForward": False,  # newest first
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = _decode_cursor(cursor, user_id)
        response = self._db.query(**kwargs)
        jobs = [job_from_record(from_item(item)) for item in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        return JobPage(jobs, _encode_cursor(last) if last else None)

    def delete(self, job_id: str) -> None:
        self._db.delete_item(TableName=self._table, Key={"jobId": {"S": job_id}})

    def mark_requeued(self, job_id: str, now: str) -> Job:
        return self._update(
            job_id,
            "SET requeuedAt = :now, updatedAt = :now",
            "#s = :pending AND attribute_not_exists(requeuedAt)",
            {":pending": JobStatus.PENDING_UPLOAD.value, ":now": now},
        )

    def mark_deleting(self, job_id: str) -> None:
        try:
            self._db.update_item(
                TableName=self._table,
                Key={"jobId": {"S": job_id}},
                UpdateExpression="SET deleting = :true",
                ConditionExpression="attribute_exists(jobId)",
                ExpressionAttributeValues={":true": {"BOOL": True}},
            )
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise  # else deleted meanwhile: nothing left to mark

    def claim(self, job_id: str, user_id: str, claim_token: str, now: str) -> Job:
        return self._update(
            job_id,
            "SET #s = :processing, inFlight = :processing, claimToken = :t, updatedAt = :now, "
            "statusHistory = list_append(statusHistory, :h) ADD attempts :one",
            "#s = :pending AND userId = :user",
            {
                ":processing": JobStatus.PROCESSING.value,
                ":pending": JobStatus.PENDING_UPLOAD.value,
                ":user": user_id,
                ":t": claim_token,
                ":now": now,
                ":h": [{"status": JobStatus.PROCESSING.value, "at": now}],
                ":one": 1,
            },
        )

    def resume(self, job_id: str, claim_token: str, now: str) -> Job:
        return self._update(
            job_id,
            "SET updatedAt = :now ADD attempts :one",
            "#s = :processing AND claimToken = :t",
            {":processing": JobStatus.PROCESSING.value, ":t": claim_token, ":now": now, ":one": 1},
        )

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
        values: dict[str, Any] = {
            ":status": status.value,
            ":processing": JobStatus.PROCESSING.value,
            ":t": claim_token,
            ":now": now,
            ":h": [{"status": status.value, "at": now}],
            ":outputs": [_output_record(o) for o in outputs],
            ":true": True,
        }
        expression = (
            "SET #s = :status, updatedAt = :now, outputs = :outputs, eventPending = :true, "
            "statusHistory = list_append(statusHistory, :h)"
        )
        if analysis is not None:
            expression += ", analysis = :analysis"
            values[":analysis"] = dict(analysis)
        if error is not None:
            expression += ", #e = :error"
            values[":error"] = {"code": error.code, "message": error.message}
        if processing_ms is not None:
            expression += ", processingMs = :ms"
            values[":ms"] = processing_ms
        expression += ", inFlight = :outbox"
        values[":outbox"] = EVENT_PENDING
        return self._update(job_id, expression, "#s = :processing AND claimToken = :t", values)

    def fail_unclaimed(
        self,
        job_id: str,
        now: str,
        error: JobError,
        updated_before: str | None = None,
        held_by: str | None = None,
        waiting_since_before: str | None = None,
    ) -> Job:
        values: dict[str, Any] = {
            ":failed": JobStatus.FAILED.value,
            ":processing": JobStatus.PROCESSING.value,
            ":now": now,
            ":true": True,
            ":error": {"code": error.code, "message": error.message},
            ":h": [{"status": JobStatus.FAILED.value, "at": now}],
            ":outbox": EVENT_PENDING,
        }
        if updated_before is not None:
            condition = "#s = :processing AND updatedAt < :before"
            values[":before"] = updated_before
        elif held_by is not None:
            condition = "#s = :pending OR (#s = :processing AND claimToken = :t)"
            values[":pending"] = JobStatus.PENDING_UPLOAD.value
            values[":t"] = held_by
        elif waiting_since_before is not None:
            condition = "#s = :pending AND updatedAt < :before"
            del values[":processing"]  # DynamoDB refuses a value the expressions do not use
            values[":pending"] = JobStatus.PENDING_UPLOAD.value
            values[":before"] = waiting_since_before
        else:
            raise ValueError("fail_unclaimed needs updated_before, held_by or waiting_since_before")
        return self._update(
            job_id,
            "SET #s = :failed, updatedAt = :now, #e = :error, eventPending = :true, inFlight = :outbox, "
            "statusHistory = list_append(statusHistory, :h)",
            condition,
            values,
        )

    def stalled(self, updated_before: str, limit: int) -> list[str]:
        return self._in_flight(JobStatus.PROCESSING.value, updated_before, limit)

    def awaiting_upload(self, created_before: str, limit: int, multipart: bool = False) -> list[str]:
        return self._in_flight(
            PENDING_MULTIPART if multipart else JobStatus.PENDING_UPLOAD.value, created_before, limit
        )

    def _in_flight(self, state: str, updated_before: str, limit: int) -> list[str]:
        response = self._db.query(
            TableName=self._table,
            IndexName=IN_FLIGHT_INDEX,
            KeyConditionExpression="inFlight = :state AND updatedAt < :before",
            ExpressionAttributeValues={":state": {"S": state}, ":before": {"S": updated_before}},
            Limit=limit,
        )
        return [item["jobId"]["S"] for item in response.get("Items", [])]

    def pending_events(self, finished_before: str, limit: int) -> list[str]:
        return self._in_flight(EVENT_PENDING, finished_before, limit)

    def mark_event_published(self, job_id: str) -> None:
        self._db.update_item(
            TableName=self._table,
            Key={"jobId": {"S": job_id}},
            UpdateExpression="REMOVE eventPending, inFlight",
            ConditionExpression="attribute_exists(jobId)",
        )

    def get_many(self, job_ids: list[str]) -> list[Job]:
        found: list[Job] = []
        for start in range(0, len(job_ids), 100):  # BatchGetItem takes 100 keys
            keys: dict[str, Any] = {
                self._table: {
                    "Keys": [{"jobId": {"S": i}} for i in job_ids[start : start + 100]],
                    "ConsistentRead": True,
                }
            }
            while keys:
                response = self._db.batch_get_item(RequestItems=keys)
                found += [job_from_record(from_item(item)) for item in response["Responses"].get(self._table, [])]
                keys = response.get("UnprocessedKeys") or {}
        return found

    def add_edit(self, job_id: str, edit_id: str, max_edits: int) -> Job:
        # A string set: adding and removing ids are atomic, and its size is the count to cap.
        return self._update(
            job_id,
            "ADD editIds :edit",
            "#s = :completed AND (attribute_not_exists(editIds) OR size(editIds) < :max)",
            {":completed": JobStatus.COMPLETED.value, ":max": max_edits},
            {":edit": {"SS": [edit_id]}},
        )

    def remove_edit(self, job_id: str, edit_id: str) -> None:
        self._db.update_item(
            TableName=self._table,
            Key={"jobId": {"S": job_id}},
            UpdateExpression="DELETE editIds :edit",
            ExpressionAttributeValues={":edit": {"SS": [edit_id]}},
        )

    def claim_edit(self, job_id: str, claim_token: str, now: str) -> Job:
        return self._update(
            job_id,
            "SET claimToken = :t, updatedAt = :now ADD attempts :one",
            "#s = :processing AND attribute_exists(editOf) AND attribute_not_exists(claimToken)",
            {":processing": JobStatus.PROCESSING.value, ":t": claim_token, ":now": now, ":one": 1},
        )

    def _update(
        self,
        job_id: str,
        update: str,
        condition: str,
        values: dict[str, Any],
        attribute_values: dict[str, Any] | None = None,
    ) -> Job:
        """`attribute_values`: values already in DynamoDB's form (a string set has no JSON one)."""
        names = {"#s": "status"}
        if "#e" in update:
            names["#e"] = "error"
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key={"jobId": {"S": job_id}},
                UpdateExpression=update,
                # A job being deleted moves no more (its tombstone, mark_deleting).
                ConditionExpression=f"attribute_exists(jobId) AND attribute_not_exists(deleting) AND ({condition})",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={k: to_value(v) for k, v in values.items()} | (attribute_values or {}),
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise TransitionRejected(job_id) from exc
            raise
        return job_from_record(from_item(response["Attributes"]))


def _encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(from_item(key), separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, user_id: str) -> dict[str, Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise PhotopipeError(ErrorCode.INVALID_REQUEST, "cursor is not valid.") from exc
    if not isinstance(raw, dict) or raw.get("userId") != user_id or set(raw) != {"jobId", "userId", "createdAt"}:
        raise PhotopipeError(ErrorCode.INVALID_REQUEST, "cursor is not valid.")
    if not all(isinstance(v, str) for v in raw.values()):
        raise PhotopipeError(ErrorCode.INVALID_REQUEST, "cursor is not valid.")
    return to_item(raw)


def _variant_item(v: VariantSpec) -> dict[str, Any]:
    item: dict[str, Any] = {"name": v.name, "maxSize": v.max_size, "format": v.format, "colorSpace": v.color_space}
    if v.box:
        item.update(width=v.width, height=v.height, fit=v.fit, focus=v.focus)
    return item


def _variant_spec(v: dict[str, Any]) -> VariantSpec:
    box = (int(v["width"]), int(v["height"])) if "width" in v and "height" in v else (None, None)
    return VariantSpec(
        v["name"],
        int(v["maxSize"]),
        v["format"],
        v.get("colorSpace", SRGB_COLOR_SPACE),
        box[0],
        box[1],
        v.get("fit", "cover"),
        v.get("focus", "center"),
    )
