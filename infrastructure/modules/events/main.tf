# The job-events topic: the worker publishes one message per terminal transition; the notify
# queue subscribes with raw delivery and a filter on the eventType attribute.

resource "aws_sns_topic" "job_events" {
  name              = "${var.name_prefix}-job-events"
  kms_master_key_id = var.kms_master_key_id
}

# The notify queue's access policy is inline in the queue (modules/queues).
removed {
  from = aws_sqs_queue_policy.notify
  lifecycle {
    destroy = false
  }
}

resource "aws_sns_topic_subscription" "notify" {
  topic_arn            = aws_sns_topic.job_events.arn
  protocol             = "sqs"
  endpoint             = var.notify_queue_arn
  raw_message_delivery = true
  filter_policy = jsonencode({
    eventType = ["JobCompleted", "JobFailed", "EditCompleted", "EditFailed"]
  })
}
