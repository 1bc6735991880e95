output "job_events_topic_arn" {
  description = "ARN of the job-events topic."
  value       = aws_sns_topic.job_events.arn
}

output "job_events_topic_kms_key" {
  description = "KMS key encrypting the job-events topic; null for SNS's default encryption at rest."
  value       = aws_sns_topic.job_events.kms_master_key_id
}
