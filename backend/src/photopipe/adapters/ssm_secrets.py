"""Reads secrets from SSM Parameter Store once per process."""

from __future__ import annotations

from functools import cache

from photopipe.adapters.aws import client


@cache
def secure_parameter(name: str) -> str:
    response = client("ssm").get_parameter(Name=name, WithDecryption=True)
    value: str = response["Parameter"]["Value"]
    return value
