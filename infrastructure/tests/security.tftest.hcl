# Offline checks of the security-relevant shape of both environments: `make tf-test`.
# The aws provider is mocked: nothing is called, and apply only computes values.

mock_provider "aws" {
  mock_data "aws_secretsmanager_random_password" {
    defaults = { random_password = "mock-secret-for-tests-only-000000000000000000" }
  }

  # The provider validates ARNs even when mocked: give every referenced ARN a valid shape.
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:mock" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:eu-west-1:123456789012:mock", id = "https://sqs.eu-west-1.amazonaws.com/123456789012/mock" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::mock", id = "mock-bucket" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/mock" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/mock" }
  }
  mock_resource "aws_ssm_parameter" {
    defaults = { arn = "arn:aws:ssm:eu-west-1:123456789012:parameter/mock" }
  }
  mock_resource "aws_lambda_layer_version" {
    defaults = { arn = "arn:aws:lambda:eu-west-1:123456789012:layer:mock:1" }
  }
  mock_resource "aws_lambda_function" {
    defaults = {
      arn        = "arn:aws:lambda:eu-west-1:123456789012:function:mock"
      invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:mock/invocations"
    }
  }
  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:eu-west-1:123456789012:rule/mock" }
  }
  mock_resource "aws_sns_platform_application" {
    defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:app/GCM/photopipe-android" }
  }
  mock_resource "aws_lambda_function_url" {
    defaults = { function_url = "https://mockurlid0000000000000000000000.lambda-url.eu-west-1.on.aws/" }
  }
  mock_resource "aws_cloudfront_distribution" {
    defaults = { arn = "arn:aws:cloudfront::123456789012:distribution/EMOCK", domain_name = "dmock.cloudfront.net", id = "EMOCK" }
  }
  mock_resource "aws_cloudfront_function" {
    defaults = { arn = "arn:aws:cloudfront::123456789012:function/photopipe-accept-class" }
  }
  mock_resource "aws_api_gateway_rest_api" {
    defaults = { execution_arn = "arn:aws:execute-api:eu-west-1:123456789012:mockapi" }
  }
  mock_resource "aws_api_gateway_stage" {
    defaults = { arn = "arn:aws:apigateway:eu-west-1::/restapis/mockapi/stages/v1" }
  }
  mock_resource "aws_wafv2_web_acl" {
    defaults = { arn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/photopipe-api/mock" }
  }
}

variables {
  lambda_artifacts_dir = "./tests/fixtures"
}

