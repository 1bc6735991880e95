variable "name_prefix" {
  type = string
}

variable "push_apns" {
  type = object({
    signing_key = string
    key_id      = string
    team_id     = string
    bundle_id   = string
    sandbox     = optional(bool, false)
  })
  nullable  = true
  sensitive = true
}

variable "push_fcm_service_account_json" {
  type      = string
  nullable  = true
  sensitive = true
}
