output "job_events_topic_arn" {
  description = "ARN of the job-events topic."
  value       = aws_sns_topic.job_events.arn
}
