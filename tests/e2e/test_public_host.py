"""A device that reaches this machine at another address (`make up PUBLIC_HOST=...`; `make test`
uses the second loopback address 127.0.0.2 in place of a LAN address): every URL the stack hands
out names that address, is signed for it, and works from there."""

from __future__ import annotations

import io
import os
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image

from devkit.client import PhotopipeClient
from devkit.stack import Stack
from tests.support import images


def advertised_host() -> str:
    return os.environ.get("PUBLIC_HOST") or "127.0.0.1"


def test_the_api_and_every_presigned_url_name_the_public_host(stack: Stack, client: PhotopipeClient) -> None:
    host = advertised_host()
    assert urlsplit(stack.api_base_url).hostname == host, stack.api_base_url
    assert requests.get(f"{stack.api_base_url}/v1/health", timeout=30).json()["status"] == "ok"

    photo = images.photo(640, 480)
    created = client.create_job("image/jpeg", len(photo))
    slot = created["upload"]
    assert urlsplit(slot["url"]).hostname == host, slot["url"]
    assert client.upload(slot, photo).status_code == 200

    job = client.wait_for_job(created["jobId"])
    assert job["status"] == "COMPLETED", job.get("error")
    for output in job["outputs"]:
        assert urlsplit(output["url"]).hostname == host, output["url"]
    thumbnail = next(o for o in job["outputs"] if o["name"] == "thumbnail")
    downloaded = requests.get(thumbnail["url"], timeout=30)
    assert downloaded.status_code == 200
    assert Image.open(io.BytesIO(downloaded.content)).size == (thumbnail["width"], thumbnail["height"])


def test_a_presigned_url_is_signed_for_the_public_host_only(client: PhotopipeClient) -> None:
    """The host is part of what S3 signs: the same URL sent to another of the emulator's
    addresses is refused. (LocalStack checks presigned signatures; MiniStack does only under
    AUTH=true.)"""
    host = advertised_host()
    if host == "127.0.0.1" or os.environ.get("EMULATOR") != "localstack":
        pytest.skip("needs PUBLIC_HOST and an emulator that checks presigned signatures (LocalStack)")
    photo = images.photo(64, 64)
    slot = client.create_job("image/jpeg", len(photo))["upload"]
    parts = urlsplit(slot["url"])
    elsewhere = parts._replace(netloc=f"127.0.0.1:{parts.port}").geturl()
    refused = requests.put(elsewhere, data=photo, headers=slot["headers"], timeout=30)
    assert refused.status_code == 403, (refused.status_code, refused.text[:300])
    assert client.upload(slot, photo).status_code == 200
