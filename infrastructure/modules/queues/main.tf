# The jobs queue is fed by S3 ObjectCreated events on originals; the notify queue by the
# job-events topic (its subscription lives in the events module). Each has a dead-letter queue.

resource "aws_sqs_queue" "jobs_dlq" {
  name                      = "${var.name_prefix}-jobs-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "jobs" {
  name                       = "${var.name_prefix}-jobs"
  visibility_timeout_seconds = var.jobs_visibility_timeout_seconds
  message_retention_seconds  = 345600
  sqs_managed_sse_enabled    = true
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
  name                       = "${var.name_prefix}-notify"
  visibility_timeout_seconds = var.notify_visibility_timeout_seconds
  message_retention_seconds  = 345600
  sqs_managed_sse_enabled    = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.notify_dlq.arn
    maxReceiveCount     = var.max_receive_count
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "jobs_dlq" {
  queue_url = aws_sqs_queue.jobs_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.jobs.arn]
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "notify_dlq" {
  queue_url = aws_sqs_queue.notify_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.notify.arn]
  })
}

locals {
  jobs_queue_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "UploadsBucketSendsObjectCreated"
      Effect    = "Allow"
      Principal = { Service = "s3.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.jobs.arn
      # Bucket ARNs carry no account: SourceAccount pins the bucket to this queue's account.
      Condition = {
        ArnEquals    = { "aws:SourceArn" = var.uploads_bucket_arn }
        StringEquals = { "aws:SourceAccount" = split(":", aws_sqs_queue.jobs.arn)[4] }
      }
    }]
  }
}

resource "aws_sqs_queue_policy" "jobs" {
  #checkov:skip=CKV_AWS_72:the only action is sqs:SendMessage (checkov cannot read policies built with jsonencode)
  queue_url = aws_sqs_queue.jobs.id
  policy    = jsonencode(local.jobs_queue_policy)
}

resource "aws_s3_bucket_notification" "uploads" {
  bucket = var.uploads_bucket_name
  queue {
    queue_arn     = aws_sqs_queue.jobs.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "incoming/"
    filter_suffix = "/original"
  }
  depends_on = [aws_sqs_queue_policy.jobs]
}
