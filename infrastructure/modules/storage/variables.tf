variable "name_prefix" {
  description = "Prefix of the bucket names."
  type        = string
}

variable "cors_allowed_origins" {
  description = "Origins allowed to PUT uploads."
  type        = list(string)
}

variable "original_retention_days" {
  description = "Days after which originals under incoming/ expire."
  type        = number
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete non-empty buckets."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for both buckets; null for S3-managed keys (SSE-S3)."
  type        = string
  default     = null
}

variable "results_retention_days" {
  description = "Days after which result variants are deleted (the job record's lifetime)."
  type        = number
}

variable "lifecycle_rules" {
  description = "Whether the buckets get their lifecycle rules."
  type        = bool
  default     = true
}

variable "render_cache_days" {
  description = "Days a delivery render stays cached (renders/); a later request renders it again."
  type        = number
  default     = 30
}
