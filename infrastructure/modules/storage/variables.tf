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
