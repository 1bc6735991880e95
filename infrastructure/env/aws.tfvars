environment            = "aws"
name_prefix            = "photopipe"
aws_region             = "eu-west-1"
lambda_architecture    = "arm64"
log_retention_days     = 30
point_in_time_recovery = true
# Opt in to what costs money:
# alarms_enabled = true
# alarm_email    = "ops@example.com"
# tracing_enabled = true
# kms_enabled     = true
# api_reserved_concurrency = 20
# api_usage_plan = { rate_limit = 50, burst_limit = 100, quota_per_day = 100000 }
