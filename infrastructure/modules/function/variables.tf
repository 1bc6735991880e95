variable "name_prefix" {
  description = "Prefix of the function name."
  type        = string
}

variable "name" {
  description = "Short name of the function (api, worker, notifier)."
  type        = string
}

variable "handler" {
  description = "Python handler, module.function."
  type        = string
}

variable "zip_path" {
  description = "Path of the function's code zip."
  type        = string
}

variable "layer_arns" {
  description = "Layers (the dependencies layer)."
  type        = list(string)
  default     = []
}

variable "architecture" {
  description = "x86_64 or arm64."
  type        = string
}

variable "memory_mb" {
  description = "Memory size."
  type        = number
}

variable "timeout_seconds" {
  description = "Timeout."
  type        = number
}

variable "environment_variables" {
  description = "Environment of the function (read once by photopipe.config)."
  type        = map(string)
}

variable "log_retention_days" {
  description = "Retention of the log group."
  type        = number
}

variable "policy_statements" {
  description = "Statements granted to the function's role, keyed by a statement id."
  type = map(object({
    actions   = list(string)
    resources = list(string)
  }))
}

variable "sqs_trigger" {
  description = "Queue that triggers the function (partial batch failures on); null for none."
  type = object({
    queue_arn               = string
    batch_size              = optional(number, 10)
    batching_window_seconds = optional(number, 0)
    maximum_concurrency     = optional(number) # concurrent batches, 2-1000; null: no limit
  })
  default = null
}

variable "tracing_enabled" {
  description = "Active X-Ray tracing."
  type        = bool
  default     = false
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; -1 leaves the function unreserved."
  type        = number
  default     = -1
}
