environment            = "aws"
name_prefix            = "photopipe"
aws_region             = "eu-west-1"
lambda_architecture    = "arm64"
log_retention_days     = 30
point_in_time_recovery = true
# Production sign-in: RS256 tokens of the stack's Cognito user pool. (hs256 dev tokens are
# refused at plan on AWS unless allow_dev_tokens_on_aws = true.)
auth_mode = "cognito"
# The web app's origins, if it uploads from a browser:
# cors_allowed_origins = ["https://app.example.com"]
# Opt in to what costs money:
# alarms_enabled = true
# alarm_email    = "ops@example.com"
# tracing_enabled = true
# kms_enabled     = true
# api_throttle = { rate_limit = 50, burst_limit = 100 }
# Bounds on one tenant (null or left out: these defaults on AWS; see variables.tf):
max_receive_count               = 5
worker_max_concurrent_batches   = 10
notifier_max_concurrent_batches = 5
# A WAF web ACL on the API stage: requests per client address per five minutes (0: none).
api_waf_rate_limit = 3000
# Reserved concurrency for the api keeps its slots when the worker is busy, but setting any fails
# on an account with fewer than 100 unreserved executions, as new accounts have: raise the
# account's quota first, then set it.
# api_reserved_concurrency = 20
