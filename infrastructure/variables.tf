variable "environment" {
  description = "Environment name: local (emulator) or aws."
  type        = string
  validation {
    condition     = contains(["local", "aws"], var.environment)
    error_message = "environment must be \"local\" or \"aws\"."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name, so several stacks can share an account."
  type        = string
  default     = "photopipe"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name_prefix))
    error_message = "name_prefix must be 2-31 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "aws_region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}

variable "lambda_artifacts_dir" {
  description = "Folder holding code.zip and the layer zips (deps-<arch>.zip, ondevice-*-<arch>.zip) (made by `make build`). Defaults to build/lambda in the repo."
  type        = string
  default     = null
}

variable "lambda_architecture" {
  description = "Lambda CPU architecture: x86_64 or arm64 (the deps layer must be built for it)."
  type        = string
  default     = "x86_64"
  validation {
    condition     = contains(["x86_64", "arm64"], var.lambda_architecture)
    error_message = "lambda_architecture must be x86_64 or arm64."
  }
}

variable "api_memory_mb" {
  description = "Memory of the api function."
  type        = number
  default     = 512
}

variable "api_timeout_seconds" {
  description = "Timeout of the api function (API Gateway stops waiting at 29 s)."
  type        = number
  default     = 10
}

variable "worker_memory_mb" {
  description = "Memory of the worker function; image decoding wants room (and CPU scales with it on AWS)."
  type        = number
  default     = 1769
}

variable "worker_timeout_seconds" {
  description = "Timeout of the worker function."
  type        = number
  default     = 60
}

variable "notifier_memory_mb" {
  description = "Memory of the notifier function."
  type        = number
  default     = 256
}

variable "notifier_timeout_seconds" {
  description = "Timeout of the notifier function."
  type        = number
  default     = 20
}

variable "max_receive_count" {
  description = "Deliveries of a message before SQS moves it to the dead-letter queue; null: 5 on AWS (what AWS recommends at least for a Lambda consumer, so throttling alone does not dead-letter a message), 3 locally."
  type        = number
  default     = null
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups."
  type        = number
  default     = 14
}

variable "original_retention_days" {
  description = "Days after which uploaded originals are deleted: by default the job record's lifetime (job_ttl_days), since an edit asked later starts from the original. Shorter saves storage; edits of older jobs then fail."
  type        = number
  default     = null
  nullable    = true
}

variable "job_ttl_days" {
  description = "Days after which a job record expires (DynamoDB TTL)."
  type        = number
  default     = 90
}

variable "max_upload_bytes" {
  description = "Largest upload the API hands out a slot for."
  type        = number
  default     = 52428800
}

variable "max_multipart_bytes" {
  description = "Largest photo uploaded in parts (POST /v1/jobs with multipart: true); the worker reads up to this."
  type        = number
  default     = 209715200
}

variable "multipart_part_size_bytes" {
  description = "Size of each part of an upload in parts (the last is the rest): S3 takes 5 MiB and more."
  type        = number
  default     = 8388608
  validation {
    condition     = var.multipart_part_size_bytes >= 5242880
    error_message = "S3 refuses parts under 5 MiB (but the last)."
  }
}

variable "multipart_window_hours" {
  description = "How long an upload in parts may take: its part URLs are valid until then, and the sweeper aborts it after (its job FAILED UPLOAD_ABANDONED)."
  type        = number
  default     = 24
}

variable "upload_url_ttl_seconds" {
  description = "Lifetime of a presigned upload URL."
  type        = number
  default     = 900
}

variable "download_url_ttl_seconds" {
  description = "Lifetime of a presigned result URL."
  type        = number
  default     = 3600
}

variable "cors_allowed_origins" {
  description = "Origins a browser or web view may call the API and PUT uploads from; [] for none. Each may hold one * (http://localhost:*), as S3 CORS rules do. Never any origin (\"*\", \"https://*\") on AWS."
  type        = list(string)
  default     = []
  validation {
    condition     = var.environment != "aws" || alltrue([for o in var.cors_allowed_origins : !can(regex("^(\\*|https?://\\*)$", o))])
    error_message = "cors_allowed_origins must list the web app's origins on AWS, not \"*\" or \"https://*\"."
  }
  validation {
    condition     = alltrue([for o in var.cors_allowed_origins : length(regexall("\\*", o)) <= 1 && !strcontains(o, ",")])
    error_message = "Each of cors_allowed_origins holds at most one * (as S3 CORS rules allow) and no comma."
  }
}

