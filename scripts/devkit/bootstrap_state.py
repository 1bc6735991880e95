#!/usr/bin/env python3
"""Creates the S3 bucket that holds photopipe's Terraform state on AWS, and writes backend.hcl.

    bootstrap_state.py --bucket my-photopipe-tfstate --region eu-west-1

The bucket is versioned (state history), encrypted, private, and TLS-only. Locking uses S3's
native lock file (`use_lockfile = true`, Terraform >= 1.10), so no DynamoDB table is needed.
Run it once per account with credentials that may create buckets; it is idempotent.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import boto3
from botocore.exceptions import ClientError


def ensure_bucket(s3: object, bucket: str, region: str) -> None:
    client = s3
    try:
        client.head_bucket(Bucket=bucket)  # type: ignore[attr-defined]
        print(f"bucket {bucket} exists")
    except ClientError:
        kwargs = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        client.create_bucket(Bucket=bucket, **kwargs)  # type: ignore[attr-defined]
        print(f"created bucket {bucket}")
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})  # type: ignore[attr-defined]
    client.put_bucket_encryption(  # type: ignore[attr-defined]
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    client.put_public_access_block(  # type: ignore[attr-defined]
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    tls_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(tls_only))  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--key", default="photopipe/terraform.tfstate")
    parser.add_argument("--out", type=Path, default=Path("infrastructure/backend.hcl"))
    args = parser.parse_args()
    ensure_bucket(boto3.client("s3", region_name=args.region), args.bucket, args.region)
    args.out.write_text(
        f'bucket       = "{args.bucket}"\nkey          = "{args.key}"\nregion       = "{args.region}"\n'
        "encrypt      = true\nuse_lockfile = true\n"
    )
    print(f"wrote {args.out}: terraform -chdir=infrastructure init -backend-config=backend.hcl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
