# The emulator environment (MiniStack or LocalStack). Endpoints are not set here: the
# scripts add them in a generated override file of a working copy, never in the modules.
environment = "local"
name_prefix = "photopipe"
aws_region  = "us-east-1"
# Where clients reach the API: the emulator's execute-api data plane (`make up` passes its own
# port; this default is the dev stack's).
execute_api_endpoint = "http://127.0.0.1:4566"
log_retention_days   = 1
# The emulator runs functions as local processes: less memory is only a label there.
worker_memory_mb = 1024
# A shorter timeout keeps the queue visibility timeout (6x) short: after an emulator restart,
# messages a worker held come back in 3 minutes instead of 6.
worker_timeout_seconds = 30
# Two photos render at once here (2 cores); one on AWS, where 1769 MB is one vCPU.
render_children = 2
# Browsers on this machine (a dev server or the console) may PUT uploads.
cors_allowed_origins = ["http://localhost:*", "http://127.0.0.1:*"]
# Read text (OCR) in every photo, so `make demo` and the e2e tests see it: ~120 ms of CPU on a
# 768 px preview with words, a few ms on the tests' small images.
text_detection = true
# The chaos and retry tests ask for injected transient failures.
enable_fault_injection = true

# On 2 cores, more concurrent worker invocations only add emulator worker processes (each a
# cold start) competing for the same CPUs. The notifier mostly waits on receivers: with 2
# batches, two held by a tenant's slow-loris webhooks (one send deadline each) queued everyone
# else's events behind them (victims' p95 delivery lag 9 s in `make chaos N=500`; 0.7 s with 4).
worker_max_concurrent_batches   = 2
notifier_max_concurrent_batches = 4

# Delivery answers above 1 MB are redirects to a presigned object here (4 MB on AWS, inside
# Lambda's 6 MB response), so the e2e tests exercise the redirect with ordinary photos.
delivery_max_inline_bytes = 1000000
# Lower limits than on AWS, so the e2e tests reach them with a few dozen small requests.
jobs_per_user_minute             = 60
jobs_in_flight_per_user          = 50
upload_bytes_per_user_day        = 1073741824
delivery_renders_per_user_minute = 60
delivery_transforms_per_job      = 40
# CloudFront in front of delivery, as on AWS: MiniStack runs distributions (without caching).
# LocalStack Community has none: `make up EMULATOR=localstack` passes delivery_cdn_enabled=false.
delivery_cdn_enabled = true