run "aws_environment" {
  command = apply

  variables {
    environment         = "aws"
    lambda_architecture = "arm64"
    auth_mode           = "cognito"
  }

  assert {
    condition = alltrue([
      for settings in values(module.storage.public_access_blocks) :
      settings.block_public_acls && settings.block_public_policy && settings.ignore_public_acls && settings.restrict_public_buckets
    ])
    error_message = "Every bucket must block all public access."
  }

  assert {
    condition     = alltrue([for algorithm in values(module.storage.encryption_algorithms) : contains(["AES256", "aws:kms"], algorithm)])
    error_message = "Every bucket must be encrypted at rest."
  }

  assert {
    condition = alltrue(flatten([
      for policy in [module.functions["api"].policy, module.functions["worker"].policy, module.functions["notifier"].policy, module.functions["sweeper"].policy, module.delivery_function.policy] : [
        for statement in policy.Statement : [
          for action in statement.Action : action != "*" && !endswith(action, ":*")
        ]
      ]
    ]))
    error_message = "No function policy may grant a wildcard action."
  }

  assert {
    condition = alltrue(flatten([
      for policy in [module.functions["api"].policy, module.functions["worker"].policy, module.functions["notifier"].policy, module.functions["sweeper"].policy, module.delivery_function.policy] : [
        for statement in policy.Statement : [
          for resource in statement.Resource : resource != "*" || contains(["XRayWrite", "RekognitionDetect"], statement.Sid)
        ]
      ]
    ]))
    error_message = "No function policy may grant on every resource, except X-Ray and Rekognition's Detect* actions, which have no resource-level permissions."
  }

  assert {
    condition     = tonumber(module.functions["sweeper"].environment_variables.STALLED_AFTER_SECONDS) > module.queues.jobs_visibility_timeout_seconds + var.worker_timeout_seconds
    error_message = "The sweeper may fail a job only after a killed attempt's message could have come back and run: past the visibility timeout plus the worker's timeout."
  }

  assert {
    condition     = module.queues.jobs_redrive_policy.deadLetterTargetArn == module.queues.jobs_dlq_arn && module.queues.jobs_redrive_policy.maxReceiveCount == tonumber(module.functions["worker"].environment_variables.MAX_RECEIVE_COUNT)
    error_message = "The jobs queue must dead-letter to its DLQ after max_receive_count receives, the count the worker gives up at."
  }

  assert {
    condition     = module.queues.jobs_redrive_policy.maxReceiveCount >= 5
    error_message = "On AWS a Lambda consumer's queue needs at least 5 receives before dead-lettering (throttling alone must not dead-letter a message)."
  }

  assert {
    condition     = module.functions["worker"].maximum_concurrency == 10 && module.functions["notifier"].maximum_concurrency == 5
    error_message = "On AWS the worker's and the notifier's queues may drive a bounded number of invocations, so one tenant cannot take the account's concurrency."
  }

  assert {
    condition     = module.auth.self_sign_up_allowed == false
    error_message = "The Cognito user pool must not let anyone sign up unless asked for."
  }

  assert {
    condition = (length(module.waf) == 1 && module.waf[0].rate_rule.limit == 3000
    && module.waf[0].rate_rule.aggregate_key_type == "IP" && module.waf[0].rate_rule.resource_arn == module.api.stage_arn)
    error_message = "On AWS a WAF web ACL on the API stage limits each client address (3000 requests in five minutes)."
  }

  assert {
    condition     = module.tables.limits_table_name != "" && var.jobs_in_flight_per_user == 200
    error_message = "Each user's jobs in flight are bounded by default."
  }

  assert {
    condition     = module.queues.notify_redrive_policy.deadLetterTargetArn == module.queues.notify_dlq_arn
    error_message = "The notify queue must dead-letter to its DLQ."
  }

  assert {
    condition     = module.queues.jobs_visibility_timeout_seconds >= 6 * var.worker_timeout_seconds
    error_message = "The jobs queue's visibility timeout must be at least 6x the worker timeout."
  }

  assert {
    condition     = output.aws_endpoint_url == null && !strcontains(output.api_base_url, "_aws/execute-api")
    error_message = "No emulator setting may reach the aws environment."
  }

  assert {
    condition     = output.delivery_base_url == "https://dmock.cloudfront.net" && module.functions["api"].environment_variables.DELIVERY_BASE_URL == output.delivery_base_url
    error_message = "On AWS delivery URLs must name the CloudFront distribution, and the api must mint them for it."
  }

  assert {
    condition     = output.delivery_function_url_authorization == "AWS_IAM" && output.delivery_cdn.invoke_permission_source && output.delivery_cdn.invoke_permission_action == "lambda:InvokeFunctionUrl"
    error_message = "On AWS the delivery function URL must not be public: AWS_IAM, invokable by the distribution alone."
  }

  assert {
    condition     = output.delivery_cdn.origin_access_control && output.delivery_cdn.oac_origin_type == "lambda" && output.delivery_cdn.oac_signing == "always/sigv4"
    error_message = "CloudFront must reach the function URL through origin access control, signing every request."
  }

  assert {
    condition     = output.delivery_cdn.origin_domain == "mockurlid0000000000000000000000.lambda-url.eu-west-1.on.aws"
    error_message = "The distribution's origin must be the delivery function's URL."
  }

  assert {
    condition     = output.delivery_cdn.cache_key_headers == toset(["Accept"]) && output.delivery_cdn.cache_key_cookies == "none" && output.delivery_cdn.cache_key_query_strings == "none"
    error_message = "The cache key must be the path plus Accept (f_auto), and nothing else, so the cache does not fragment."
  }

  assert {
    condition     = output.delivery_cdn.accept_normalised
    error_message = "Accept must be normalised to its format class (a viewer-request function) before it joins the cache key."
  }

  assert {
    condition     = output.delivery_cdn.origin_request_headers == toset(["Origin"])
    error_message = "The origin must see the browser's Origin (CORS) beyond the cache key."
  }

  assert {
    condition     = output.delivery_cdn.error_caching == { "403" = 0, "404" = 0, "429" = 0 }
    error_message = "403, 404 and 429 answers must never be cached by the CDN."
  }

  assert {
    condition     = output.delivery_cdn.viewer_protocol_policy == "redirect-to-https"
    error_message = "Viewers must reach delivery over HTTPS."
  }

  assert {
    condition     = module.functions["api"].environment_variables.JOBS_PER_USER_MINUTE == "120" && module.functions["api"].environment_variables.UPLOAD_BYTES_PER_USER_DAY == "5368709120" && contains(module.functions["api"].policy.Statement[*].Sid, "LimitsCount")
    error_message = "On AWS the api limits each user's job creations (120 a minute) and declared bytes (5 GiB a day) in the limits table."
  }

  assert {
    condition     = contains(module.functions["api"].policy.Statement[*].Sid, "DeliveryInvalidate") && module.functions["api"].environment_variables.DELIVERY_DISTRIBUTION_ID == "EMOCK"
    error_message = "The api must invalidate a deleted job's delivery paths in the distribution."
  }

  assert {
    condition     = length(module.alarms) == 0
    error_message = "Alarms cost money: they are off unless enabled."
  }
}

