# photopipe: uploads -> S3 -> SQS -> worker -> results + jobs table -> SNS -> SQS -> notifier.
# One module per runtime concern; this file wires them and grants each function what it uses.

locals {
  artifacts_dir = coalesce(var.lambda_artifacts_dir, "${path.root}/../build/lambda")
  # One package for every function: each runs its own handler module from it.
  code_zip = "${local.artifacts_dir}/code.zip"
  # The longest backoff between a failed attempt and the next (photopipe.adapters.sqs).
  retry_max_seconds = 300

  # Bounds that keep one tenant from taking the account on AWS (variables.tf says why each).
  on_aws            = var.environment == "aws"
  lifecycle_rules   = coalesce(var.lifecycle_rules, local.on_aws)
  delivery_cdn      = coalesce(var.delivery_cdn_enabled, local.on_aws)
  max_receive_count = coalesce(var.max_receive_count, local.on_aws ? 5 : 3)
  worker_max_concurrent_batches = (var.worker_max_concurrent_batches == null ? (local.on_aws ? 10 : null)
  : var.worker_max_concurrent_batches == 0 ? null : var.worker_max_concurrent_batches)
  notifier_max_concurrent_batches = (var.notifier_max_concurrent_batches == null ? (local.on_aws ? 5 : null)
  : var.notifier_max_concurrent_batches == 0 ? null : var.notifier_max_concurrent_batches)

  # An emulator reached at another host than this machine's loopback (make up PUBLIC_HOST=...):
  # pages served from that host (the console in a phone's browser) may call it too.
  public_host = var.execute_api_endpoint == null ? null : regex("^https?://(\\[[^]]+\\]|[^:/]+)", var.execute_api_endpoint)[0]
  cors_allowed_origins = distinct(concat(var.cors_allowed_origins,
  contains(["127.0.0.1", "localhost"], coalesce(local.public_host, "localhost")) ? [] : ["http://${local.public_host}:*"]))

  # Every setting the code reads, defined once here and read once by photopipe.config.
  common_environment = {
    PHOTOPIPE_ENVIRONMENT         = var.environment
    JOBS_TABLE                    = module.tables.jobs_table_name
    DEVICES_TABLE                 = module.tables.devices_table_name
    DELIVERIES_TABLE              = module.tables.deliveries_table_name
    IDEMPOTENCY_TABLE             = module.tables.idempotency_table_name
    UPLOADS_BUCKET                = module.storage.uploads_bucket_name
    RESULTS_BUCKET                = module.storage.results_bucket_name
    JOB_EVENTS_TOPIC_ARN          = module.events.job_events_topic_arn
    AUTH_SECRET_PARAMETER         = module.auth.secret_parameter_name
    MAX_UPLOAD_BYTES              = tostring(var.max_upload_bytes)
    UPLOAD_URL_TTL_SECONDS        = tostring(var.upload_url_ttl_seconds)
    MAX_MULTIPART_BYTES           = tostring(var.max_multipart_bytes)
    MULTIPART_PART_BYTES          = tostring(var.multipart_part_size_bytes)
    MULTIPART_WINDOW_SECONDS      = tostring(var.multipart_window_hours * 3600)
    DOWNLOAD_URL_TTL_SECONDS      = tostring(var.download_url_ttl_seconds)
    JOB_TTL_DAYS                  = tostring(var.job_ttl_days)
    POWERTOOLS_LOG_LEVEL          = var.log_level
    AUTH_MODE                     = var.auth_mode
    AUTH_ISSUER                   = module.auth.issuer
    AUTH_CLIENT_ID                = module.auth.client_id == null ? "" : module.auth.client_id
    PUSH_IOS_APPLICATION_ARN      = local.push_ios_arn
    PUSH_ANDROID_APPLICATION_ARN  = local.push_android_arn
    MAX_RECEIVE_COUNT             = tostring(local.max_receive_count)
    RETRY_MAX_SECONDS             = tostring(local.retry_max_seconds)
    FAULT_INJECTION               = var.enable_fault_injection ? "1" : "0"
    IMAGE_PROVIDER                = var.image_provider
    WORKER_CONCURRENCY            = tostring(var.worker_concurrency)
    POWERTOOLS_TRACE_DISABLED     = var.tracing_enabled ? "false" : "true"
    EDIT_ENDPOINT_URL             = var.edit_endpoint_url == null ? "" : var.edit_endpoint_url
    EDIT_ENDPOINT_OPS             = join(",", var.edit_endpoint_ops)
    EDIT_API_KEY_SECRET           = var.edit_api_key_secret_arn == null ? "" : var.edit_api_key_secret_arn
    EXPOSE_LOCATION               = var.expose_location ? "1" : "0"
    TEXT_DETECTION                = var.text_detection ? "1" : "0"
    MODERATION_BLOCKED_CATEGORIES = join(",", var.moderation_blocked_categories)
    MODERATION_MIN_CONFIDENCE     = tostring(var.moderation_min_confidence)
    LIMITS_TABLE                  = module.tables.limits_table_name
    DELIVERY_KEY_PARAMETER        = module.delivery.signing_key_parameter_name
    DELIVERY_WINDOW_SECONDS       = tostring(var.delivery_window_seconds)
    DELIVERY_MAX_SIDE             = tostring(var.delivery_max_side)
  }

  kms_statements = var.kms_enabled ? {
    BucketKey = {
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [module.keys.key_arn]
    }
  } : {}
}

