from __future__ import annotations

import json

from photopipe.handlers.worker import uploads_in


def notification(key: str, size: int = 10) -> str:
    return json.dumps(
        {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": "us-east-1",
                    "eventTime": "2026-01-01T00:00:00.000Z",
                    "eventName": "ObjectCreated:Put",
                    "userIdentity": {"principalId": "AWS:X"},
                    "requestParameters": {"sourceIPAddress": "10.0.0.1"},
                    "responseElements": {"x-amz-request-id": "r", "x-amz-id-2": "i"},
                    "s3": {
                        "s3SchemaVersion": "1.0",
                        "configurationId": "c",
                        "bucket": {
                            "name": "uploads",
                            "ownerIdentity": {"principalId": "X"},
                            "arn": "arn:aws:s3:::uploads",
                        },
                        "object": {"key": key, "size": size, "eTag": "abc", "sequencer": "0A"},
                    },
                }
            ]
        }
    )


def test_keys_are_url_decoded() -> None:
    (upload,) = uploads_in(notification("incoming/user%40example.com/job+1/original"))
    assert upload.key == "incoming/user@example.com/job 1/original"
    assert (upload.bucket, upload.size, upload.etag) == ("uploads", 10, "abc")


def test_s3_test_events_and_garbage_are_dropped() -> None:
    assert uploads_in(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "uploads"})) == []
    assert uploads_in("not json") == []
    assert uploads_in(json.dumps({"Records": [{"nope": 1}]})) == []
