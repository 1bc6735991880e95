variable "name_prefix" {
  type = string
}

variable "schedule_expression" {
  type = string
}

variable "function_arn" {
  type = string
}

variable "function_name" {
  type = string
}
