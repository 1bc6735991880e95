output "alarm_names" {
  description = "Names of the alarms."
  value = concat(
    [for alarm in aws_cloudwatch_metric_alarm.dlq_depth : alarm.alarm_name],
    [aws_cloudwatch_metric_alarm.worker_errors.alarm_name, aws_cloudwatch_metric_alarm.api_5xx.alarm_name,
    aws_cloudwatch_metric_alarm.oldest_job.alarm_name],
  )
}

output "alarm_topic_arn" {
  description = "Topic the alarms publish to."
  value       = aws_sns_topic.alarms.arn
}
