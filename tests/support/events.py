"""S3 event notifications as S3 sends them, for tests that deliver one themselves."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


def s3_notification(bucket: str, key: str, size: int, etag: str = "etag") -> str:
    """The SQS message body of an ObjectCreated:Put notification (key URL-encoded by the caller)."""
    return json.dumps(
        {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": "us-east-1",
                    "eventTime": "2026-01-01T00:00:00.000Z",
                    "eventName": "ObjectCreated:Put",
                    "userIdentity": {"principalId": "AWS:EXAMPLE"},
                    "requestParameters": {"sourceIPAddress": "10.0.0.1"},
                    "responseElements": {"x-amz-request-id": "r", "x-amz-id-2": "i"},
                    "s3": {
                        "s3SchemaVersion": "1.0",
                        "configurationId": "c",
                        "bucket": {
                            "name": bucket,
                            "ownerIdentity": {"principalId": "X"},
                            "arn": f"arn:aws:s3:::{bucket}",
                        },
                        "object": {"key": key, "size": size, "eTag": etag, "sequencer": "0A"},
                    },
                }
            ]
        }
    )


@dataclass
class Context:
    remaining_ms: int
    function_name: str = "photopipe-worker"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:photopipe-worker"
    aws_request_id: str = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def sqs_event(key: str, receive_count: int = 1, size: int = 100) -> dict[str, Any]:
    """A jobs-queue batch of one record: the S3 notification of `key`, received so many times."""
    return {
        "Records": [
            {
                "messageId": "m-1",
                "receiptHandle": "r-1",
                "eventSource": "aws:sqs",
                "awsRegion": "us-east-1",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:photopipe-jobs",
                "body": s3_notification("uploads", key, size),
                "attributes": {
                    "ApproximateReceiveCount": str(receive_count),
                    "SentTimestamp": "1",
                    "SenderId": "x",
                    "ApproximateFirstReceiveTimestamp": "1",
                },
                "messageAttributes": {},
                "md5OfBody": "x",
            }
        ]
    }
