# A customer-managed key for both buckets and the tables, with the kms_enabled option.

resource "aws_kms_key" "data" {
  #checkov:skip=CKV2_AWS_64:the default key policy (account root, IAM decides) is intended; roles get kms:Decrypt/GenerateDataKey on this key only
  count                   = var.enabled ? 1 : 0
  description             = "${var.name_prefix}: uploads and results buckets"
  enable_key_rotation     = true
  deletion_window_in_days = 14
}

resource "aws_kms_alias" "data" {
  count         = var.enabled ? 1 : 0
  name          = "alias/${var.name_prefix}-data"
  target_key_id = aws_kms_key.data[0].key_id
}
