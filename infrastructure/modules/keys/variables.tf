variable "name_prefix" {
  type = string
}

variable "enabled" {
  type = bool
}
