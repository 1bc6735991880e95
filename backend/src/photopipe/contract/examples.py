"""Examples for the OpenAPI document: what SDK generators, docs renderers and mock servers show.

Taken from a real `make demo` job and trimmed. Each is an OpenAPI Example Object; a unit test
validates every value against its model, so an example cannot drift from the contract.
"""

from __future__ import annotations

from typing import Any

Example = dict[str, Any]

JOB_ID = "cf0050da9cf947e1b518e1964e787bc7"
RESULTS = f"https://photopipe-results.s3.amazonaws.com/results/user-42/{JOB_ID}"
SIGNED = "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=7eeb..."


def example(summary: str, value: Any) -> Example:
    return {"summary": summary, "value": value}


CREATE_JOB_REQUEST = {
    "defaults": example(
        "A photo with the default variants (thumbnail, medium, large) and analysis",
        {"contentType": "image/jpeg", "contentLength": 582737},
    ),
    "multipart": example(
        "A large photo uploaded in parts, resumable",
        {"contentType": "image/jpeg", "contentLength": 11534336, "multipart": True},
    ),
    "variants": example(
        "Square avatars cropped around the faces, and a WebP for the feed",
        {
            "contentType": "image/heic",
            "contentLength": 2310455,
            "operations": {
                "variants": [
                    {"name": "avatar", "width": 256, "height": 256, "fit": "cover", "focus": "faces"},
                    {"name": "feed", "maxSize": 1080, "format": "webp"},
                ],
                "edits": [{"op": "autocontrast", "cutoff": 1}],
            },
        },
    ),
}

PART_URL = f"https://photopipe-uploads.s3.amazonaws.com/incoming/user-42/{JOB_ID}/original?uploadId=2~Xk9f&partNumber="
MULTIPART_UPLOAD = {
    "type": "multipart",
    "partSize": 8388608,
    "parts": [
        {"number": 1, "url": f"{PART_URL}1&{SIGNED[1:]}", "headers": {"Content-Length": "8388608"}},
        {"number": 2, "url": f"{PART_URL}2&{SIGNED[1:]}", "headers": {"Content-Length": "3145728"}},
    ],
    "expiresAt": "2026-12-03T05:25:17.618Z",
}

UPLOAD = {
    "parts": example(
        "A multipart upload resumed: fresh URLs, and the parts S3 holds",
        {
            **MULTIPART_UPLOAD,
            "received": [{"number": 1, "size": 8388608, "etag": '"9b2cf535f27731c974343645a3985328"'}],
        },
    )
}

COMPLETE_UPLOAD_REQUEST = {
    "parts": example(
        "Every part's number and the ETag its PUT answered",
        {
            "parts": [
                {"number": 1, "etag": '"9b2cf535f27731c974343645a3985328"'},
                {"number": 2, "etag": '"4d0c1e9b55c1f7d9b1e2f0a4c6a7d311"'},
            ]
        },
    )
}

UPLOAD_COMPLETED = {
    "completed": example("S3 announces the photo: the worker takes it", {"jobId": JOB_ID, "status": "PENDING_UPLOAD"})
}

JOB_CREATED = {
    "created": example(
        "PUT the photo to upload.url with upload.headers, before upload.expiresAt",
        {
            "jobId": JOB_ID,
            "status": "PENDING_UPLOAD",
            "createdAt": "2026-12-02T05:25:17.618Z",
            "upload": {
                "type": "put",
                "url": f"https://photopipe-uploads.s3.amazonaws.com/incoming/user-42/{JOB_ID}/original{SIGNED}",
                "method": "PUT",
                "headers": {"Content-Type": "image/jpeg", "Content-Length": "582737"},
                "expiresAt": "2026-12-02T05:40:17.618Z",
            },
        },
    ),
    "multipart": example(
        "multipart: PUT each part to its URL (in parallel, any order), then POST .../upload/complete",
        {
            "jobId": JOB_ID,
            "status": "PENDING_UPLOAD",
            "createdAt": "2026-12-02T05:25:17.618Z",
            "upload": MULTIPART_UPLOAD,
        },
    ),
}

