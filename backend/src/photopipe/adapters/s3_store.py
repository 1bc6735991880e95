"""ObjectStore over S3: presigned upload and download URLs, originals and results."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from photopipe.delivery.ports import StoredObject
from photopipe.errors import ErrorCode, PermanentImageError
from photopipe.jobs.model import renders_prefix
from photopipe.jobs.ports import Part

DOWNLOAD_CHUNK_BYTES = 1024 * 1024


class S3ObjectStore:
    def __init__(self, s3: Any, uploads_bucket: str, results_bucket: str, presigner: Any = None) -> None:
        self._s3 = s3
        # The client that signs URLs for clients: one for the address they reach the stack at.
        self._presigner = presigner or s3
        self._uploads = uploads_bucket
        self._results = results_bucket

    def presign_upload(self, key: str, content_type: str, content_length: int, ttl_seconds: int) -> str:
        # ContentType and ContentLength become signed headers: S3 itself rejects a body of
        # another type or length than the client declared. IfNoneMatch too: S3 refuses a second
        # PUT to the key (412), so a slot is single-use and a retried PUT makes no second event.
        url: str = self._presigner.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self._uploads,
                "Key": key,
                "ContentType": content_type,
                "ContentLength": content_length,
                "IfNoneMatch": "*",
            },
            ExpiresIn=ttl_seconds,
        )
        return url

    def presign_download(self, key: str, ttl_seconds: int) -> str:
        url: str = self._presigner.generate_presigned_url(
            "get_object", Params={"Bucket": self._results, "Key": key}, ExpiresIn=ttl_seconds
        )
        return url

    def read_original(self, key: str, max_bytes: int) -> bytes:
        response = self._s3.get_object(Bucket=self._uploads, Key=key)
        if int(response.get("ContentLength", 0)) > max_bytes:
            response["Body"].close()
            raise PermanentImageError(ErrorCode.FILE_TOO_LARGE, f"The upload is larger than {max_bytes} bytes.")
        body: bytes = response["Body"].read()
        return body

    def download_original(self, key: str, path: Path, max_bytes: int) -> int:
        response = self._s3.get_object(Bucket=self._uploads, Key=key)
        body = response["Body"]
        if int(response.get("ContentLength", 0)) > max_bytes:
            body.close()
            raise PermanentImageError(ErrorCode.FILE_TOO_LARGE, f"The upload is larger than {max_bytes} bytes.")
        size = 0
        with path.open("wb") as file:
            for chunk in body.iter_chunks(DOWNLOAD_CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:  # a length header that lied
                    body.close()
                    raise PermanentImageError(ErrorCode.FILE_TOO_LARGE, f"The upload is larger than {max_bytes} bytes.")
                file.write(chunk)
        return size

    def start_multipart(self, key: str, content_type: str) -> str:
        upload_id: str = self._s3.create_multipart_upload(Bucket=self._uploads, Key=key, ContentType=content_type)[
            "UploadId"
        ]
        return upload_id

    def presign_part(self, key: str, upload_id: str, number: int, length: int, ttl_seconds: int) -> str:
        # ContentLength is signed: S3 refuses a part of any other length (403).
        url: str = self._presigner.generate_presigned_url(
            "upload_part",
            Params={
                "Bucket": self._uploads,
                "Key": key,
                "UploadId": upload_id,
                "PartNumber": number,
                "ContentLength": length,
            },
            ExpiresIn=ttl_seconds,
        )
        return url

    def received_parts(self, key: str, upload_id: str) -> list[Part] | None:
        parts: list[Part] = []
        try:
            for page in self._s3.get_paginator("list_parts").paginate(
                Bucket=self._uploads, Key=key, UploadId=upload_id
            ):
                parts += [Part(int(p["PartNumber"]), int(p["Size"]), str(p["ETag"])) for p in page.get("Parts", [])]
        except self._s3.exceptions.NoSuchUpload:
            return None
        return parts

    def complete_multipart(self, key: str, upload_id: str, parts: list[Part]) -> None:
        self._s3.complete_multipart_upload(
            Bucket=self._uploads,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": p.number, "ETag": p.etag} for p in parts]},
        )

    def abort_multipart(self, key: str, upload_id: str) -> None:
        with suppress(self._s3.exceptions.NoSuchUpload):  # ended already: nothing left to abort
            self._s3.abort_multipart_upload(Bucket=self._uploads, Key=key, UploadId=upload_id)

    def write_result(self, key: str, body: bytes, content_type: str) -> None:
        self._s3.put_object(
            Bucket=self._results,
            Key=key,
            Body=body,
            ContentType=content_type,
            CacheControl="private, max-age=31536000, immutable",
        )

    def original_arrived(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self._uploads, Key=key)
        except self._s3.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete_job_objects(self, original_key: str, *prefixes: str) -> None:
        self._s3.delete_object(Bucket=self._uploads, Key=original_key)
        self.delete_results(*prefixes)

    def delete_results(self, *prefixes: str) -> None:
        for prefix in prefixes:
            self._delete_prefix(prefix)

    def _delete_prefix(self, prefix: str) -> None:
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._results, Prefix=prefix):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self._s3.delete_objects(Bucket=self._results, Delete={"Objects": keys, "Quiet": True})

    # The delivery function's side: renders cached under renders/{jobId}/, variants read whole.

    def get_render(self, key: str) -> StoredObject | None:
        try:
            return self.get_result(key)
        except self._s3.exceptions.NoSuchKey:
            return None

    def put_render(self, key: str, body: bytes, content_type: str) -> StoredObject:
        response = self._s3.put_object(Bucket=self._results, Key=key, Body=body, ContentType=content_type)
        return StoredObject(body, content_type, str(response["ETag"]))

    def delete_renders(self, job_id: str) -> None:
        self._delete_prefix(renders_prefix(job_id))

    def expire_renders(self, modified_before: datetime, limit: int, prefix: str = "renders/") -> int:
        """Deletes cached renders older than the cutoff, at most `limit` a call: the sweeper's
        stand-in for the lifecycle rule where the emulator has none."""
        expired: list[dict[str, str]] = []
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._results, Prefix=prefix):
            expired += [{"Key": o["Key"]} for o in page.get("Contents", []) if o["LastModified"] < modified_before]
            if len(expired) >= limit:
                break
        for start in range(0, min(len(expired), limit), 1000):  # DeleteObjects takes 1000 keys
            batch = expired[start : min(start + 1000, limit)]
            self._s3.delete_objects(Bucket=self._results, Delete={"Objects": batch, "Quiet": True})
        return min(len(expired), limit)

    def get_result(self, key: str) -> StoredObject:
        response = self._s3.get_object(Bucket=self._results, Key=key)
        body: bytes = response["Body"].read()
        return StoredObject(body, str(response.get("ContentType", "application/octet-stream")), str(response["ETag"]))
