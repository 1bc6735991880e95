variable "name_prefix" {
  description = "Prefix of the API name."
  type        = string
}

variable "function_name" {
  description = "Name of the api function."
  type        = string
}

variable "function_invoke_arn" {
  description = "Invoke ARN of the api function."
  type        = string
}

variable "stage_name" {
  description = "Stage name."
  type        = string
}

variable "throttling_rate_limit" {
  description = "Steady-state requests per second for the stage."
  type        = number
  default     = 100
}

variable "throttling_burst_limit" {
  description = "Burst of requests for the stage."
  type        = number
  default     = 200
}

variable "log_retention_days" {
  description = "Retention of the access log group."
  type        = number
}

variable "manage_account_logging_role" {
  description = "Create the account-wide role API Gateway logs through (one per account and region)."
  type        = bool
  default     = true
}