_HISTORY = [
    {"status": "PENDING_UPLOAD", "at": "2026-12-02T05:25:17.618Z"},
    {"status": "PROCESSING", "at": "2026-12-02T05:25:17.647Z"},
]

JOB = {
    "completed": example(
        "A finished job: variants, analysis and the webhook delivery",
        {
            "jobId": JOB_ID,
            "status": "COMPLETED",
            "contentType": "image/jpeg",
            "contentLength": 582737,
            "createdAt": "2026-12-02T05:25:17.618Z",
            "updatedAt": "2026-12-02T05:25:19.615Z",
            "statusHistory": [*_HISTORY, {"status": "COMPLETED", "at": "2026-12-02T05:25:19.615Z"}],
            "error": None,
            "analysis": {
                "provider": "ondevice",
                "width": 3000,
                "height": 4000,
                "sourceFormat": "image/jpeg",
                "orientation": 6,
                "placeholder": {"thumbhash": "3FgKJRJviZd2V3jIeJend0+D8ce3"},
                "capturedAt": "2026-12-01T09:30:00+00:00",
                "camera": {"make": "Apple", "model": "iPhone 15 Pro"},
                "dominantColors": ["#1d0d5f", "#5d0f5f", "#e21360"],
                "perceptualHash": "6dd7d5d7deab8f4f",
                "sharpness": 1947.55,
                "brightness": 0.4369,
                "hasAlpha": False,
                "faces": [
                    {"box": {"left": 0.1915, "top": 0.7116, "width": 0.0749, "height": 0.0561}, "confidence": 88}
                ],
                "moderation": [],
                "smartCrop": {"focus": "faces", "box": {"left": 0.0, "top": 0.4762, "width": 1.0, "height": 0.75}},
                "text": [
                    {
                        "text": "PHOTOPIPE",
                        "confidence": 99.9,
                        "box": {"left": 0.0885, "top": 0.0586, "width": 0.3507, "height": 0.0443},
                    }
                ],
            },
            "outputs": [
                {
                    "name": "thumbnail",
                    "url": f"{RESULTS}/thumbnail.jpg{SIGNED}",
                    "width": 192,
                    "height": 256,
                    "contentType": "image/jpeg",
                    "bytes": 8365,
                },
                {
                    "name": "medium",
                    "url": f"{RESULTS}/medium.jpg{SIGNED}",
                    "width": 768,
                    "height": 1024,
                    "contentType": "image/jpeg",
                    "bytes": 57586,
                },
            ],
            "notifications": [
                {
                    "deviceId": "dev_34380bddfe40292bc70e93b8",
                    "platform": "webhook",
                    "status": "DELIVERED",
                    "simulated": False,
                    "attemptedAt": "2026-12-02T05:25:20.884Z",
                }
            ],
            "processingMs": 1894,
            "attempts": 1,
        },
    ),
    "failed": example(
        "A photo the worker refused: error.code says why, and nothing is retried",
        {
            "jobId": "0b8f4c2e9a7d4e1f8c3b5a6d7e8f9012",
            "status": "FAILED",
            "contentType": "image/jpeg",
            "contentLength": 1048576,
            "createdAt": "2026-12-02T05:30:00.000Z",
            "updatedAt": "2026-12-02T05:30:00.412Z",
            "statusHistory": [
                {"status": "PENDING_UPLOAD", "at": "2026-12-02T05:30:00.000Z"},
                {"status": "PROCESSING", "at": "2026-12-02T05:30:00.120Z"},
                {"status": "FAILED", "at": "2026-12-02T05:30:00.412Z"},
            ],
            "error": {
                "code": "TRUNCATED_IMAGE",
                "message": "The image data is incomplete or corrupt: image file is truncated",
            },
            "analysis": None,
            "outputs": [],
            "notifications": [],
            "processingMs": 292,
            "attempts": 1,
        },
    ),
}