# What the worker's image provider calls, and nothing when it calls nothing.
locals {
  provider_statements = merge(
    var.image_provider == "rekognition" ? {
      # Rekognition's Detect* actions take image bytes and have no resource-level permissions.
      RekognitionDetect = {
        actions = concat(
          ["rekognition:DetectLabels", "rekognition:DetectModerationLabels", "rekognition:DetectFaces"],
          var.text_detection ? ["rekognition:DetectText"] : [],
        )
        resources = ["*"]
      }
    } : {},
    var.image_provider == "http" && var.edit_api_key_secret_arn != null ? {
      EditApiKeyRead = {
        actions   = ["secretsmanager:GetSecretValue"]
        resources = [var.edit_api_key_secret_arn]
      }
    } : {},
  )
}

locals {
  push_ios_arn     = module.push.ios_application_arn
  push_android_arn = module.push.android_application_arn
  push_app_arns    = compact([local.push_ios_arn, local.push_android_arn])
  # Endpoints of an application live under .../endpoint/<platform>/<app name>/<id>.
  push_statements = length(local.push_app_arns) == 0 ? {} : {
    PushEndpoints = {
      actions   = ["sns:CreatePlatformEndpoint", "sns:Publish"]
      resources = concat(local.push_app_arns, [for arn in local.push_app_arns : "${replace(arn, ":app/", ":endpoint/")}/*"])
    }
  }
}

module "storage" {
  source                  = "./modules/storage"
  name_prefix             = var.name_prefix
  cors_allowed_origins    = local.cors_allowed_origins
  original_retention_days = coalesce(var.original_retention_days, var.job_ttl_days)
  # A result outlives neither its job record (TTL) nor a deletion the worker raced with.
  results_retention_days = coalesce(var.results_retention_days, var.job_ttl_days)
  force_destroy          = var.environment == "local"
  kms_key_arn            = module.keys.key_arn
  lifecycle_rules        = local.lifecycle_rules
  render_cache_days      = var.delivery_render_cache_days
}

module "queues" {
  source                            = "./modules/queues"
  name_prefix                       = var.name_prefix
  uploads_bucket_name               = module.storage.uploads_bucket_name
  uploads_bucket_arn                = module.storage.uploads_bucket_arn
  max_receive_count                 = local.max_receive_count
  jobs_visibility_timeout_seconds   = 6 * var.worker_timeout_seconds
  notify_visibility_timeout_seconds = 6 * var.notifier_timeout_seconds
  job_events_topic_arn              = module.events.job_events_topic_arn
}

module "tables" {
  source                 = "./modules/tables"
  name_prefix            = var.name_prefix
  point_in_time_recovery = var.point_in_time_recovery
}

