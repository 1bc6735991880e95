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
