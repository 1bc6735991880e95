# One Lambda function with its own role (least privilege: its log group plus the statements
# the caller grants), its log group and, optionally, an SQS event source mapping.

locals {
  function_name = "${var.name_prefix}-${var.name}"
}

# Policies are built with jsonencode rather than aws_iam_policy_document so their content is
# known at plan time: the offline `terraform test` suite asserts on it under a mocked provider.
locals {
  assume_role_policy = {
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  }

  policy = {
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid      = "OwnLogGroup"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
      }],
      [for sid, statement in var.policy_statements : {
        Sid      = sid
        Effect   = "Allow"
        Action   = statement.actions
        Resource = statement.resources
      }],
      # X-Ray accepts no resource-level permissions: "*" is what the service requires.
      var.tracing_enabled ? [{
        Sid      = "XRayWrite"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = ["*"]
      }] : [],
    )
  }
}

resource "aws_iam_role" "this" {
  name               = "${local.function_name}-role"
  assume_role_policy = jsonencode(local.assume_role_policy)
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:retention is var.log_retention_days (env/aws.tfvars: 30 days); a year is the operator's call, not a default
  #checkov:skip=CKV_AWS_158:logs carry no tokens or presigned URLs; CloudWatch encrypts at rest with its own key
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
}

resource "aws_iam_role_policy" "this" {
  name   = "${local.function_name}-policy"
  role   = aws_iam_role.this.id
  policy = jsonencode(local.policy)
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:invoked synchronously (API) or by SQS event source mappings, whose queues have DLQs; an async-invoke DLQ would never fire
  #checkov:skip=CKV_AWS_117:no VPC resources to reach; a VPC would add NAT cost and cold-start time
  #checkov:skip=CKV_AWS_272:code signing needs an AWS Signer profile; the zips are built reproducibly in CI instead
  #checkov:skip=CKV_AWS_173:the environment holds resource names only; secrets live in SSM and Secrets Manager
  function_name    = local.function_name
  role             = aws_iam_role.this.arn
  runtime          = "python3.12"
  handler          = var.handler
  architectures    = [var.architecture]
  filename         = var.zip_path
  source_code_hash = filebase64sha256(var.zip_path)
  layers           = var.layer_arns
  memory_size      = var.memory_mb
  timeout          = var.timeout_seconds

  environment {
    variables = var.environment_variables
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tracing_config {
    mode = var.tracing_enabled ? "Active" : "PassThrough"
  }

  reserved_concurrent_executions = var.reserved_concurrency

  depends_on = [aws_iam_role_policy.this]
}

resource "aws_lambda_event_source_mapping" "sqs" {
  # Null-ness of the object is known at plan time even while the queue ARN is not.
  count                              = var.sqs_trigger == null ? 0 : 1
  event_source_arn                   = var.sqs_trigger.queue_arn
  function_name                      = aws_lambda_function.this.arn
  batch_size                         = var.sqs_trigger.batch_size
  maximum_batching_window_in_seconds = var.sqs_trigger.batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]

  dynamic "scaling_config" {
    for_each = var.sqs_trigger.maximum_concurrency == null ? [] : [var.sqs_trigger.maximum_concurrency]
    content {
      maximum_concurrency = scaling_config.value
    }
  }
}
