# Mobile push: SNS platform applications for APNs and FCM, each only when its credentials are given
# (without them pushes are recorded as simulated).

resource "aws_sns_platform_application" "ios" {
  count                    = var.push_apns == null ? 0 : 1
  name                     = "${var.name_prefix}-ios"
  platform                 = try(var.push_apns.sandbox, false) ? "APNS_SANDBOX" : "APNS"
  platform_credential      = var.push_apns.signing_key
  platform_principal       = var.push_apns.key_id
  apple_platform_team_id   = var.push_apns.team_id
  apple_platform_bundle_id = var.push_apns.bundle_id
}

resource "aws_sns_platform_application" "android" {
  count               = var.push_fcm_service_account_json == null ? 0 : 1
  name                = "${var.name_prefix}-android"
  platform            = "GCM"
  platform_credential = var.push_fcm_service_account_json
}