run "aws_environment_with_every_option" {
  command = apply

  variables {
    environment                   = "aws"
    alarms_enabled                = true
    alarm_email                   = "ops@example.com"
    tracing_enabled               = true
    kms_enabled                   = true
    api_reserved_concurrency      = 20
    api_throttle                  = { rate_limit = 50, burst_limit = 100 }
    auth_mode                     = "cognito"
    image_provider                = "rekognition"
    cors_allowed_origins          = ["https://app.example.com"]
    push_fcm_service_account_json = "{\"type\": \"service_account\"}"
    api_waf_rate_limit            = 500
    api_waf_forwarded_ip_header   = "X-Forwarded-For"
  }

  assert {
    condition     = module.waf[0].rate_rule.limit == 500 && module.waf[0].rate_rule.aggregate_key_type == "FORWARDED_IP"
    error_message = "Behind a proxy or CDN the WAF counts by the forwarded client address."
  }

  assert {
    condition = anytrue([
      for statement in module.functions["notifier"].policy.Statement : statement.Sid == "PushEndpoints"
      && alltrue([for resource in statement.Resource : resource != "*"])
    ])
    error_message = "With a platform application the notifier may create and publish to its endpoints, and only those."
  }

  assert {
    condition     = output.cognito_client_id != null && module.functions["api"].environment_variables.AUTH_MODE == "cognito"
    error_message = "auth_mode = cognito creates a user pool client and tells the api function."
  }

  assert {
    condition     = length(module.alarms[0].alarm_names) == 6
    error_message = "Enabled alarms: both DLQ depths, worker errors, API 5xx, age of the oldest job, deployment faults."
  }

  assert {
    condition = jsonencode(one([
      for statement in module.functions["worker"].policy.Statement : sort(statement.Action) if statement.Sid == "RekognitionDetect"
    ])) == jsonencode(["rekognition:DetectFaces", "rekognition:DetectLabels", "rekognition:DetectModerationLabels"])
    error_message = "image_provider = rekognition grants exactly the Rekognition actions the provider calls (no DetectText without text_detection)."
  }

  assert {
    condition     = module.events.job_events_topic_kms_key != null
    error_message = "With kms_enabled the job-events topic is encrypted with the stack's key."
  }

  assert {
    condition     = alltrue([for algorithm in values(module.storage.encryption_algorithms) : algorithm == "aws:kms"])
    error_message = "With kms_enabled the buckets use the stack's KMS key."
  }

  assert {
    condition     = contains([for statement in module.functions["worker"].policy.Statement : statement.Sid], "XRayWrite")
    error_message = "Tracing needs the X-Ray write statement."
  }
}

