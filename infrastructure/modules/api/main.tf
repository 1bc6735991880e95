# REST API: every path goes to the api function through a Lambda proxy integration; routing,
# validation and auth happen in the function (one contract, the same on emulators and AWS).

resource "aws_api_gateway_rest_api" "this" {
  name = "${var.name_prefix}-api"
  endpoint_configuration {
    types = ["REGIONAL"]
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_resource" "proxy" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = "{proxy+}"
}

resource "aws_api_gateway_method" "proxy" {
  #checkov:skip=CKV_AWS_59:bearer JWTs are verified in the api function for every route but /v1/health
  #checkov:skip=CKV2_AWS_53:requests are validated in the api function against the same pydantic models that generate the OpenAPI document
  rest_api_id   = aws_api_gateway_rest_api.this.id
  resource_id   = aws_api_gateway_resource.proxy.id
  http_method   = "ANY"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "proxy" {
  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = aws_api_gateway_resource.proxy.id
  http_method             = aws_api_gateway_method.proxy.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = var.function_invoke_arn
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.proxy.id,
      aws_api_gateway_method.proxy.id,
      aws_api_gateway_integration.proxy.id,
      aws_api_gateway_integration.proxy.uri,
    ]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV2_AWS_4:logging_level = ERROR is set for every method by aws_api_gateway_method_settings.all
  #checkov:skip=CKV_AWS_73:X-Ray follows var.tracing_enabled (off by default: it costs money)
  #checkov:skip=CKV_AWS_120:responses are per-user and authenticated: they must not be cached
  #checkov:skip=CKV2_AWS_51:mobile clients authenticate with bearer JWTs, not client certificates
  #checkov:skip=CKV2_AWS_29:the web ACL is associated from the root's waf module (on AWS by default: var.api_waf_rate_limit); checkov cannot follow it across modules
  rest_api_id   = aws_api_gateway_rest_api.this.id
  deployment_id = aws_api_gateway_deployment.this.id
  stage_name    = var.stage_name

  # One JSON line per request; no Authorization header, no query string (cursors), no body.
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId      = "$context.requestId"
      ip             = "$context.identity.sourceIp"
      requestTime    = "$context.requestTime"
      httpMethod     = "$context.httpMethod"
      resourcePath   = "$context.resourcePath"
      status         = "$context.status"
      responseLength = "$context.responseLength"
      latencyMs      = "$context.responseLatency"
      integrationMs  = "$context.integrationLatency"
    })
  }

  depends_on = [aws_api_gateway_account.this, aws_cloudwatch_log_group.execution]
}

resource "aws_cloudwatch_log_group" "access" {
  #checkov:skip=CKV_AWS_338:retention is var.log_retention_days (env/aws.tfvars: 30 days); a year is the operator's call, not a default
  #checkov:skip=CKV_AWS_158:access logs carry no tokens or query strings; CloudWatch encrypts at rest with its own key
  name              = "/aws/apigateway/${var.name_prefix}-api-access"
  retention_in_days = var.log_retention_days
}

# API Gateway writes access logs through an account-wide role. Managed here so a fresh
# account works; set manage_account_logging_role = false where another stack owns it.
locals {
  apigateway_assume_role_policy = {
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "apigateway.amazonaws.com" }
    }]
  }
}

resource "aws_iam_role" "cloudwatch" {
  count              = var.manage_account_logging_role ? 1 : 0
  name               = "${var.name_prefix}-apigateway-cloudwatch"
  assume_role_policy = jsonencode(local.apigateway_assume_role_policy)
}

resource "aws_iam_role_policy_attachment" "cloudwatch" {
  count      = var.manage_account_logging_role ? 1 : 0
  role       = aws_iam_role.cloudwatch[0].name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  count               = var.manage_account_logging_role ? 1 : 0
  cloudwatch_role_arn = aws_iam_role.cloudwatch[0].arn
  depends_on          = [aws_iam_role_policy_attachment.cloudwatch]
}

resource "aws_api_gateway_method_settings" "all" {
  #checkov:skip=CKV_AWS_225:responses are per-user and authenticated: they must not be cached
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"
  settings {
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
    logging_level          = "ERROR"
  }
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowApiGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/*/*"
}

# API Gateway writes execution logs (logging_level = ERROR) to this group: created here so it
# has a retention, instead of appearing on first error with none.
resource "aws_cloudwatch_log_group" "execution" {
  #checkov:skip=CKV_AWS_338:retention is var.log_retention_days (env/aws.tfvars: 30 days); a year is the operator's call, not a default
  #checkov:skip=CKV_AWS_158:execution logs at ERROR level carry no tokens; CloudWatch encrypts at rest with its own key
  name              = "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.this.id}/${var.stage_name}"
  retention_in_days = var.log_retention_days
}
