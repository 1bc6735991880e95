# Uploads (originals written by clients through presigned PUTs) and results (variants written
# by the worker). Both private and encrypted at rest.

resource "aws_s3_bucket" "uploads" {
  #checkov:skip=CKV2_AWS_62:the notification to the jobs queue lives in the queues module
  #checkov:skip=CKV_AWS_21:originals are transient (expired by lifecycle) and objects are written once; versioning would only keep deleted photos
  #checkov:skip=CKV_AWS_18:server access logs cost storage; CloudTrail data events are the audit trail where needed
  #checkov:skip=CKV_AWS_144:cross-region replication is a disaster-recovery choice with its own cost
  #checkov:skip=CKV_AWS_145:SSE-S3 by default; var.kms_enabled switches both buckets to a customer-managed key
  bucket_prefix = "${var.name_prefix}-uploads-"
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket" "results" {
  #checkov:skip=CKV2_AWS_62:nothing reacts to results; the uploads bucket notifies the jobs queue
  #checkov:skip=CKV_AWS_21:results can be regenerated from the job and objects are written once; versioning would only keep deleted photos
  #checkov:skip=CKV_AWS_18:server access logs cost storage; CloudTrail data events are the audit trail where needed
  #checkov:skip=CKV_AWS_144:cross-region replication is a disaster-recovery choice with its own cost
  #checkov:skip=CKV_AWS_145:SSE-S3 by default; var.kms_enabled switches both buckets to a customer-managed key
  bucket_prefix = "${var.name_prefix}-results-"
  force_destroy = var.force_destroy
}

locals {
  buckets = {
    uploads = aws_s3_bucket.uploads.id
    results = aws_s3_bucket.results.id
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each                = local.buckets
  bucket                  = each.value
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = local.buckets
  bucket   = each.value
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = local.buckets
  bucket   = each.value
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

# Every request must use TLS: a presigned URL or a role's call over plain http is refused.
# (Emulators serve http on loopback and do not evaluate bucket policies.)
resource "aws_s3_bucket_policy" "tls_only" {
  for_each = local.buckets
  bucket   = each.value
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::${each.value}", "arn:aws:s3:::${each.value}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
  depends_on = [aws_s3_bucket_public_access_block.this]
}

# Browsers and web views PUT straight to the presigned URL from these origins only.
resource "aws_s3_bucket_cors_configuration" "uploads" {
  count  = length(var.cors_allowed_origins) > 0 ? 1 : 0
  bucket = aws_s3_bucket.uploads.id
  cors_rule {
    allowed_methods = ["PUT"]
    allowed_origins = var.cors_allowed_origins
    # The presigned PUT signs these; a browser sets Content-Length itself, the others it must ask for.
    allowed_headers = ["content-type", "content-length", "if-none-match"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3000
  }
}

# Originals are only needed until the job finishes; results carry the value.
# (count: see var.lifecycle_rules; a state from before it moves with the `moved` blocks.)
moved {
  from = aws_s3_bucket_lifecycle_configuration.uploads
  to   = aws_s3_bucket_lifecycle_configuration.uploads[0]
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.results
  to   = aws_s3_bucket_lifecycle_configuration.results[0]
}

resource "aws_s3_bucket_lifecycle_configuration" "uploads" {
  count  = var.lifecycle_rules ? 1 : 0
  bucket = aws_s3_bucket.uploads.id
  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
  rule {
    id     = "expire-originals"
    status = "Enabled"
    filter {
      prefix = "incoming/"
    }
    expiration {
      days = var.original_retention_days
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "results" {
  count  = var.lifecycle_rules ? 1 : 0
  bucket = aws_s3_bucket.results.id
  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
  rule {
    id     = "expire-results-with-their-job"
    status = "Enabled"
    filter {
      prefix = "results/"
    }
    expiration {
      days = var.results_retention_days
    }
  }
  rule {
    id     = "expire-cached-renders"
    status = "Enabled"
    filter {
      prefix = "renders/"
    }
    expiration {
      days = var.render_cache_days
    }
  }
}
