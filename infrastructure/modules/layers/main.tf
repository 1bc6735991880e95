# The Lambda layers: `deps` for every function, `imaging` (Pillow, pillow-heif, libvips) for the
# functions that render, `auth` (cryptography) for the api, which alone verifies tokens, and the
# on-device provider's runtimes and models for the worker only.

resource "aws_lambda_layer_version" "deps" {
  layer_name               = "${var.name_prefix}-deps-${var.architecture}"
  filename                 = "${var.artifacts_dir}/deps-${var.architecture}.zip"
  source_code_hash         = filebase64sha256("${var.artifacts_dir}/deps-${var.architecture}.zip")
  compatible_runtimes      = ["python3.12"]
  compatible_architectures = [var.architecture]
}

resource "aws_lambda_layer_version" "imaging" {
  layer_name               = "${var.name_prefix}-imaging-${var.architecture}"
  filename                 = "${var.artifacts_dir}/imaging-${var.architecture}.zip"
  source_code_hash         = filebase64sha256("${var.artifacts_dir}/imaging-${var.architecture}.zip")
  compatible_runtimes      = ["python3.12"]
  compatible_architectures = [var.architecture]
}

resource "aws_lambda_layer_version" "auth" {
  layer_name               = "${var.name_prefix}-auth-${var.architecture}"
  filename                 = "${var.artifacts_dir}/auth-${var.architecture}.zip"
  source_code_hash         = filebase64sha256("${var.artifacts_dir}/auth-${var.architecture}.zip")
  compatible_runtimes      = ["python3.12"]
  compatible_architectures = [var.architecture]
}

resource "aws_lambda_layer_version" "ondevice" {
  for_each                 = toset(var.ondevice_layers)
  layer_name               = "${var.name_prefix}-${each.key}-${var.architecture}"
  filename                 = "${var.artifacts_dir}/${each.key}-${var.architecture}.zip"
  source_code_hash         = filebase64sha256("${var.artifacts_dir}/${each.key}-${var.architecture}.zip")
  compatible_runtimes      = ["python3.12"]
  compatible_architectures = [var.architecture]
}