module "events" {
  source            = "./modules/events"
  name_prefix       = var.name_prefix
  notify_queue_arn  = module.queues.notify_queue_arn
  kms_master_key_id = module.keys.key_arn
}

module "auth" {
  source       = "./modules/auth"
  name_prefix  = var.name_prefix
  auth_mode    = var.auth_mode
  self_sign_up = var.cognito_self_sign_up
}

module "push" {
  source                        = "./modules/push"
  name_prefix                   = var.name_prefix
  push_apns                     = var.push_apns
  push_fcm_service_account_json = var.push_fcm_service_account_json
}

module "keys" {
  source      = "./modules/keys"
  name_prefix = var.name_prefix
  enabled     = var.kms_enabled
}

# The on-device provider's runtimes (numpy, LiteRT, ONNX Runtime) and its models go to the
# worker only: the other functions stay small and start fast. Two layers, because a zip
# uploaded directly may be at most 50 MB (`make build` checks each).
module "layers" {
  source          = "./modules/layers"
  name_prefix     = var.name_prefix
  architecture    = var.lambda_architecture
  artifacts_dir   = local.artifacts_dir
  ondevice_layers = var.image_provider == "ondevice" ? ["ondevice-runtime", "ondevice-models"] : []
}

# The four functions: one module block, what differs between them in this map.
locals {
  functions = {
    api = {
      layer_arns           = [module.layers.deps_arn, module.layers.auth_arn]
      memory_mb            = var.api_memory_mb
      timeout_seconds      = var.api_timeout_seconds
      reserved_concurrency = var.api_reserved_concurrency
      # The API answers browsers from the origins the uploads bucket's CORS rule allows, and
      # presigns URLs for the address clients reach an emulator at (PUBLIC_HOST).
      environment = {
        CORS_ALLOWED_ORIGINS      = join(",", local.cors_allowed_origins)
        PUBLIC_ENDPOINT_URL       = var.execute_api_endpoint == null ? "" : var.execute_api_endpoint
        DELIVERY_BASE_URL         = module.delivery.base_url
        JOBS_PER_USER_MINUTE      = tostring(var.jobs_per_user_minute)
        JOBS_IN_FLIGHT_PER_USER   = tostring(var.jobs_in_flight_per_user)
        UPLOAD_BYTES_PER_USER_DAY = tostring(var.upload_bytes_per_user_day)
        EDITS_PER_JOB             = tostring(var.edits_per_job)
        # Edits asked after upload go to the worker through the jobs queue.
        JOBS_QUEUE_NAME          = module.queues.jobs_queue_name
        DELIVERY_DISTRIBUTION_ID = module.delivery.distribution_id == null ? "" : module.delivery.distribution_id
      }
      policy_statements = merge(local.kms_statements, {
        JobsReadWrite = {
          actions = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
          "dynamodb:DeleteItem", "dynamodb:Query"]
          resources = [module.tables.jobs_table_arn, "${module.tables.jobs_table_arn}/index/byUser",
          module.tables.devices_table_arn, module.tables.idempotency_table_arn]
        }
        DeliveriesReadDelete = {
          actions   = ["dynamodb:Query", "dynamodb:DeleteItem"]
          resources = [module.tables.deliveries_table_arn]
        }
        EditsQueue = {
          actions   = ["sqs:GetQueueUrl", "sqs:SendMessage"]
          resources = [module.queues.jobs_queue_arn_for_grants]
        }
        # Per-user counters: job creations a minute, upload bytes a day, jobs in flight (read
        # when full, to give back the places of jobs that ended).
        LimitsCount = {
          actions   = ["dynamodb:UpdateItem", "dynamodb:GetItem"]
          resources = [module.tables.limits_table_arn]
        }
        # Presigning a PUT (or a part's) needs the signer to hold s3:PutObject on the key;
        # uploads in parts are listed, completed and aborted here, and a completed one looked for.
        UploadsPutDelete = {
          actions = ["s3:PutObject", "s3:DeleteObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload",
          "s3:GetObject"]
          resources = ["${module.storage.uploads_bucket_arn}/incoming/*"]
        }
        ResultsGetDelete = {
          actions   = ["s3:GetObject", "s3:DeleteObject"]
          resources = ["${module.storage.results_bucket_arn}/results/*", "${module.storage.results_bucket_arn}/renders/*"]
        }
        ResultsList = {
          actions   = ["s3:ListBucket"]
          resources = [module.storage.results_bucket_arn, module.storage.uploads_bucket_arn]
        }
        SecretsRead = {
          actions   = ["ssm:GetParameter"]
          resources = [module.auth.secret_parameter_arn, module.delivery.signing_key_parameter_arn]
        }
        }, !local.delivery_cdn ? {} : {
        # A deleted job's delivery paths leave the CDN too.
        DeliveryInvalidate = {
          actions   = ["cloudfront:CreateInvalidation"]
          resources = [module.delivery.distribution_arn]
        }
      })
    }
    worker = {
      layer_arns = concat([module.layers.deps_arn, module.layers.imaging_arn],
      module.layers.ondevice_arns)
      memory_mb            = var.worker_memory_mb
      timeout_seconds      = var.worker_timeout_seconds
      reserved_concurrency = -1
      # Each photo renders in a child process the worker kills past its deadline: two fifths of
      # the timeout, so a batch's second wave still gets a whole one.
      environment = {
        RENDER_CHILDREN         = tostring(var.render_children)
        RENDER_DEADLINE_SECONDS = tostring(max(5, floor(var.worker_timeout_seconds * 0.4)))
      }
      policy_statements = merge(local.kms_statements, local.provider_statements, {
        JobsReadUpdate = {
          actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
          resources = [module.tables.jobs_table_arn]
        }
        OriginalsRead = {
          actions   = ["s3:GetObject"]
          resources = ["${module.storage.uploads_bucket_arn}/incoming/*"]
        }
        ResultsWrite = {
          actions   = ["s3:PutObject"]
          resources = ["${module.storage.results_bucket_arn}/results/*"]
        }
        JobEventsPublish = {
          actions   = ["sns:Publish"]
          resources = [module.events.job_events_topic_arn]
        }
        JobsQueueConsume = {
          actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
          resources = [module.queues.jobs_queue_arn_for_grants]
        }
      })
    }
    notifier = {
      layer_arns           = [module.layers.deps_arn]
      memory_mb            = var.notifier_memory_mb
      timeout_seconds      = var.notifier_timeout_seconds
      reserved_concurrency = -1
      environment          = {}
      policy_statements = merge(local.push_statements, {
        DevicesReadDelete = {
          actions   = ["dynamodb:Query", "dynamodb:DeleteItem"]
          resources = [module.tables.devices_table_arn]
        }
        DeliveriesLedger = {
          actions   = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem"]
          resources = [module.tables.deliveries_table_arn]
        }
        NotifyQueueConsume = {
          actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
          resources = [module.queues.notify_queue_arn_for_grants]
        }
      })
    }
    sweeper = {
      layer_arns           = [module.layers.deps_arn, module.layers.imaging_arn]
      memory_mb            = 256
      timeout_seconds      = 60
      reserved_concurrency = -1
      environment = {
        STALLED_AFTER_SECONDS = tostring(local.stalled_after_seconds)
        JOBS_QUEUE_NAME       = module.queues.jobs_queue_name
        # While the jobs queue has a backlog, a job is failed only once no message of it can be
        # waiting there: its last allowed attempt made (MAX_RECEIVE_COUNT), or older than a
        # message lives.
        JOBS_MESSAGE_RETENTION_SECONDS = tostring(module.queues.jobs_message_retention_seconds)
        # Where the buckets have no lifecycle rules (the emulators), the sweeper expires renders.
        SWEEP_RENDERS_AFTER_DAYS = local.lifecycle_rules ? "0" : tostring(var.delivery_render_cache_days)
      }
      policy_statements = merge(local.kms_statements, {
        StalledJobsRead = {
          actions   = ["dynamodb:Query"]
          resources = ["${module.tables.jobs_table_arn}/index/inFlight"]
        }
        # Whether a job still waiting for its photo has it (HeadObject; ListBucket makes a
        # missing key a 404 rather than a 403), and the abort of an upload in parts it ends.
        OriginalsHead = {
          actions   = ["s3:GetObject", "s3:AbortMultipartUpload"]
          resources = ["${module.storage.uploads_bucket_arn}/incoming/*"]
        }
        UploadsList = {
          actions   = ["s3:ListBucket"]
          resources = [module.storage.uploads_bucket_arn]
        }
        JobsFailOrPublish = {
          actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
          resources = [module.tables.jobs_table_arn]
        }
        # Holds off failing stalled jobs while the jobs queue has a backlog; queues a photo no
        # delivery claimed again, once.
        JobsQueueBacklog = {
          actions   = ["sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:SendMessage"]
          resources = [module.queues.jobs_queue_arn_for_grants]
        }
        JobEventsPublish = {
          actions   = ["sns:Publish"]
          resources = [module.events.job_events_topic_arn]
        }
        }, local.lifecycle_rules ? {} : {
        RendersExpire = {
          actions   = ["s3:ListBucket", "s3:DeleteObject"]
          resources = [module.storage.results_bucket_arn, "${module.storage.results_bucket_arn}/renders/*"]
        }
      })
    }
  }
}

