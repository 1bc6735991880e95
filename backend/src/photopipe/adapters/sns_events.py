"""EventPublisher over the job-events SNS topic, with attributes for subscription filters."""

from __future__ import annotations

import json
from typing import Any

from photopipe.jobs.events import event_for
from photopipe.jobs.model import Job


class SnsEventPublisher:
    def __init__(self, sns: Any, topic_arn: str) -> None:
        self._sns = sns
        self._topic_arn = topic_arn

    def publish_job_event(self, job: Job) -> None:
        event = event_for(job)
        self._sns.publish(
            TopicArn=self._topic_arn,
            Message=json.dumps(event.to_message(), separators=(",", ":")),
            MessageAttributes={
                "eventType": {"DataType": "String", "StringValue": event.event_type.value},
                "status": {"DataType": "String", "StringValue": event.status.value},
            },
        )
