output "alarm_names" {
  description = "Names of the alarms."
  value       = [for alarm in aws_cloudwatch_metric_alarm.this : alarm.alarm_name]
}

output "alarm_topic_arn" {
  description = "Topic the alarms publish to."
  value       = aws_sns_topic.alarms.arn
}
