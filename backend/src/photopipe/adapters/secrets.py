"""Reads secrets once per process: SSM SecureString parameters and Secrets Manager secrets."""

from __future__ import annotations

from functools import cache

from photopipe.adapters.aws import client


@cache
def secure_parameter(name: str) -> str:
    response = client("ssm").get_parameter(Name=name, WithDecryption=True)
    value: str = response["Parameter"]["Value"]
    return value


@cache
def secret_string(secret_id: str) -> str:
    value: str = client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    return value
