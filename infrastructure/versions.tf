terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.100.0 is the version the offline provider mirror holds; nothing here needs newer.
      version = ">= 5.60.0, < 6.0.0"
    }
  }

  # Remote state for real AWS (`make deploy ENV=aws` passes -backend-config). The local
  # environment runs from a generated working copy whose override file swaps in a local backend.
  backend "s3" {}
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge({ Project = "photopipe", Environment = var.environment }, var.tags)
  }
}
