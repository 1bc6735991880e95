# Resources that lived in the root before it only wired modules: their state moves, nothing is
# recreated on a stack deployed before.

moved {
  from = aws_ssm_parameter.auth_secret
  to   = module.auth.aws_ssm_parameter.auth_secret
}

moved {
  from = aws_cognito_user_pool.users
  to   = module.auth.aws_cognito_user_pool.users
}

moved {
  from = aws_cognito_user_pool_client.mobile
  to   = module.auth.aws_cognito_user_pool_client.mobile
}

moved {
  from = aws_sns_platform_application.ios
  to   = module.push.aws_sns_platform_application.ios
}

moved {
  from = aws_sns_platform_application.android
  to   = module.push.aws_sns_platform_application.android
}

moved {
  from = aws_kms_key.data
  to   = module.keys.aws_kms_key.data
}

moved {
  from = aws_kms_alias.data
  to   = module.keys.aws_kms_alias.data
}

moved {
  from = aws_lambda_layer_version.deps
  to   = module.layers.aws_lambda_layer_version.deps
}

moved {
  from = aws_lambda_layer_version.imaging
  to   = module.layers.aws_lambda_layer_version.imaging
}

moved {
  from = aws_lambda_layer_version.ondevice
  to   = module.layers.aws_lambda_layer_version.ondevice
}

moved {
  from = aws_cloudwatch_event_rule.sweep
  to   = module.schedule.aws_cloudwatch_event_rule.sweep
}

moved {
  from = aws_cloudwatch_event_target.sweep
  to   = module.schedule.aws_cloudwatch_event_target.sweep
}

moved {
  from = aws_lambda_permission.sweep
  to   = module.schedule.aws_lambda_permission.sweep
}

# The four function blocks the functions map replaced.
moved {
  from = module.api_function
  to   = module.functions["api"]
}

moved {
  from = module.worker_function
  to   = module.functions["worker"]
}

moved {
  from = module.notifier_function
  to   = module.functions["notifier"]
}

moved {
  from = module.sweeper_function
  to   = module.functions["sweeper"]
}