variable "api_stage_name" {
  description = "API Gateway stage name."
  type        = string
  default     = "live"
}

variable "execute_api_endpoint" {
  description = "Base URL of an emulator's execute-api data plane (e.g. http://127.0.0.1:4566). Null on AWS, where the stage's invoke URL is used."
  type        = string
  default     = null
}

variable "emulator_endpoint" {
  description = "Where this machine's scripts and tests reach the emulator, when clients reach it at another address (make up PUBLIC_HOST=10.0.2.2, the Android emulator's name for this machine). Null: execute_api_endpoint."
  type        = string
  default     = null
}

variable "log_level" {
  description = "Log level of the functions."
  type        = string
  default     = "INFO"
}

variable "enable_fault_injection" {
  description = "Let jobs ask for injected transient failures (operations.injectTransientFailures). For the chaos tests of the local environment; the code ignores it when environment = \"aws\"."
  type        = bool
  default     = false
}

variable "expose_location" {
  description = "Put a photo's GPS position (from its EXIF) in the job's analysis, which only its owner can read. Off by default; no output file carries it either way."
  type        = bool
  default     = false
}

variable "text_detection" {
  description = "Detect text (OCR) in every photo: analysis.text. Off by default: heavier locally, and a billed DetectText call per photo with the rekognition provider."
  type        = bool
  default     = false
}

variable "moderation_blocked_categories" {
  description = "Moderation labels (or their parents, in Rekognition's taxonomy) that fail a job with MODERATION_REJECTED at moderation_min_confidence or above. Empty: moderation only reports."
  type        = list(string)
  default     = ["Explicit", "Explicit Nudity", "Graphic Violence"]

  validation {
    condition     = alltrue([for category in var.moderation_blocked_categories : length(trimspace(category)) > 0 && !strcontains(category, ",")])
    error_message = "Each moderation category is a non-empty label name without commas."
  }
}

variable "moderation_min_confidence" {
  description = "The confidence (percent) at which a blocked moderation label fails the job. Labels are reported from 60."
  type        = number
  default     = 80

  validation {
    condition     = var.moderation_min_confidence >= 60 && var.moderation_min_confidence <= 100 && floor(var.moderation_min_confidence) == var.moderation_min_confidence
    error_message = "moderation_min_confidence is a whole percentage from 60 (where labels are reported) to 100."
  }
}

variable "edit_endpoint_url" {
  description = "image_provider = \"http\": the https URL of the OpenAI-images-compatible edit endpoint."
  type        = string
  default     = null
}

variable "edit_endpoint_ops" {
  description = "image_provider = \"http\": the model ops the endpoint makes besides ai (removeBackground, blurBackground, redactFaces), forwarded to it with fields op and params; others are refused at the API."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for op in var.edit_endpoint_ops : contains(["removeBackground", "blurBackground", "redactFaces"], op)])
    error_message = "edit_endpoint_ops may name removeBackground, blurBackground and redactFaces."
  }
}

variable "edit_api_key_secret_arn" {
  description = "image_provider = \"http\": ARN of the Secrets Manager secret holding the endpoint's API key (the worker may read this one secret)."
  type        = string
  default     = null
}

variable "results_retention_days" {
  description = "Days after which result variants are deleted: by default the job record's lifetime (job_ttl_days), so no result outlives its job."
  type        = number
  default     = null
}

variable "image_provider" {
  description = "Analysis/edit provider of the worker: ondevice (models in a worker layer, offline: faces), local (Pillow only), rekognition, or http (an external AI edit endpoint)."
  type        = string
  default     = "ondevice"
  validation {
    condition     = contains(["ondevice", "local", "rekognition", "http"], var.image_provider)
    error_message = "image_provider must be ondevice, local, rekognition or http."
  }
}

# --- AWS-only options, off by default where they cost money -------------------------------

variable "tracing_enabled" {
  description = "Active X-Ray tracing of the functions (Powertools Tracer subsegments per step)."
  type        = bool
  default     = false
}

variable "alarms_enabled" {
  description = "CloudWatch alarms: DLQ depths, worker errors, API 5xx, age of the oldest queued upload."
  type        = bool
  default     = false
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (confirm the subscription mail); null for none."
  type        = string
  default     = null
}

