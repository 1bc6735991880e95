output "deps_arn" {
  value = aws_lambda_layer_version.layer["deps"].arn
}

output "imaging_arn" {
  value = aws_lambda_layer_version.layer["imaging"].arn
}

output "auth_arn" {
  value = aws_lambda_layer_version.layer["auth"].arn
}

output "ondevice_arns" {
  value = [for name in var.ondevice_layers : aws_lambda_layer_version.layer[name].arn]
}