# Apart from the map above: each function waits for everything its map entry names, and these
# name the queues themselves, which take ~50 s of provider waits; only the event source
# mappings need them, not the functions.
locals {
  sqs_triggers = {
    worker = {
      queue_arn           = module.queues.jobs_queue_arn
      batch_size          = var.worker_batch_size
      maximum_concurrency = local.worker_max_concurrent_batches
    }
    notifier = {
      queue_arn           = module.queues.notify_queue_arn
      batch_size          = 10
      maximum_concurrency = local.notifier_max_concurrent_batches
    }
  }
}

module "functions" {
  source                = "./modules/function"
  for_each              = local.functions
  name_prefix           = var.name_prefix
  name                  = each.key
  handler               = "photopipe.handlers.${each.key}.lambda_handler"
  zip_path              = local.code_zip
  layer_arns            = each.value.layer_arns
  architecture          = var.lambda_architecture
  memory_mb             = each.value.memory_mb
  timeout_seconds       = each.value.timeout_seconds
  log_retention_days    = var.log_retention_days
  environment_variables = merge(local.common_environment, { POWERTOOLS_SERVICE_NAME = "photopipe-${each.key}" }, each.value.environment)
  tracing_enabled       = var.tracing_enabled
  reserved_concurrency  = each.value.reserved_concurrency
  sqs_trigger           = lookup(local.sqs_triggers, each.key, null)
  policy_statements     = each.value.policy_statements
}

