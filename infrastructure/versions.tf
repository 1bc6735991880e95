terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.100.0 is the version the offline provider mirror holds; nothing here needs newer.
      version = ">= 5.60.0, < 6.0.0"
    }
  }

  # Remote state: on AWS in your bucket (`make deploy ENV=aws BACKEND_CONFIG=...`), locally in
  # the emulator's S3, where tflocal points the backend (its bucket tf-test-state; with
  # -backend-config=env/local.s3.tfbackend). The key is set here so that tflocal sees an S3
  # backend to redirect: it skips an empty block.
  backend "s3" {
    key = "photopipe/terraform.tfstate"
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge({ Project = "photopipe", Environment = var.environment }, var.tags)
  }
}