run "local_environment" {
  command = apply

  variables {
    environment            = "local"
    worker_memory_mb       = 1024
    enable_fault_injection = true
    execute_api_endpoint   = "http://127.0.0.1:4566"
  }

  assert {
    condition     = startswith(output.api_base_url, "http://127.0.0.1:4566/_aws/execute-api/")
    error_message = "Locally the API URL is the emulator's execute-api URL."
  }

  assert {
    condition     = module.queues.jobs_redrive_policy.deadLetterTargetArn == module.queues.jobs_dlq_arn
    error_message = "The local environment has the same dead-lettering."
  }

  assert {
    condition     = length(module.layers.ondevice_arns) == 2 && length(module.functions["worker"].layer_arns) == 4 && length(module.functions["api"].layer_arns) == 2
    error_message = "The default provider (ondevice) gives the worker, and only the worker, the runtimes' and the models' layers; the api has deps and auth."
  }

  assert {
    # Counted: the mocked provider gives every layer the same ARN.
    condition     = length(module.functions["notifier"].layer_arns) == 1 && length(module.functions["sweeper"].layer_arns) == 2
    error_message = "Only the functions that render (the worker, the sweeper) unpack the imaging layer; the notifier has no auth layer."
  }

  assert {
    condition     = length(module.storage.lifecycle_rule_ids) == 0
    error_message = "Locally no lifecycle rules: the emulators do not run them, and creating them costs ~55 s of provider waits."
  }

  assert {
    condition     = length(module.waf) == 0
    error_message = "The emulators have no WAF: no web ACL locally unless asked for."
  }

  assert {
    condition     = output.delivery_cdn == null && output.delivery_base_url == "http://127.0.0.1:4566/_aws/lambda-url/mockurlid0000000000000000000000"
    error_message = "Locally delivery URLs name the function URL's path form on the emulator (no wildcard DNS), with no distribution."
  }
}

run "local_distribution_fronts_a_function_url_clients_may_call" {
  command = apply

  variables {
    environment          = "local"
    execute_api_endpoint = "http://127.0.0.1:4566"
    delivery_cdn_enabled = true
  }

  assert {
    condition     = output.delivery_cdn != null && output.delivery_cdn.origin_access_control && output.delivery_cdn.accept_normalised
    error_message = "On an emulator that runs CloudFront (MiniStack) the distribution is the one AWS gets."
  }

  assert {
    condition     = output.delivery_function_url_authorization == "NONE" && startswith(output.delivery_base_url, "http://127.0.0.1:4566/_aws/lambda-url/")
    error_message = "Locally clients still call the function URL (the distribution's name resolves nowhere), so it stays NONE and delivery URLs name it."
  }
}

run "aws_refuses_dev_tokens_unless_asked" {
  command = plan

  variables {
    environment = "aws"
    auth_mode   = "hs256"
  }

  expect_failures = [output.auth_secret_parameter]
}

run "aws_dev_tokens_when_explicitly_allowed" {
  command = plan

  variables {
    environment             = "aws"
    auth_mode               = "hs256"
    allow_dev_tokens_on_aws = true
  }
}

run "aws_refuses_cors_star" {
  command = plan

  variables {
    environment          = "aws"
    auth_mode            = "cognito"
    cors_allowed_origins = ["*"]
  }

  expect_failures = [var.cors_allowed_origins]
}

run "aws_refuses_cors_any_https_origin" {
  command = plan

  variables {
    environment          = "aws"
    auth_mode            = "cognito"
    cors_allowed_origins = ["https://app.example.com", "https://*"]
  }

  expect_failures = [var.cors_allowed_origins]
}