JOB_LIST = {
    "page": example(
        "The newest jobs first; pass nextCursor as cursor for the next page",
        {
            "jobs": [
                {
                    "jobId": JOB_ID,
                    "status": "COMPLETED",
                    "createdAt": "2026-12-02T05:25:17.618Z",
                    "updatedAt": "2026-12-02T05:25:19.615Z",
                    "error": None,
                }
            ],
            "nextCursor": "eyJwayI6IlVTRVIjdXNlci00MiJ9",
        },
    )
}

EDIT_ID = "019ae0f3c5a13f9d2c41"
EDIT_DELIVERY = f"https://d111111abcdef8.cloudfront.net/{JOB_ID}~{EDIT_ID}/1796515200/GFqPDK1im2zCBvl3jF9VGYDDA106w116"

CREATE_EDIT_REQUEST = {
    "cutout": example(
        "The subject cut out on a transparent background (the default sizes, in PNG)",
        {"edits": [{"op": "removeBackground"}]},
    ),
    "share": example(
        "Faces pixelated before sharing, as one 1080 px JPEG",
        {
            "edits": [{"op": "redactFaces", "style": "pixelate"}],
            "variants": [{"name": "share", "maxSize": 1080, "format": "jpeg"}],
        },
    ),
}

EDIT_CREATED = {
    "accepted": example(
        "The worker makes it; edit.completed (or edit.failed) follows",
        {"editId": EDIT_ID, "status": "PROCESSING"},
    )
}

EDIT = {
    "completed": example(
        "A finished edit: its outputs are delivery URLs of its own",
        {
            "editId": EDIT_ID,
            "status": "COMPLETED",
            "error": None,
            "edits": [{"op": "removeBackground"}],
            "outputs": [
                {
                    "name": "thumbnail",
                    "url": f"{EDIT_DELIVERY}/w_256,h_256,fit_contain,f_png",
                    "width": 192,
                    "height": 256,
                    "contentType": "image/png",
                    "bytes": 41233,
                }
            ],
            "delivery": {"url": EDIT_DELIVERY, "expiresAt": "2026-12-03T00:00:00.000Z"},
            "createdAt": "2026-12-02T06:01:10.211Z",
            "updatedAt": "2026-12-02T06:01:11.102Z",
            "processingMs": 811,
        },
    )
}

EDIT_LIST = {
    "page": example(
        "The newest edits first; pass nextCursor as cursor for the next page",
        {"edits": [EDIT["completed"]["value"]], "nextCursor": None},
    )
}

REGISTER_DEVICE_REQUEST = {
    "webhook": example(
        "A server of yours, told of every job's end",
        {"platform": "webhook", "url": "https://example.com/hooks/photopipe"},
    ),
    "ios": example("An iPhone's APNs device token", {"platform": "ios", "token": "a1b2c3d4e5f60718293a4b5c6d7e8f90"}),
}

