variable "name_prefix" {
  type = string
}

variable "stage_arn" {
  description = "The API Gateway stage the web ACL guards."
  type        = string
}

variable "requests_per_five_minutes" {
  description = "Requests one client address may make in any five minutes."
  type        = number
}

variable "forwarded_ip_header" {
  description = "The header holding the client's address when a proxy or CDN fronts the API (X-Forwarded-For); null: the source address."
  type        = string
  default     = null
}