run "local_public_host_names_the_presigning_endpoint_and_its_origin" {
  command = apply

  variables {
    environment          = "local"
    execute_api_endpoint = "http://192.168.1.20:4566"
    cors_allowed_origins = ["http://localhost:*"]
  }

  assert {
    condition     = module.functions["api"].environment_variables.PUBLIC_ENDPOINT_URL == "http://192.168.1.20:4566"
    error_message = "The api presigns URLs for the address devices reach the stack at."
  }

  assert {
    condition     = module.functions["api"].environment_variables.CORS_ALLOWED_ORIGINS == "http://localhost:*,http://192.168.1.20:*"
    error_message = "Pages served from the public host may call the API."
  }

  assert {
    condition     = output.api_base_url == "http://192.168.1.20:4566/_aws/execute-api/${module.api.rest_api_id}/${module.api.stage_name}"
    error_message = "The API URL names the public host."
  }
}

run "local_android_emulator_alias_keeps_this_machine_on_loopback" {
  command = apply

  variables {
    environment          = "local"
    execute_api_endpoint = "http://10.0.2.2:4566"
    emulator_endpoint    = "http://127.0.0.1:4566"
  }

  assert {
    condition     = startswith(output.api_base_url, "http://10.0.2.2:4566/") && module.functions["api"].environment_variables.PUBLIC_ENDPOINT_URL == "http://10.0.2.2:4566"
    error_message = "Clients get URLs for the address they reach the stack at."
  }

  assert {
    condition     = output.aws_endpoint_url == "http://127.0.0.1:4566" && startswith(output.host_api_base_url, "http://127.0.0.1:4566/")
    error_message = "This machine's scripts and tests keep reaching the emulator on loopback."
  }
}

run "aws_http_provider_reads_its_one_secret" {
  command = apply

  variables {
    environment             = "aws"
    auth_mode               = "cognito"
    image_provider          = "http"
    edit_endpoint_url       = "https://edits.example.com/v1/images/edits"
    edit_api_key_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:photopipe-edit-key-AbCdEf"
  }

  assert {
    condition = jsonencode(one([
      for statement in module.functions["worker"].policy.Statement : statement.Resource if statement.Sid == "EditApiKeyRead"
    ])) == jsonencode(["arn:aws:secretsmanager:eu-west-1:123456789012:secret:photopipe-edit-key-AbCdEf"])
    error_message = "image_provider = http may read the one secret it is given."
  }

  assert {
    condition     = module.functions["worker"].environment_variables.EDIT_ENDPOINT_URL == "https://edits.example.com/v1/images/edits"
    error_message = "The worker is told the edit endpoint."
  }

  assert {
    condition     = !contains([for statement in module.functions["worker"].policy.Statement : statement.Sid], "RekognitionDetect")
    error_message = "Only the rekognition provider may call Rekognition."
  }
}

run "aws_http_provider_needs_its_endpoint" {
  command = plan

  variables {
    environment    = "aws"
    auth_mode      = "cognito"
    image_provider = "http"
  }

  expect_failures = [output.image_provider]
}

run "aws_hygiene" {
  command = apply

  variables {
    environment = "aws"
    auth_mode   = "cognito"
  }

  assert {
    condition = alltrue([
      for policy in values(module.storage.bucket_policies) : anytrue([
        for statement in jsondecode(policy).Statement :
        statement.Effect == "Deny" && statement.Condition.Bool["aws:SecureTransport"] == "false"
      ])
    ]) && length(module.storage.bucket_policies) == 2
    error_message = "Both buckets deny requests that do not use TLS."
  }

  assert {
    condition     = length(module.storage.lifecycle_rule_ids) == 2 && alltrue([for ids in values(module.storage.lifecycle_rule_ids) : contains(ids, "abort-incomplete-uploads")])
    error_message = "On AWS both buckets expire what they hold and abort unfinished multipart uploads."
  }

  assert {
    condition     = module.queues.jobs_queue_policy_condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "Only the uploads bucket of this account may send to the jobs queue."
  }

  assert {
    condition     = module.storage.results_retention_days == var.job_ttl_days
    error_message = "Results expire with their job record."
  }

  assert {
    condition     = module.api.execution_log_retention_days == var.log_retention_days
    error_message = "API Gateway's execution log group is managed, with a retention."
  }

  assert {
    condition     = module.storage.cors_rule_count == 0
    error_message = "On AWS no browser origin may PUT uploads unless listed."
  }
}
