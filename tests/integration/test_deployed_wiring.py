"""What Terraform deployed, read back from the emulator: the parts whose values the
configuration computes before the resources exist (modules/queues computes each queue's ARN
from its dead-letter queue's, so the chain of provider waits stays short)."""

from __future__ import annotations

import json

import pytest

from devkit.stack import Stack


@pytest.mark.parametrize(("queue", "dlq"), [("jobs_queue_url", "jobs_dlq_url"), ("notify_queue_url", "notify_dlq_url")])
def test_each_queue_policy_and_redrive_allow_name_the_real_queue(stack: Stack, queue: str, dlq: str) -> None:
    sqs = stack.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=stack[queue], AttributeNames=["All"])["Attributes"]
    (statement,) = json.loads(attributes["Policy"])["Statement"]
    assert statement["Resource"] == attributes["QueueArn"]
    assert statement["Action"] == "sqs:SendMessage"
    allow = sqs.get_queue_attributes(QueueUrl=stack[dlq], AttributeNames=["RedriveAllowPolicy"])["Attributes"]
    assert json.loads(allow["RedriveAllowPolicy"]) == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [attributes["QueueArn"]],
    }
