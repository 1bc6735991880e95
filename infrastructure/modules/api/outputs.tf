output "rest_api_id" {
  description = "ID of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "stage_name" {
  description = "Name of the stage."
  value       = aws_api_gateway_stage.this.stage_name
}

output "invoke_url" {
  description = "Invoke URL of the stage on AWS."
  value       = aws_api_gateway_stage.this.invoke_url
}

output "rest_api_name" {
  description = "Name of the REST API."
  value       = aws_api_gateway_rest_api.this.name
}

output "execution_log_retention_days" {
  description = "Retention of API Gateway's execution log group."
  value       = aws_cloudwatch_log_group.execution.retention_in_days
}

output "stage_arn" {
  description = "ARN of the stage (what a WAF web ACL is associated with)."
  value       = aws_api_gateway_stage.this.arn
}
