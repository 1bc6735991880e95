# The job-events topic: the worker publishes one message per terminal transition; the notify
# queue subscribes with raw delivery and a filter on the eventType attribute.

resource "aws_sns_topic" "job_events" {
  name              = "${var.name_prefix}-job-events"
  kms_master_key_id = var.kms_master_key_id
}

locals {
  notify_queue_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "JobEventsTopicSends"
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = var.notify_queue_arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.job_events.arn } }
    }]
  }
}

resource "aws_sqs_queue_policy" "notify" {
  #checkov:skip=CKV_AWS_72:the only action is sqs:SendMessage (checkov cannot read policies built with jsonencode)
  queue_url = var.notify_queue_url
  policy    = jsonencode(local.notify_queue_policy)
}

resource "aws_sns_topic_subscription" "notify" {
  topic_arn            = aws_sns_topic.job_events.arn
  protocol             = "sqs"
  endpoint             = var.notify_queue_arn
  raw_message_delivery = true
  filter_policy = jsonencode({
    eventType = ["JobCompleted", "JobFailed"]
  })
  depends_on = [aws_sqs_queue_policy.notify]
}
