output "api_base_url" {
  description = "Base URL of the HTTP API (routes start with /v1)."
  value = (var.execute_api_endpoint == null ? module.api.invoke_url :
  "${trimsuffix(var.execute_api_endpoint, "/")}/_aws/execute-api/${module.api.rest_api_id}/${module.api.stage_name}")
}

output "rest_api_id" {
  description = "ID of the REST API."
  value       = module.api.rest_api_id
}

output "uploads_bucket_name" {
  description = "Bucket that receives originals."
  value       = module.storage.uploads_bucket_name
}

output "results_bucket_name" {
  description = "Bucket that holds the variants."
  value       = module.storage.results_bucket_name
}

output "jobs_queue_url" {
  description = "URL of the jobs queue."
  value       = module.queues.jobs_queue_url
}

output "jobs_dlq_url" {
  description = "URL of the jobs dead-letter queue."
  value       = module.queues.jobs_dlq_url
}

output "notify_queue_url" {
  description = "URL of the notify queue."
  value       = module.queues.notify_queue_url
}

output "notify_dlq_url" {
  description = "URL of the notify dead-letter queue."
  value       = module.queues.notify_dlq_url
}

output "jobs_table_name" {
  description = "Name of the jobs table."
  value       = module.tables.jobs_table_name
}

output "devices_table_name" {
  description = "Name of the devices table."
  value       = module.tables.devices_table_name
}

output "deliveries_table_name" {
  description = "Name of the delivery ledger table."
  value       = module.tables.deliveries_table_name
}

output "idempotency_table_name" {
  description = "Name of the idempotency table."
  value       = module.tables.idempotency_table_name
}

output "limits_table_name" {
  description = "Name of the limits table (render counters and leases)."
  value       = module.tables.limits_table_name
}

output "job_events_topic_arn" {
  description = "ARN of the job-events topic."
  value       = module.events.job_events_topic_arn
}

output "auth_secret_parameter" {
  description = "SSM parameter holding the HS256 token secret."
  value       = module.auth.secret_parameter_name
  # The deployment's own preconditions live on root outputs, where `terraform test` can expect
  # their failures (it cannot name a resource inside a module).
  precondition {
    condition     = var.environment != "aws" || var.auth_mode != "hs256" || var.allow_dev_tokens_on_aws
    error_message = "environment = \"aws\" needs auth_mode = \"cognito\": with hs256 anyone who can read this parameter or the state can mint tokens for any user. Set allow_dev_tokens_on_aws = true only for a throwaway test account."
  }
}

output "image_provider" {
  description = "The worker's image provider (ondevice, local, rekognition or http)."
  value       = var.image_provider
  precondition {
    condition     = var.image_provider != "http" || (var.edit_endpoint_url != null && var.edit_api_key_secret_arn != null)
    error_message = "image_provider = \"http\" needs edit_endpoint_url and edit_api_key_secret_arn."
  }
}

output "function_names" {
  description = "Names of the five functions."
  value = {
    api      = module.functions["api"].function_name
    delivery = module.delivery_function.function_name
    worker   = module.functions["worker"].function_name
    notifier = module.functions["notifier"].function_name
    sweeper  = module.functions["sweeper"].function_name
  }
}

output "aws_region" {
  description = "Region of the stack."
  value       = var.aws_region
}

output "aws_endpoint_url" {
  description = "Endpoint scripts and tests point boto3 at: the emulator's, as this machine reaches it, or null on AWS."
  value       = var.emulator_endpoint != null ? var.emulator_endpoint : var.execute_api_endpoint
}

output "host_api_base_url" {
  description = "The API as this machine reaches it (its scripts' own calls); api_base_url is where clients reach it."
  value = (var.execute_api_endpoint == null ? module.api.invoke_url :
  "${trimsuffix(var.emulator_endpoint != null ? var.emulator_endpoint : var.execute_api_endpoint, "/")}/_aws/execute-api/${module.api.rest_api_id}/${module.api.stage_name}")
}

output "cognito_user_pool_id" {
  description = "User pool of auth_mode = cognito (null otherwise)."
  value       = module.auth.user_pool_id
}

output "cognito_client_id" {
  description = "App client the mobile app signs in with (null unless auth_mode = cognito)."
  value       = module.auth.client_id
}

output "analysis" {
  description = "What the worker's analysis fills: its provider and whether it reads text (clients and tests read this)."
  value = {
    image_provider = var.image_provider
    text_detection = var.text_detection
  }
}

output "cors_allowed_origins" {
  description = "Origins a browser may call the API and PUT uploads from (the console and tests read this)."
  value       = local.cors_allowed_origins
}

output "delivery_base_url" {
  description = "What delivery URLs start with: the CloudFront distribution (or custom domain) on AWS, the delivery function URL's path form on an emulator."
  value       = module.delivery.base_url
}

output "delivery_function_url" {
  description = "The delivery function's own URL, the CDN's origin (AWS_IAM behind CloudFront: not public)."
  value       = module.delivery.function_url
}

output "delivery_signing_key_parameter" {
  description = "The SSM parameter with the keys that sign delivery URLs (docs/delivery.md: rotation)."
  value       = module.delivery.signing_key_parameter_name
}

output "delivery_distribution_domain" {
  description = "The delivery distribution's domain (null where there is none). On MiniStack it answers at the emulator's port with this name as Host."
  value       = module.delivery.distribution_domain
}

output "delivery_distribution_id" {
  description = "The CloudFront distribution in front of delivery (null where there is none)."
  value       = module.delivery.distribution_id
}

output "delivery_cdn" {
  description = "The delivery distribution's shape (terraform tests; null without a CDN)."
  value       = module.delivery.cdn
}

output "delivery_function_url_authorization" {
  description = "AWS_IAM where CloudFront fronts the function URL (not public), NONE on an emulator."
  value       = module.delivery.function_url_authorization
}

output "job_limits" {
  description = "Per-user limits on POST /v1/jobs: creations a minute, jobs in flight at once, declared bytes a UTC day."
  value = {
    jobs_per_user_minute      = var.jobs_per_user_minute
    jobs_in_flight_per_user   = var.jobs_in_flight_per_user
    upload_bytes_per_user_day = var.upload_bytes_per_user_day
  }
}

output "delivery_limits" {
  description = "Render limits of delivery URLs: per user per minute, distinct transforms per job."
  value = {
    renders_per_user_minute = var.delivery_renders_per_user_minute
    transforms_per_job      = var.delivery_transforms_per_job
  }
}
