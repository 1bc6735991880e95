"""Errors as values with stable codes, defined once for the API, the worker and the docs."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # Client errors answered by the API.
    INVALID_REQUEST = "INVALID_REQUEST"
    UNAUTHORIZED = "UNAUTHORIZED"
    NOT_FOUND = "NOT_FOUND"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    CONFLICT = "CONFLICT"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    DEVICE_LIMIT_REACHED = "DEVICE_LIMIT_REACHED"
    UPLOAD_SLOT_EXPIRED = "UPLOAD_SLOT_EXPIRED"
    JOB_NOT_READY = "JOB_NOT_READY"
    # Completing an upload in parts.
    UPLOAD_INCOMPLETE = "UPLOAD_INCOMPLETE"
    CONTENT_LENGTH_MISMATCH = "CONTENT_LENGTH_MISMATCH"
    # Delivery URLs.
    INVALID_TRANSFORM = "INVALID_TRANSFORM"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    URL_EXPIRED = "URL_EXPIRED"
    # Per-user limits: a rate (wait and retry) or an amount (free some first).
    RATE_LIMITED = "RATE_LIMITED"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    # Permanent image failures recorded on a FAILED job.
    EMPTY_FILE = "EMPTY_FILE"
    NOT_AN_IMAGE = "NOT_AN_IMAGE"
    UNSUPPORTED_IMAGE_FORMAT = "UNSUPPORTED_IMAGE_FORMAT"
    CONTENT_TYPE_MISMATCH = "CONTENT_TYPE_MISMATCH"
    TRUNCATED_IMAGE = "TRUNCATED_IMAGE"
    PIXEL_LIMIT_EXCEEDED = "PIXEL_LIMIT_EXCEEDED"
    MEMORY_LIMIT_EXCEEDED = "MEMORY_LIMIT_EXCEEDED"
    # The render of one photo overran its fixed deadline, or its process died by a signal (a
    # decoder crashing): that photo alone fails, at once.
    PROCESSING_TIMEOUT = "PROCESSING_TIMEOUT"
    DECODER_CRASHED = "DECODER_CRASHED"
    DECOMPRESSION_BOMB = "DECOMPRESSION_BOMB"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    MODERATION_REJECTED = "MODERATION_REJECTED"
    INVALID_EDIT = "INVALID_EDIT"
    PROVIDER_REJECTED = "PROVIDER_REJECTED"
    # A job whose transient failures exhausted the queue's retries.
    PROCESSING_ABANDONED = "PROCESSING_ABANDONED"
    # A job whose photo never arrived within its upload window.
    UPLOAD_ABANDONED = "UPLOAD_ABANDONED"
    INTERNAL_ERROR = "INTERNAL_ERROR"


HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.INVALID_REQUEST: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.IDEMPOTENCY_KEY_REUSED: 422,
    ErrorCode.DEVICE_LIMIT_REACHED: 409,
    ErrorCode.UPLOAD_SLOT_EXPIRED: 409,
    ErrorCode.JOB_NOT_READY: 409,
    ErrorCode.UPLOAD_INCOMPLETE: 400,
    ErrorCode.CONTENT_LENGTH_MISMATCH: 400,
    ErrorCode.INVALID_TRANSFORM: 400,
    ErrorCode.SIGNATURE_INVALID: 403,
    ErrorCode.URL_EXPIRED: 403,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.QUOTA_EXCEEDED: 429,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
}


class PhotopipeError(Exception):
    """A failure the caller can act on, carrying a stable code and a message for people."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def http_status(self) -> int:
        return HTTP_STATUS.get(self.code, 500)


class LimitExceeded(PhotopipeError):
    """A per-user limit: answered 429 with Retry-After."""

    def __init__(self, code: ErrorCode, message: str, retry_after_seconds: int) -> None:
        super().__init__(code, message)
        self.retry_after_seconds = max(1, retry_after_seconds)


class PermanentImageError(PhotopipeError):
    """The upload can never be processed: the job fails and the message is not retried."""


class TransientError(Exception):
    """A fault worth retrying (throttling, a timeout): the queue delivers the message again,
    not sooner than retry_after_seconds when that is set."""

    def __init__(self, message: str, retry_after_seconds: int = 0) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class DeploymentFault(TransientError):
    """The deployment, not the image, is wrong: a provider's credentials, permissions or endpoint.

    Retried like any transient fault (a fixed deployment then processes the job), counted in
    the DeploymentFaults metric that an alarm watches, and never blamed on the user's image.
    """
