output "secret_parameter_name" {
  description = "The SSM parameter holding the HS256 dev-token secret."
  value       = aws_ssm_parameter.auth_secret.name
}

output "issuer" {
  description = "The Cognito issuer URL the api verifies tokens against (empty without Cognito)."
  value       = var.auth_mode == "cognito" ? "https://${aws_cognito_user_pool.users[0].endpoint}" : ""
}

output "user_pool_id" {
  value = var.auth_mode == "cognito" ? aws_cognito_user_pool.users[0].id : null
}

output "client_id" {
  value = var.auth_mode == "cognito" ? aws_cognito_user_pool_client.mobile[0].id : null
}

output "secret_parameter_arn" {
  value = aws_ssm_parameter.auth_secret.arn
}

output "self_sign_up_allowed" {
  value = var.auth_mode == "cognito" ? !aws_cognito_user_pool.users[0].admin_create_user_config[0].allow_admin_create_user_only : null
}
