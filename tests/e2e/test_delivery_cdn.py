"""Delivery through the CloudFront distribution, where the emulator runs one (MiniStack).

Its `*.cloudfront.net` name resolves nowhere here, so the requests go to the emulator's port
with the distribution's name as Host, as CloudFront's own edge would receive them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from devkit.client import PhotopipeClient
from devkit.stack import Stack
from tests.support.images import photo


@pytest.fixture(scope="module")
def cdn(stack: Stack) -> dict[str, Any]:
    domain = stack.outputs.get("delivery_distribution_domain")
    if not domain:
        pytest.skip("this emulator runs no CloudFront distribution (LocalStack Community has none)")
    client = PhotopipeClient.for_user(stack, "delivery-cdn-e2e")
    job = client.wait_for_job(client.submit(photo(1200, 900), "image/jpeg"))
    assert job["status"] == "COMPLETED", job.get("error")
    endpoint = urlsplit(stack["aws_endpoint_url"])
    return {"job": job, "domain": domain, "edge": f"{endpoint.scheme}://{endpoint.netloc}"}


def through_cdn(cdn: dict[str, Any], url: str, **headers: str) -> requests.Response:
    """The request a viewer makes of `url`'s path at the distribution, over HTTPS as the viewer
    protocol policy wants (the emulator reads the scheme from X-Forwarded-Proto). Redirects are
    never followed: they would name the distribution's domain, which is no loopback address."""
    path = "/" + url.split("/_aws/lambda-url/", 1)[1].split("/", 1)[1]
    viewer = {"Host": cdn["domain"], "X-Forwarded-Proto": "https", **headers}
    return requests.get(f"{cdn['edge']}{path}", headers=viewer, timeout=60, allow_redirects=False)


def test_a_variant_through_the_cdn_is_the_same_bytes_as_from_the_origin(cdn: dict[str, Any]) -> None:
    output = cdn["job"]["outputs"][0]
    direct = requests.get(output["url"], timeout=60)
    edge = through_cdn(cdn, output["url"])
    assert edge.status_code == 200, edge.text[:300]
    assert edge.content == direct.content and edge.headers["ETag"] == direct.headers["ETag"]


def test_f_auto_through_the_cdn_follows_accept_after_the_cdn_normalised_it(cdn: dict[str, Any]) -> None:
    url = f"{cdn['job']['delivery']['url']}/w_300"
    chrome = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
    kinds = [
        through_cdn(cdn, url, Accept=accept).headers.get("Content-Type") for accept in (chrome, "image/webp,*/*", "*/*")
    ]
    assert kinds == ["image/avif", "image/webp", "image/jpeg"]


def test_a_forged_url_through_the_cdn_is_refused_and_not_cached(cdn: dict[str, Any]) -> None:
    base = cdn["job"]["delivery"]["url"]
    forged = base[:-1] + ("A" if base[-1] != "A" else "B")
    for _ in range(2):  # the second would be a cache hit if CloudFront kept the 403
        refused = through_cdn(cdn, f"{forged}/w_100")
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "SIGNATURE_INVALID"
