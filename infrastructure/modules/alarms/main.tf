# CloudWatch alarms for the things an operator must hear about, optionally e-mailed.

resource "aws_sns_topic" "alarms" {
  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = var.kms_key_id
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == null ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  # One entry per alarm: what an operator must hear about.
  alarms = {
    jobs-dlq-not-empty = {
      description = "Messages reached ${var.jobs_dlq_name}: redrive with `make redrive QUEUE=jobs` once the cause is fixed."
      namespace   = "AWS/SQS", metric = "ApproximateNumberOfMessagesVisible", statistic = "Maximum"
      dimensions  = { QueueName = var.jobs_dlq_name }, period = 60, periods = 1, threshold = 0
    }
    notify-dlq-not-empty = {
      description = "Messages reached ${var.notify_dlq_name}: redrive with `make redrive QUEUE=notify` once the cause is fixed."
      namespace   = "AWS/SQS", metric = "ApproximateNumberOfMessagesVisible", statistic = "Maximum"
      dimensions  = { QueueName = var.notify_dlq_name }, period = 60, periods = 1, threshold = 0
    }
    worker-errors = {
      description = "The worker function raised (transient faults being retried, or a bug)."
      namespace   = "AWS/Lambda", metric = "Errors", statistic = "Sum"
      dimensions  = { FunctionName = var.worker_function_name }, period = 300, periods = 1, threshold = 0
    }
    api-5xx = {
      description = "The API answered 5xx: the contract promises 4xx for client errors, so this is a bug or an outage."
      namespace   = "AWS/ApiGateway", metric = "5XXError", statistic = "Sum"
      dimensions  = { ApiName = var.api_name, Stage = var.api_stage_name }, period = 300, periods = 1, threshold = 0
    }
    deployment-faults = {
      description = "The worker's provider refused its credentials or endpoint (AccessDenied, a bad key, no endpoint): jobs are retried, not failed, until the deployment is fixed."
      namespace   = "photopipe", metric = "DeploymentFaults", statistic = "Sum"
      dimensions  = { service = "photopipe-worker" }, period = 300, periods = 1, threshold = 0
    }
    oldest-job-age = {
      description = "Uploads wait in the jobs queue: the worker is failing, throttled or too slow."
      namespace   = "AWS/SQS", metric = "ApproximateAgeOfOldestMessage", statistic = "Maximum"
      dimensions  = { QueueName = var.jobs_queue_name }, period = 60, periods = 5, threshold = var.oldest_job_age_seconds
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each            = local.alarms
  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = each.value.period
  evaluation_periods  = each.value.periods
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
