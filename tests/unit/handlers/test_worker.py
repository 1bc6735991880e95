from __future__ import annotations

import json

from photopipe.handlers.worker import uploads_in
from tests.support.events import s3_notification


def notification(key: str, size: int = 10) -> str:
    return s3_notification("uploads", key, size, "abc")


def test_keys_are_url_decoded() -> None:
    (upload,) = uploads_in(notification("incoming/user%40example.com/job+1/original"))
    assert upload.key == "incoming/user@example.com/job 1/original"
    assert (upload.bucket, upload.size, upload.etag) == ("uploads", 10, "abc")


def test_s3_test_events_and_garbage_are_dropped() -> None:
    assert uploads_in(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "uploads"})) == []
    assert uploads_in("not json") == []
    assert uploads_in(json.dumps({"Records": [{"nope": 1}]})) == []
    for garbage in ([1, 2], {"Records": "x"}, {"Records": [{"s3": {"bucket": {"name": "b"}}}]}, {"Records": [None]}):
        assert uploads_in(json.dumps(garbage)) == [], garbage
