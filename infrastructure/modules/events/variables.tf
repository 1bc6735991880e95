variable "name_prefix" {
  description = "Prefix of the topic name."
  type        = string
}

variable "notify_queue_arn" {
  description = "ARN of the queue the notifier reads."
  type        = string
}

variable "kms_master_key_id" {
  description = "KMS key for topic encryption; null leaves the topic unencrypted by a CMK."
  type        = string
  default     = null
}
