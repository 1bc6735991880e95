variable "name_prefix" {
  description = "Prefix of the alarm names."
  type        = string
}

variable "alarm_email" {
  description = "Address that receives alarm notifications; null for none."
  type        = string
  default     = null
}

variable "kms_key_id" {
  description = "KMS key for the alarm topic; null for none."
  type        = string
  default     = null
}

variable "jobs_queue_name" {
  description = "Name of the jobs queue."
  type        = string
}

variable "jobs_dlq_name" {
  description = "Name of the jobs dead-letter queue."
  type        = string
}

variable "notify_dlq_name" {
  description = "Name of the notify dead-letter queue."
  type        = string
}

variable "worker_function_name" {
  description = "Name of the worker function."
  type        = string
}

variable "api_name" {
  description = "Name of the REST API."
  type        = string
}

variable "api_stage_name" {
  description = "Name of the API stage."
  type        = string
}

variable "oldest_job_age_seconds" {
  description = "Age of the oldest queued upload that raises the alarm."
  type        = number
  default     = 300
}
