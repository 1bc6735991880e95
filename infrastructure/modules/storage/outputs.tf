output "uploads_bucket_name" {
  description = "Bucket that receives originals."
  value       = aws_s3_bucket.uploads.id
}

output "uploads_bucket_arn" {
  description = "ARN of the uploads bucket."
  value       = aws_s3_bucket.uploads.arn
}

output "results_bucket_name" {
  description = "Bucket that holds the variants."
  value       = aws_s3_bucket.results.id
}

output "results_bucket_arn" {
  description = "ARN of the results bucket."
  value       = aws_s3_bucket.results.arn
}

output "public_access_blocks" {
  description = "Public access settings per bucket (asserted on by the terraform tests)."
  value = { for name, block in aws_s3_bucket_public_access_block.this : name => {
    block_public_acls       = block.block_public_acls
    block_public_policy     = block.block_public_policy
    ignore_public_acls      = block.ignore_public_acls
    restrict_public_buckets = block.restrict_public_buckets
  } }
}

output "encryption_algorithms" {
  description = "Default encryption algorithm per bucket."
  value = { for name, config in aws_s3_bucket_server_side_encryption_configuration.this :
  name => one([for rule in config.rule : one(rule.apply_server_side_encryption_by_default).sse_algorithm]) }
}

output "bucket_policies" {
  description = "Bucket policy per bucket, as JSON (asserted on by the terraform tests)."
  value       = { for name, policy in aws_s3_bucket_policy.tls_only : name => policy.policy }
}

output "results_retention_days" {
  description = "Days after which result variants expire."
  value       = var.results_retention_days
}

output "cors_rule_count" {
  description = "Whether browsers may PUT uploads (1) or not (0)."
  value       = length(aws_s3_bucket_cors_configuration.uploads)
}

output "lifecycle_rule_ids" {
  description = "The lifecycle rules' ids of each bucket that has them."
  value = merge(
    { for config in aws_s3_bucket_lifecycle_configuration.uploads : "uploads" => [for rule in config.rule : rule.id] },
    { for config in aws_s3_bucket_lifecycle_configuration.results : "results" => [for rule in config.rule : rule.id] },
  )
}
