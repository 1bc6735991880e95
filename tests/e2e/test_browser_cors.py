"""A browser's view of the stack: real preflight requests, as Chromium sends them, to every API
route and to a presigned upload URL, from an origin the deployment allows and from one it does
not. (The console's own test, test_console.py, then does it all in a real browser.)"""

from __future__ import annotations

import json
import os
from pathlib import Path

import requests

from devkit.client import PhotopipeClient
from devkit.stack import Stack

ALLOWED = "http://localhost:5173"
FOREIGN = "https://evil.example"
DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def preflight(url: str, origin: str, method: str, headers: str) -> requests.Response:
    return requests.options(
        url,
        headers={"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers},
        timeout=30,
    )


def test_local_stacks_allow_localhost_origins_on_any_port(stack: Stack) -> None:
    assert set(stack["cors_allowed_origins"]) >= {"http://localhost:*", "http://127.0.0.1:*"}


def test_every_api_route_answers_a_preflight_from_an_allowed_origin_only(stack: Stack) -> None:
    routes = [
        (
            method.upper(),
            path.replace("{job_id}", "0" * 32).replace("{device_id}", "dev_x").replace("{edit_id}", "0" * 20),
        )
        for path, operations in json.loads(DOCUMENT.read_text())["paths"].items()
        for method in operations
    ]
    assert len(routes) == 14
    for method, path in routes:
        url = f"{stack.api_base_url}{path}"
        answer = preflight(url, ALLOWED, method, "authorization,content-type,idempotency-key")
        headers = answer.headers
        assert answer.status_code in (200, 204), f"{method} {path}: {answer.status_code} {answer.text[:200]}"
        assert headers.get("Access-Control-Allow-Origin") == ALLOWED, f"{method} {path}: {dict(headers)}"
        assert method in headers.get("Access-Control-Allow-Methods", "").split(","), f"{method} {path}"
        allowed_headers = {h.strip().lower() for h in headers.get("Access-Control-Allow-Headers", "").split(",")}
        assert {"authorization", "content-type", "idempotency-key"} <= allowed_headers, f"{method} {path}"
        refused = preflight(url, FOREIGN, method, "authorization")
        assert refused.headers.get("Access-Control-Allow-Origin") in (None, ""), f"{method} {path}: {refused.headers}"


def test_answers_and_errors_are_readable_by_an_allowed_page_only(client: PhotopipeClient) -> None:
    for origin, expected in ((ALLOWED, ALLOWED), (FOREIGN, None)):
        listed = client.request("GET", "/v1/jobs", headers={"Origin": origin})
        unauthorized = requests.get(f"{client.base_url}/v1/jobs", headers={"Origin": origin}, timeout=30)
        assert (listed.status_code, unauthorized.status_code) == (200, 401)
        for answer in (listed, unauthorized):
            assert answer.headers.get("Access-Control-Allow-Origin") == expected, (origin, dict(answer.headers))
            assert "Origin" in answer.headers.get("Vary", "")


def test_a_browser_may_put_a_photo_to_its_presigned_url_from_an_allowed_origin(
    stack: Stack, client: PhotopipeClient
) -> None:
    rules = stack.client("s3").get_bucket_cors(Bucket=stack["uploads_bucket_name"])["CORSRules"]
    assert [r["AllowedMethods"] for r in rules] == [["PUT"]]
    slot = client.create_job("image/jpeg", 10)["upload"]
    # What a browser asks for: every header the slot signs but Content-Length, which it sets itself.
    asked = [name.lower() for name in slot["headers"] if name.lower() != "content-length"]
    assert set(asked) <= {h.lower() for h in rules[0]["AllowedHeaders"]}, (asked, rules)

    answer = preflight(slot["url"], ALLOWED, "PUT", ",".join(asked))
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers.get("Access-Control-Allow-Origin") in (ALLOWED, "*"), dict(answer.headers)
    put = requests.put(slot["url"], data=b"0123456789", headers={**slot["headers"], "Origin": ALLOWED}, timeout=30)
    assert put.status_code == 200, put.text[:300]
    assert put.headers.get("Access-Control-Allow-Origin") in (ALLOWED, "*"), dict(put.headers)

    # LocalStack applies the bucket's rule to a preflight; MiniStack does only under AUTH=true
    # (IAM enforced), and otherwise answers every origin with `*`.
    if os.environ.get("EMULATOR") == "localstack":
        refused = preflight(slot["url"], FOREIGN, "PUT", ",".join(asked))
        assert refused.status_code == 403, (refused.status_code, dict(refused.headers))