# The delivery function: apart from the map above because the api's environment names its URL.
# It renders, so it gets the imaging layer and memory of its own; it reads jobs and variants and
# writes nothing but its cache of renders.
module "delivery_function" {
  source               = "./modules/function"
  name_prefix          = var.name_prefix
  name                 = "delivery"
  handler              = "photopipe.handlers.delivery.lambda_handler"
  zip_path             = local.code_zip
  layer_arns           = [module.layers.deps_arn, module.layers.imaging_arn]
  architecture         = var.lambda_architecture
  memory_mb            = var.delivery_memory_mb
  timeout_seconds      = 30
  log_retention_days   = var.log_retention_days
  tracing_enabled      = var.tracing_enabled
  reserved_concurrency = var.delivery_reserved_concurrency
  environment_variables = merge(local.common_environment, {
    POWERTOOLS_SERVICE_NAME   = "photopipe-delivery"
    CORS_ALLOWED_ORIGINS      = join(",", local.cors_allowed_origins)
    PUBLIC_ENDPOINT_URL       = var.execute_api_endpoint == null ? "" : var.execute_api_endpoint
    DELIVERY_MAX_INLINE_BYTES = tostring(var.delivery_max_inline_bytes)
    RENDERS_PER_USER_MINUTE   = tostring(var.delivery_renders_per_user_minute)
    TRANSFORMS_PER_JOB        = tostring(var.delivery_transforms_per_job)
  })
  policy_statements = merge(local.kms_statements, {
    JobsRead = {
      actions   = ["dynamodb:GetItem"]
      resources = [module.tables.jobs_table_arn]
    }
    # Render counters per user and per job, and the lease that lets one request render.
    Limits = {
      actions   = ["dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
      resources = [module.tables.limits_table_arn]
    }
    OriginalsRead = {
      actions   = ["s3:GetObject"]
      resources = ["${module.storage.uploads_bucket_arn}/incoming/*"]
    }
    VariantsRead = {
      actions   = ["s3:GetObject"]
      resources = ["${module.storage.results_bucket_arn}/results/*"]
    }
    RendersCache = {
      actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
      resources = ["${module.storage.results_bucket_arn}/renders/*"]
    }
    # A missing key answers NoSuchKey (not AccessDenied) only with ListBucket.
    ResultsList = {
      actions   = ["s3:ListBucket"]
      resources = [module.storage.results_bucket_arn]
    }
    SigningKeyRead = {
      actions   = ["ssm:GetParameter"]
      resources = [module.delivery.signing_key_parameter_arn]
    }
  })
}

module "delivery" {
  source            = "./modules/delivery"
  name_prefix       = var.name_prefix
  function_name     = module.delivery_function.function_name
  cdn_enabled       = local.delivery_cdn
  emulator_endpoint = var.execute_api_endpoint
  custom_domain     = var.delivery_custom_domain
  certificate_arn   = var.delivery_certificate_arn
  web_acl_id        = var.delivery_web_acl_id
}

module "api" {
  source                 = "./modules/api"
  name_prefix            = var.name_prefix
  function_name          = module.functions["api"].function_name
  function_invoke_arn    = module.functions["api"].invoke_arn
  stage_name             = var.api_stage_name
  log_retention_days     = var.log_retention_days
  throttling_rate_limit  = var.api_throttle.rate_limit
  throttling_burst_limit = var.api_throttle.burst_limit
}

# On AWS by default: a per-address rate limit in front of the stage (the emulators have no WAF).
locals {
  api_waf_rate_limit = var.api_waf_rate_limit == null ? (local.on_aws ? 3000 : 0) : var.api_waf_rate_limit
}

module "waf" {
  count                     = local.api_waf_rate_limit > 0 ? 1 : 0
  source                    = "./modules/waf"
  name_prefix               = var.name_prefix
  stage_arn                 = module.api.stage_arn
  requests_per_five_minutes = local.api_waf_rate_limit
  forwarded_ip_header       = var.api_waf_forwarded_ip_header
}

# A worker process killed outright on a job's last attempt cannot fail the job; the sweeper does,
# once the job has gone untouched longer than any retry waits: the queue's visibility timeout
# (after a killed attempt) or the retry ceiling (after a failed one), plus an attempt's run time.
locals {
  stalled_after_seconds = max(module.queues.jobs_visibility_timeout_seconds, local.retry_max_seconds) + var.worker_timeout_seconds + 60
}

module "schedule" {
  source              = "./modules/schedule"
  name_prefix         = var.name_prefix
  schedule_expression = var.sweep_schedule
  function_arn        = module.functions["sweeper"].function_arn
  function_name       = module.functions["sweeper"].function_name
}

module "alarms" {
  count                = var.alarms_enabled ? 1 : 0
  source               = "./modules/alarms"
  name_prefix          = var.name_prefix
  alarm_email          = var.alarm_email
  jobs_queue_name      = module.queues.jobs_queue_name
  jobs_dlq_name        = module.queues.jobs_dlq_name
  notify_dlq_name      = module.queues.notify_dlq_name
  worker_function_name = module.functions["worker"].function_name
  api_name             = module.api.rest_api_name
  api_stage_name       = module.api.stage_name
}

