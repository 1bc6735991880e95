variable "name_prefix" {
  description = "Prefix of the queue names."
  type        = string
}

variable "uploads_bucket_name" {
  description = "Bucket whose ObjectCreated events feed the jobs queue."
  type        = string
}

variable "uploads_bucket_arn" {
  description = "ARN of that bucket, allowed to send to the jobs queue."
  type        = string
}

variable "max_receive_count" {
  description = "Deliveries before a message moves to its dead-letter queue."
  type        = number
}

variable "jobs_visibility_timeout_seconds" {
  description = "Visibility timeout of the jobs queue (at least 6x the worker timeout)."
  type        = number
}

variable "notify_visibility_timeout_seconds" {
  description = "Visibility timeout of the notify queue (at least 6x the notifier timeout)."
  type        = number
}

variable "job_events_topic_arn" {
  description = "The topic the notify queue accepts messages from."
  type        = string
}
