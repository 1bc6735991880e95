# Jobs (one item per job, listed per user through the by-user index), devices (per user),
# the notification delivery ledger (one item per job and device) and Powertools idempotency.

resource "aws_dynamodb_table" "jobs" {
  #checkov:skip=CKV_AWS_28:follows var.point_in_time_recovery, on in env/aws.tfvars
  #checkov:skip=CKV_AWS_119:encrypted with the AWS-owned key; a CMK adds cost and a key to manage
  name         = "${var.name_prefix}-jobs"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "jobId"

  attribute {
    name = "jobId"
    type = "S"
  }
  attribute {
    name = "userId"
    type = "S"
  }
  attribute {
    name = "createdAt"
    type = "S"
  }
  attribute {
    name = "inFlight"
    type = "S"
  }
  attribute {
    name = "updatedAt"
    type = "S"
  }

  global_secondary_index {
    name            = "byUser"
    hash_key        = "userId"
    range_key       = "createdAt"
    projection_type = "ALL"
  }

  # Sparse: only PROCESSING jobs carry inFlight. The sweeper reads the stalled ones from it.
  global_secondary_index {
    name            = "inFlight"
    hash_key        = "inFlight"
    range_key       = "updatedAt"
    projection_type = "KEYS_ONLY"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "devices" {
  #checkov:skip=CKV_AWS_28:follows var.point_in_time_recovery, on in env/aws.tfvars
  #checkov:skip=CKV_AWS_119:encrypted with the AWS-owned key; a CMK adds cost and a key to manage
  name         = "${var.name_prefix}-devices"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "userId"
  range_key    = "deviceId"

  attribute {
    name = "userId"
    type = "S"
  }
  attribute {
    name = "deviceId"
    type = "S"
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "deliveries" {
  #checkov:skip=CKV_AWS_28:short-lived records that expire by TTL; nothing to restore
  #checkov:skip=CKV_AWS_119:encrypted with the AWS-owned key; a CMK adds cost and a key to manage
  name         = "${var.name_prefix}-deliveries"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "jobId"
  range_key    = "deviceId"

  attribute {
    name = "jobId"
    type = "S"
  }
  attribute {
    name = "deviceId"
    type = "S"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "idempotency" {
  #checkov:skip=CKV_AWS_28:short-lived records that expire by TTL; nothing to restore
  #checkov:skip=CKV_AWS_119:encrypted with the AWS-owned key; a CMK adds cost and a key to manage
  name         = "${var.name_prefix}-idempotency"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  ttl {
    attribute_name = "expiration"
    enabled        = true
  }

  server_side_encryption {
    enabled = true
  }
}

# Per-user and per-job counters (delivery renders) and short render leases, each expiring by TTL.
resource "aws_dynamodb_table" "limits" {
  #checkov:skip=CKV_AWS_28:counters and leases of minutes; nothing to restore
  #checkov:skip=CKV_AWS_119:encrypted with the AWS-owned key; a CMK adds cost and a key to manage
  name         = "${var.name_prefix}-limits"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  server_side_encryption {
    enabled = true
  }
}
