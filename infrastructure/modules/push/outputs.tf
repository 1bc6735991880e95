output "ios_application_arn" {
  value = var.push_apns == null ? "" : aws_sns_platform_application.ios[0].arn
}

output "android_application_arn" {
  value = var.push_fcm_service_account_json == null ? "" : aws_sns_platform_application.android[0].arn
}
