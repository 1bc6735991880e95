# The jobs queue is fed by S3 ObjectCreated events on originals; the notify queue by the
# job-events topic (its subscription lives in the events module). Each has a dead-letter queue.
#
# The AWS provider waits ~25 s after creating a queue or changing a policy on it (six
# consistent reads, five seconds apart), so each resource in a chain of them adds 25 s to a cold
# deploy. Here the chain is two long: each dead-letter queue, then its queue with its access
# policy inline, while the dead-letter queue's redrive-allow policy is set in parallel. That
# takes a queue's ARN before the queue exists: a queue's ARN is its dead-letter queue's with its
# own name (same partition, region and account).

locals {
  jobs_queue_name   = "${var.name_prefix}-jobs"
  notify_queue_name = "${var.name_prefix}-notify"
  jobs_queue_arn    = "${join(":", slice(split(":", aws_sqs_queue.jobs_dlq.arn), 0, 5))}:${local.jobs_queue_name}"
  notify_queue_arn  = "${join(":", slice(split(":", aws_sqs_queue.notify_dlq.arn), 0, 5))}:${local.notify_queue_name}"
  # Four days: past it no message of a job can still wait in the queue (the sweeper relies on it).
  jobs_message_retention_seconds = 345600
}

resource "aws_sqs_queue" "jobs_dlq" {
  name                      = "${var.name_prefix}-jobs-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

locals {
  jobs_queue_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "UploadsBucketSendsObjectCreated"
      Effect    = "Allow"
      Principal = { Service = "s3.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = local.jobs_queue_arn
      # Bucket ARNs carry no account: SourceAccount pins the bucket to this queue's account.
      Condition = {
        ArnEquals    = { "aws:SourceArn" = var.uploads_bucket_arn }
        StringEquals = { "aws:SourceAccount" = split(":", local.jobs_queue_arn)[4] }
      }
    }]
  }
  notify_queue_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "JobEventsTopicSends"
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = local.notify_queue_arn
      Condition = { ArnEquals = { "aws:SourceArn" = var.job_events_topic_arn } }
    }]
  }
}

resource "aws_sqs_queue" "jobs" {
  #checkov:skip=CKV_AWS_72:the only action is sqs:SendMessage (checkov cannot read policies built with jsonencode)
  name                       = local.jobs_queue_name
  visibility_timeout_seconds = var.jobs_visibility_timeout_seconds
  message_retention_seconds  = local.jobs_message_retention_seconds
  sqs_managed_sse_enabled    = true
  policy                     = jsonencode(local.jobs_queue_policy)
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn
    maxReceiveCount     = var.max_receive_count
  })
}

resource "aws_sqs_queue" "notify_dlq" {
  name                      = "${var.name_prefix}-notify-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "notify" {
  #checkov:skip=CKV_AWS_72:the only action is sqs:SendMessage (checkov cannot read policies built with jsonencode)
  name                       = local.notify_queue_name
  visibility_timeout_seconds = var.notify_visibility_timeout_seconds
  message_retention_seconds  = 345600
  sqs_managed_sse_enabled    = true
  policy                     = jsonencode(local.notify_queue_policy)
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.notify_dlq.arn
    maxReceiveCount     = var.max_receive_count
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "jobs_dlq" {
  queue_url = aws_sqs_queue.jobs_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [local.jobs_queue_arn]
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "notify_dlq" {
  queue_url = aws_sqs_queue.notify_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [local.notify_queue_arn]
  })
}

# The access policies were resources of their own until they moved inline: forget them without
# deleting them, since the queues now carry the same policy.
removed {
  from = aws_sqs_queue_policy.jobs
  lifecycle {
    destroy = false
  }
}

resource "aws_s3_bucket_notification" "uploads" {
  bucket = var.uploads_bucket_name
  queue {
    queue_arn     = aws_sqs_queue.jobs.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "incoming/"
    filter_suffix = "/original"
  }
}
