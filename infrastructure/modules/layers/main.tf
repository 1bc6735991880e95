# The Lambda layers: `deps` for every function, `imaging` (Pillow, pillow-heif, libvips) for the
# functions that render, `auth` (cryptography) for the api, which alone verifies tokens, and the
# on-device provider's runtimes and models for the worker only.

resource "aws_lambda_layer_version" "layer" {
  for_each                 = toset(concat(["deps", "imaging", "auth"], var.ondevice_layers))
  layer_name               = "${var.name_prefix}-${each.key}-${var.architecture}"
  filename                 = "${var.artifacts_dir}/${each.key}-${var.architecture}.zip"
  source_code_hash         = filebase64sha256("${var.artifacts_dir}/${each.key}-${var.architecture}.zip")
  compatible_runtimes      = ["python3.12"]
  compatible_architectures = [var.architecture]
}

# One resource for every layer since the auth layer made three alike.
moved {
  from = aws_lambda_layer_version.deps
  to   = aws_lambda_layer_version.layer["deps"]
}

moved {
  from = aws_lambda_layer_version.imaging
  to   = aws_lambda_layer_version.layer["imaging"]
}

moved {
  from = aws_lambda_layer_version.ondevice["ondevice-runtime"]
  to   = aws_lambda_layer_version.layer["ondevice-runtime"]
}

moved {
  from = aws_lambda_layer_version.ondevice["ondevice-models"]
  to   = aws_lambda_layer_version.layer["ondevice-models"]
}
