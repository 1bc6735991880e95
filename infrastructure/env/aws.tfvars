environment         = "aws"
name_prefix         = "photopipe"
aws_region          = "eu-west-1"
lambda_architecture = "arm64"
log_retention_days  = 30
