variable "name_prefix" {
  description = "Prefix of the table names."
  type        = string
}

variable "point_in_time_recovery" {
  description = "Continuous backups for the jobs and devices tables."
  type        = bool
  default     = false
}
