variable "name_prefix" {
  type = string
}

variable "auth_mode" {
  type = string
}

variable "self_sign_up" {
  type = bool
}
