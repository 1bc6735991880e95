output "key_arn" {
  value = var.enabled ? aws_kms_key.data[0].arn : null
}
