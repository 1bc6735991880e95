output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "invoke_arn" {
  description = "ARN API Gateway uses to invoke the function."
  value       = aws_lambda_function.this.invoke_arn
}

output "role_name" {
  description = "Name of the function's role."
  value       = aws_iam_role.this.name
}

output "policy" {
  description = "The role's inline policy, as an object (asserted on by the terraform tests)."
  value       = local.policy
}

output "log_group_name" {
  description = "The function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "environment_variables" {
  description = "The function's environment (asserted on by the terraform tests)."
  value       = aws_lambda_function.this.environment[0].variables
}

output "layer_arns" {
  description = "The layers the function runs with."
  value       = aws_lambda_function.this.layers
}

output "maximum_concurrency" {
  description = "Concurrent invocations its queue may drive (null: no limit, or no queue)."
  value       = var.sqs_trigger == null ? null : var.sqs_trigger.maximum_concurrency
}
