output "deps_arn" {
  value = aws_lambda_layer_version.deps.arn
}

output "imaging_arn" {
  value = aws_lambda_layer_version.imaging.arn
}

output "auth_arn" {
  value = aws_lambda_layer_version.auth.arn
}

output "ondevice_arns" {
  value = [for name in var.ondevice_layers : aws_lambda_layer_version.ondevice[name].arn]
}