variable "kms_enabled" {
  description = "Encrypt both buckets with a customer-managed KMS key (S3 Bucket Keys keep KMS requests cheap)."
  type        = bool
  default     = false
}

variable "api_waf_rate_limit" {
  description = "Requests one client address may make to the API in any five minutes, enforced by a WAF web ACL on the stage (past it 429 RATE_LIMITED). null: 3000 on AWS, none on an emulator; 0: no web ACL. Mobile carriers put many phones behind one address (CGNAT): keep it well above one user's traffic."
  type        = number
  default     = null
  validation {
    condition     = var.api_waf_rate_limit == null || var.api_waf_rate_limit == 0 || (coalesce(var.api_waf_rate_limit, 0) >= 10 && coalesce(var.api_waf_rate_limit, 0) <= 2000000000)
    error_message = "api_waf_rate_limit is null, 0 (off) or 10 to 2,000,000,000 (WAF's bounds for a rate-based rule)."
  }
}

variable "api_waf_forwarded_ip_header" {
  description = "When a proxy or CDN fronts the API, the header carrying the client's address (X-Forwarded-For); the WAF then counts by it. null: the source address."
  type        = string
  default     = null
}

variable "api_reserved_concurrency" {
  description = "Reserved concurrency of the api function (cold-start and noisy-neighbour protection); -1 for none."
  type        = number
  default     = -1
}

variable "api_throttle" {
  description = "Requests per second and burst the API stage accepts from all callers together (API Gateway stage throttling; no API keys needed)."
  type = object({
    rate_limit  = number
    burst_limit = number
  })
  default = { rate_limit = 100, burst_limit = 200 }
}

variable "point_in_time_recovery" {
  description = "Continuous backups of the jobs and devices tables."
  type        = bool
  default     = false
}

variable "worker_concurrency" {
  description = "Records of one batch the worker processes at once (threads: download, hand over, upload)."
  type        = number
  default     = 4
}

variable "render_children" {
  description = "Photos the worker renders at once, each in a child process it can kill (each holds ~190 MB besides its photo, taken from the render budget). One on AWS: a 1769 MB function has one vCPU."
  type        = number
  default     = 1
  validation {
    condition     = var.render_children >= 1 && var.render_children <= 8
    error_message = "render_children is 1 to 8."
  }
}

variable "allow_dev_tokens_on_aws" {
  description = "Let environment = \"aws\" run with auth_mode = \"hs256\": anyone who can read the SSM parameter or the Terraform state can then mint tokens for any user. For a throwaway test account only."
  type        = bool
  default     = false
}

variable "auth_mode" {
  description = "How the API verifies bearer tokens: hs256 (dev tokens signed with the generated SSM secret; `make token`) or cognito (RS256 tokens of a user pool this stack creates, checked against its JWKS)."
  type        = string
  default     = "hs256"
  validation {
    condition     = contains(["hs256", "cognito"], var.auth_mode)
    error_message = "auth_mode must be hs256 or cognito."
  }
}

variable "push_apns" {
  description = "APNs credentials for iOS push through SNS (token-based: .p8 key, key id as principal); null records pushes as simulated."
  type = object({
    signing_key = string
    key_id      = string
    team_id     = string
    bundle_id   = string
    sandbox     = optional(bool, false)
  })
  default   = null
  sensitive = true
}

variable "push_fcm_service_account_json" {
  description = "FCM (HTTP v1) service account JSON for Android push through SNS; null records pushes as simulated."
  type        = string
  default     = null
  sensitive   = true
}

variable "worker_batch_size" {
  description = "Uploads per worker invocation (processed concurrently, worker_concurrency at a time)."
  type        = number
  default     = 5
}

variable "worker_max_concurrent_batches" {
  description = "Concurrent worker invocations the jobs queue may drive (2-1000); null: 10 on AWS, so one tenant's heavy jobs cannot take the account's Lambda concurrency, none locally; 0: no limit."
  type        = number
  default     = null
}

variable "notifier_max_concurrent_batches" {
  description = "Concurrent notifier invocations the notify queue may drive (2-1000); null: 5 on AWS, so slow webhooks cannot take the account's Lambda concurrency, none locally; 0: no limit."
  type        = number
  default     = null
}

