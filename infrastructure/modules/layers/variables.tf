variable "name_prefix" {
  type = string
}

variable "architecture" {
  type = string
}

variable "artifacts_dir" {
  description = "Where `make build` wrote the layer zips."
  type        = string
}

variable "ondevice_layers" {
  description = "The on-device layers to publish (none unless the image provider is ondevice)."
  type        = list(string)
}
