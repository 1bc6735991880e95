from __future__ import annotations

import json
import subprocess
import sys

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from photopipe import wiring
from photopipe.adapters.sqs import EDIT_MESSAGE_KEY
from photopipe.handlers.worker import record_handler, work_in
from photopipe.jobs.work import EditRequested, UploadedObject
from tests.support.events import s3_notification


def notification(key: str, size: int = 10) -> str:
    return s3_notification("uploads", key, size, "abc")


def test_keys_are_url_decoded() -> None:
    (upload,) = work_in(notification("incoming/user%40example.com/job+1/original"))
    assert isinstance(upload, UploadedObject)
    assert upload.key == "incoming/user@example.com/job 1/original"
    assert (upload.bucket, upload.size, upload.etag) == ("uploads", 10, "abc")


def test_s3_test_events_and_garbage_are_dropped() -> None:
    assert work_in(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "uploads"})) == []
    assert work_in("not json") == []
    assert work_in(json.dumps({"Records": [{"nope": 1}]})) == []
    for garbage in ([1, 2], {"Records": "x"}, {"Records": [{"s3": {"bucket": {"name": "b"}}}]}, {"Records": [None]}):
        assert work_in(json.dumps(garbage)) == [], garbage


def test_a_message_with_no_work_starts_no_clients_and_no_render_children(monkeypatch: pytest.MonkeyPatch) -> None:
    # S3 sends a test event when a notification is configured: a cold worker answers it without
    # the SDK's clients or its render children, which only a photo needs.
    def no_service(*_: object) -> None:
        raise AssertionError("the processing service was built for a message with no work")

    monkeypatch.setattr(wiring, "processing_service", no_service)
    body = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "uploads"})
    record_handler(SQSRecord({"messageId": "m", "body": body, "attributes": {"ApproximateReceiveCount": "1"}}))


def test_an_edit_message_names_the_edit_record() -> None:
    assert work_in(json.dumps({EDIT_MESSAGE_KEY: "job1~019ae0f3c5a13f9d2c41"})) == [
        EditRequested("job1~019ae0f3c5a13f9d2c41")
    ]
    assert work_in(json.dumps({EDIT_MESSAGE_KEY: 7})) == []


def test_the_worker_process_loads_no_image_library() -> None:
    # Its photos render in children (adapters/render_children.py): the worker's own process only
    # moves bytes and states, so its cold start does not pay for Pillow or libvips; the children
    # import them while they wait for their first photo.
    probe = (
        "import sys; from photopipe.handlers import worker; from photopipe.jobs import processing; "
        "from photopipe.adapters import render_children; "
        "print(sorted(m for m in ('PIL', 'pillow_heif', 'pyvips', 'numpy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)  # noqa: S603

    assert done.stdout.strip() == "[]", done.stdout
