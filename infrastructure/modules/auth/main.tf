# Who may call the API: the HS256 dev-token secret (generated at deploy time, never in the repo)
# and, for production sign-in, a Cognito user pool whose RS256 tokens the api verifies (JWKS).

data "aws_secretsmanager_random_password" "auth_secret" {
  password_length     = 48
  exclude_punctuation = true
}

resource "aws_ssm_parameter" "auth_secret" {
  #checkov:skip=CKV_AWS_337:SecureString under the AWS-managed aws/ssm key; a dev-token secret, replaced by Cognito in production
  name        = "/${var.name_prefix}/auth/hs256-secret"
  description = "HS256 secret the api function verifies bearer tokens with."
  type        = "SecureString"
  value       = data.aws_secretsmanager_random_password.auth_secret.random_password
  lifecycle {
    # Generated once; a later plan reads a new random value that must not rotate the secret.
    ignore_changes = [value]
  }
}

resource "aws_cognito_user_pool" "users" {
  count                    = var.auth_mode == "cognito" ? 1 : 0
  name                     = "${var.name_prefix}-users"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = "OPTIONAL"
  deletion_protection      = "ACTIVE"

  # Anyone may sign up only when asked for: an open pool lets anyone mint accounts, and so tokens.
  admin_create_user_config {
    allow_admin_create_user_only = !var.self_sign_up
  }

  software_token_mfa_configuration {
    enabled = true
  }

  password_policy {
    minimum_length    = 12
    require_lowercase = true
    require_uppercase = true
    require_numbers   = true
    require_symbols   = false
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }
}

resource "aws_cognito_user_pool_client" "mobile" {
  count                         = var.auth_mode == "cognito" ? 1 : 0
  name                          = "${var.name_prefix}-mobile"
  user_pool_id                  = aws_cognito_user_pool.users[0].id
  generate_secret               = false # a mobile app cannot keep one
  explicit_auth_flows           = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  access_token_validity         = 1
  id_token_validity             = 1
  refresh_token_validity        = 30
  token_validity_units {
    access_token  = "hours"
    id_token      = "hours"
    refresh_token = "days"
  }
}
