variable "name_prefix" {
  type = string
}

variable "function_name" {
  description = "The delivery function, whose URL is the origin."
  type        = string
}

variable "cdn_enabled" {
  description = "A CloudFront distribution in front of the function URL (AWS); the URL itself is then AWS_IAM, callable by CloudFront alone."
  type        = bool
}

variable "emulator_endpoint" {
  description = "Where clients reach an emulator (its PUBLIC_HOST endpoint); null on AWS."
  type        = string
  default     = null
}

variable "custom_domain" {
  description = "A domain of your own for delivery URLs (with certificate_arn, in us-east-1); null: the distribution's cloudfront.net name."
  type        = string
  default     = null
}

variable "certificate_arn" {
  description = "ACM certificate (us-east-1) for custom_domain."
  type        = string
  default     = null
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"
}

variable "web_acl_id" {
  description = "A WAF web ACL (ARN) for the distribution; null: none."
  type        = string
  default     = null
}
