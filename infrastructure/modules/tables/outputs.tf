output "jobs_table_name" {
  description = "Name of the jobs table."
  value       = aws_dynamodb_table.jobs.name
}

output "jobs_table_arn" {
  description = "ARN of the jobs table."
  value       = aws_dynamodb_table.jobs.arn
}

output "devices_table_name" {
  description = "Name of the devices table."
  value       = aws_dynamodb_table.devices.name
}

output "devices_table_arn" {
  description = "ARN of the devices table."
  value       = aws_dynamodb_table.devices.arn
}

output "deliveries_table_name" {
  description = "Name of the delivery ledger table."
  value       = aws_dynamodb_table.deliveries.name
}

output "deliveries_table_arn" {
  description = "ARN of the delivery ledger table."
  value       = aws_dynamodb_table.deliveries.arn
}

output "idempotency_table_name" {
  description = "Name of the idempotency table."
  value       = aws_dynamodb_table.idempotency.name
}

output "idempotency_table_arn" {
  description = "ARN of the idempotency table."
  value       = aws_dynamodb_table.idempotency.arn
}

output "limits_table_name" {
  value = aws_dynamodb_table.limits.name
}

output "limits_table_arn" {
  value = aws_dynamodb_table.limits.arn
}