DEVICE_REGISTERED = {
    "webhook": example(
        "signingSecret is shown once: verify deliveries with it (Standard Webhooks)",
        {
            "deviceId": "dev_34380bddfe40292bc70e93b8",
            "platform": "webhook",
            "createdAt": "2026-12-02T05:25:16.400Z",
            "signingSecret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        },
    )
}

DEVICE_LIST = {
    "devices": example(
        "Secrets are never listed",
        {
            "devices": [
                {
                    "deviceId": "dev_34380bddfe40292bc70e93b8",
                    "platform": "webhook",
                    "createdAt": "2026-12-02T05:25:16.400Z",
                }
            ]
        },
    )
}

HEALTH = {
    "ok": example("The stack answers; build names the code deployed", {"status": "ok", "build": "9c1e04b7a2d35f68"})
}


def error(code: str, message: str) -> Example:
    return example(code, {"error": {"code": code, "message": message}})


ERRORS: dict[int, dict[str, Example]] = {
    400: {
        "invalid": error(
            "INVALID_REQUEST", "Invalid request: contentLength: Input should be greater than or equal to 1"
        ),
        "incomplete": error(
            "UPLOAD_INCOMPLETE",
            "The upload is incomplete: parts 4, 5 are not uploaded or not listed. GET /v1/jobs/{jobId}/upload "
            "says what S3 holds.",
        ),
    },
    401: {"unauthorized": error("UNAUTHORIZED", "Unauthorized: missing bearer token.")},
    404: {"notFound": error("NOT_FOUND", f"Job {JOB_ID} not found.")},
    409: {
        "conflict": error("CONFLICT", "A request with this Idempotency-Key is in progress."),
        "deviceLimit": error("DEVICE_LIMIT_REACHED", "A user may register at most 20 devices; remove one first."),
        "slotExpired": error(
            "UPLOAD_SLOT_EXPIRED", f"Job {JOB_ID} already has its upload (PROCESSING); its upload URL is not renewed."
        ),
        "notReady": error("JOB_NOT_READY", f"Job {JOB_ID} is PROCESSING; edits are asked of a COMPLETED job."),
    },
    413: {"tooLarge": error("PAYLOAD_TOO_LARGE", "contentLength 73400320 exceeds the limit of 52428800 bytes.")},
    415: {
        "unsupported": error(
            "UNSUPPORTED_MEDIA_TYPE",
            "contentType 'image/bmp' is not supported; use one of image/jpeg, image/png, image/webp, image/heic, "
            "image/heif, image/avif",
        )
    },
    422: {"reused": error("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with a different body.")},
    429: {
        "rateLimited": error("RATE_LIMITED", "At most 120 jobs a minute may be created; retry after 17 s."),
        "quotaExceeded": error(
            "QUOTA_EXCEEDED",
            "Uploads of 52428800 more bytes would pass the daily 5368709120 bytes per user (UTC day); "
            "retry after 3600 s.",
        ),
    },
}

WEBHOOK = {
    "completed": example(
        "job.completed",
        {
            "type": "job.completed",
            "timestamp": "2026-12-02T05:25:19.615Z",
            "data": {
                "eventType": "JobCompleted",
                "jobId": JOB_ID,
                "userId": "user-42",
                "status": "COMPLETED",
                "occurredAt": "2026-12-02T05:25:19.615Z",
                "outputs": ["thumbnail", "medium", "large"],
                "placeholder": {"thumbhash": "3FgKJRJviZd2V3jIeJend0+D8ce3"},
            },
        },
    ),
    "failed": example(
        "job.failed",
        {
            "type": "job.failed",
            "timestamp": "2026-12-02T05:30:00.412Z",
            "data": {
                "eventType": "JobFailed",
                "jobId": "0b8f4c2e9a7d4e1f8c3b5a6d7e8f9012",
                "userId": "user-42",
                "status": "FAILED",
                "occurredAt": "2026-12-02T05:30:00.412Z",
                "outputs": [],
                "errorCode": "TRUNCATED_IMAGE",
            },
        },
    ),
    "editCompleted": example(
        "edit.completed",
        {
            "type": "edit.completed",
            "timestamp": "2026-12-02T06:01:11.102Z",
            "data": {
                "eventType": "EditCompleted",
                "jobId": JOB_ID,
                "editId": EDIT_ID,
                "userId": "user-42",
                "status": "COMPLETED",
                "occurredAt": "2026-12-02T06:01:11.102Z",
                "outputs": ["thumbnail", "medium", "large"],
            },
        },
    ),
    "editFailed": example(
        "edit.failed",
        {
            "type": "edit.failed",
            "timestamp": "2026-12-02T06:02:40.530Z",
            "data": {
                "eventType": "EditFailed",
                "jobId": JOB_ID,
                "editId": "019ae0f52b7e1c0a9d3f",
                "userId": "user-42",
                "status": "FAILED",
                "occurredAt": "2026-12-02T06:02:40.530Z",
                "outputs": [],
                "errorCode": "INVALID_EDIT",
            },
        },
    ),
}