variable "cognito_self_sign_up" {
  description = "Whether anyone may create an account in the Cognito user pool (auth_mode = \"cognito\"); off, accounts are created by an administrator or your backend."
  type        = bool
  default     = false
}

variable "sweep_schedule" {
  description = "How often the sweeper looks for jobs a dead worker process left PROCESSING (an EventBridge schedule expression)."
  type        = string
  default     = "rate(5 minutes)"
}

variable "lifecycle_rules" {
  description = "S3 lifecycle rules: originals and results expire, unfinished multipart uploads are aborted. null: on AWS only. Neither emulator runs lifecycle rules, and the AWS provider spends ~55 s of consistency waits creating them on every cold deploy."
  type        = bool
  default     = null
}

variable "delivery_cdn_enabled" {
  description = "A CloudFront distribution in front of the delivery function. Null: on AWS only. env/local.tfvars turns it on for MiniStack, which runs distributions (without caching); LocalStack Community has no CloudFront."
  type        = bool
  default     = null
}

variable "delivery_custom_domain" {
  description = "A domain of your own for delivery URLs (with delivery_certificate_arn); null: the distribution's cloudfront.net name."
  type        = string
  default     = null
}

variable "delivery_certificate_arn" {
  description = "ACM certificate in us-east-1 for delivery_custom_domain."
  type        = string
  default     = null
}

variable "delivery_web_acl_id" {
  description = "A WAF web ACL (ARN) for the delivery distribution; null: none."
  type        = string
  default     = null
}

variable "delivery_window_seconds" {
  description = "Delivery URLs are minted per window of this many seconds (the same URL all window long) and stay valid one more window."
  type        = number
  default     = 86400
  validation {
    condition     = var.delivery_window_seconds >= 1
    error_message = "delivery_window_seconds must be at least 1."
  }
}

variable "delivery_max_side" {
  description = "The largest side, in pixels, a delivery transform may ask for (400 INVALID_TRANSFORM past it)."
  type        = number
  default     = 4096
}

variable "delivery_max_inline_bytes" {
  description = "The largest rendition the delivery function answers in its body; larger ones are a redirect to a presigned object. 4 MB keeps a base64 body inside Lambda's 6 MB; lower it only to test."
  type        = number
  default     = 4000000
}

variable "delivery_memory_mb" {
  description = "Memory of the delivery function (it renders: 1024 MB is a bit over half a vCPU)."
  type        = number
  default     = 1024
}

variable "delivery_reserved_concurrency" {
  description = "Reserved concurrency of the delivery function (-1: none)."
  type        = number
  default     = -1
}

variable "delivery_render_cache_days" {
  description = "Days a delivery render stays cached in the results bucket (AWS lifecycle rule)."
  type        = number
  default     = 30
}

variable "delivery_renders_per_user_minute" {
  description = "Renders (cache misses that render) one user's URLs may cause per minute; past it 429 RATE_LIMITED with Retry-After. Cache hits and stored variants do not count."
  type        = number
  default     = 300
}

variable "delivery_transforms_per_job" {
  description = "Distinct transforms rendered for one job (within the render cache's lifetime); past it 429 QUOTA_EXCEEDED, so a URL shared in public cannot spend its owner's budget."
  type        = number
  default     = 100
}

variable "jobs_per_user_minute" {
  description = "Jobs and edits one user may ask for a minute (POST /v1/jobs, POST /v1/jobs/{id}/edits); past it 429 RATE_LIMITED with Retry-After."
  type        = number
  default     = 120
}

variable "jobs_in_flight_per_user" {
  description = "Jobs one user may have waiting for their photo or being processed at once (POST /v1/jobs); past it 429 QUOTA_EXCEEDED with Retry-After until some end."
  type        = number
  default     = 200
  validation {
    condition     = var.jobs_in_flight_per_user >= 1 && var.jobs_in_flight_per_user <= 5000
    error_message = "jobs_in_flight_per_user is 1 to 5000 (the set of places is one DynamoDB item)."
  }
}

variable "edits_per_job" {
  description = "Edits one job may have at once (POST /v1/jobs/{id}/edits); past it 429 QUOTA_EXCEEDED until some are deleted."
  type        = number
  default     = 100
}

variable "upload_bytes_per_user_day" {
  description = "Bytes one user's jobs may declare (contentLength) per UTC day; past it 429 QUOTA_EXCEEDED with Retry-After."
  type        = number
  default     = 5368709120
}
