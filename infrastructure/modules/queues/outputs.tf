output "jobs_queue_arn" {
  description = "ARN of the jobs queue."
  value       = aws_sqs_queue.jobs.arn
}

output "jobs_queue_url" {
  description = "URL of the jobs queue."
  value       = aws_sqs_queue.jobs.id
}

output "jobs_dlq_url" {
  description = "URL of the jobs dead-letter queue."
  value       = aws_sqs_queue.jobs_dlq.id
}

output "jobs_dlq_arn" {
  description = "ARN of the jobs dead-letter queue."
  value       = aws_sqs_queue.jobs_dlq.arn
}

output "notify_queue_arn" {
  description = "ARN of the notify queue."
  value       = aws_sqs_queue.notify.arn
}

output "notify_queue_url" {
  description = "URL of the notify queue."
  value       = aws_sqs_queue.notify.id
}

output "notify_dlq_url" {
  description = "URL of the notify dead-letter queue."
  value       = aws_sqs_queue.notify_dlq.id
}

output "notify_dlq_arn" {
  description = "ARN of the notify dead-letter queue."
  value       = aws_sqs_queue.notify_dlq.arn
}

output "jobs_queue_name" {
  description = "Name of the jobs queue (known before it exists)."
  value       = local.jobs_queue_name
}

output "jobs_dlq_name" {
  description = "Name of the jobs dead-letter queue."
  value       = aws_sqs_queue.jobs_dlq.name
}

output "notify_dlq_name" {
  description = "Name of the notify dead-letter queue."
  value       = aws_sqs_queue.notify_dlq.name
}

output "jobs_redrive_policy" {
  description = "The jobs queue's redrive policy, decoded."
  value       = jsondecode(aws_sqs_queue.jobs.redrive_policy)
}

output "notify_redrive_policy" {
  description = "The notify queue's redrive policy, decoded."
  value       = jsondecode(aws_sqs_queue.notify.redrive_policy)
}

output "jobs_message_retention_seconds" {
  description = "How long a message may wait in the jobs queue before SQS drops it."
  value       = local.jobs_message_retention_seconds
}

output "jobs_visibility_timeout_seconds" {
  description = "Visibility timeout of the jobs queue."
  value       = var.jobs_visibility_timeout_seconds
}

# IAM statements may name a queue before it exists: granting by these ARNs, known once the
# dead-letter queues exist, lets the functions be created while the queues are (each one costs
# ~25 s of provider waits). Whatever needs the queue itself (event source mappings,
# subscriptions) uses jobs_queue_arn / notify_queue_arn.
output "jobs_queue_arn_for_grants" {
  description = "ARN of the jobs queue, computed before it exists: for IAM statements."
  value       = local.jobs_queue_arn
}

output "notify_queue_arn_for_grants" {
  description = "ARN of the notify queue, computed before it exists: for IAM statements."
  value       = local.notify_queue_arn
}

output "jobs_queue_policy_condition" {
  description = "Condition of the jobs queue's only statement: who may send uploads' events."
  value       = local.jobs_queue_policy.Statement[0].Condition
}
