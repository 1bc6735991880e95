variable "name_prefix" {
  type = string
}

variable "auth_mode" {
  type = string
}

