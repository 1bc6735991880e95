"""Delivery URLs through the running stack, as a phone's image cache and a web view use them."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from PIL import Image

from devkit.client import PhotopipeClient
from devkit.stack import Stack
from photopipe.delivery.signing import UrlSigner, keys_from
from tests.support.images import encode, photo

ALLOWED_ORIGIN = "http://localhost:5173"


@pytest.fixture(scope="module")
def finished(stack: Stack) -> dict[str, Any]:
    client = PhotopipeClient.for_user(stack, "delivery-e2e")
    job_id = client.submit(photo(1600, 1200), "image/jpeg")
    job = client.wait_for_job(job_id)
    assert job["status"] == "COMPLETED", job.get("error")
    return job


def fetch(url: str, **headers: str) -> requests.Response:
    return requests.get(url, headers=headers, timeout=60)


def error_code(answer: requests.Response) -> str:
    assert answer.headers["Cache-Control"] == "no-store", dict(answer.headers)
    return str(answer.json()["error"]["code"])


def test_urls_are_byte_identical_across_calls_and_valid_a_day_later(stack: Stack, finished: dict[str, Any]) -> None:
    client = PhotopipeClient.for_user(stack, "delivery-e2e")
    again = client.get_job(finished["jobId"])
    listed = next(j for j in client.request("GET", "/v1/jobs").json()["jobs"] if j["jobId"] == finished["jobId"])
    assert again["delivery"] == finished["delivery"] == listed["delivery"]
    assert [o["url"] for o in again["outputs"]] == [o["url"] for o in finished["outputs"]]
    expires = datetime.fromisoformat(finished["delivery"]["expiresAt"])
    assert expires >= datetime.now(UTC) + timedelta(hours=24) - timedelta(minutes=5)


def test_each_outputs_url_serves_the_stored_variant_byte_for_byte(stack: Stack, finished: dict[str, Any]) -> None:
    s3 = stack.client("s3")
    listing = s3.list_objects_v2(
        Bucket=stack["results_bucket_name"], Prefix="results/delivery-e2e/" + finished["jobId"]
    )
    stored = {
        item["Key"].rsplit("/", 1)[1].split(".")[0]: s3.get_object(Bucket=stack["results_bucket_name"], Key=item["Key"])
        for item in listing["Contents"]
    }
    for output in finished["outputs"]:
        served = fetch(output["url"])
        assert served.status_code == 200, served.text[:200]
        assert served.content == stored[output["name"]]["Body"].read(), output["name"]
        assert served.headers["Content-Type"] == output["contentType"]
        assert served.headers["Content-Length"] == str(output["bytes"])


def test_a_current_etag_is_304_and_head_answers_headers_alone(finished: dict[str, Any]) -> None:
    url = f"{finished['delivery']['url']}/w_300,f_jpeg"
    first = fetch(url)
    assert first.status_code == 200 and first.headers["ETag"].startswith('"')
    max_age = int(first.headers["Cache-Control"].split("max-age=")[1].split(",")[0])
    remaining = datetime.fromisoformat(finished["delivery"]["expiresAt"]) - datetime.now(UTC)
    assert 0 < max_age <= remaining.total_seconds() + 5
    revalidated = fetch(url, **{"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304 and revalidated.content == b""
    head = requests.head(url, timeout=60)
    assert head.status_code == 200 and head.content == b"" and head.headers["ETag"] == first.headers["ETag"]


def test_f_auto_follows_accept_and_varies_on_it(finished: dict[str, Any]) -> None:
    url = f"{finished['delivery']['url']}/w_400"
    kinds = [fetch(url, Accept=accept) for accept in ("image/avif,image/webp,*/*", "image/webp,*/*", "*/*")]
    assert [k.headers["Content-Type"] for k in kinds] == ["image/avif", "image/webp", "image/jpeg"]
    assert all(k.headers["Vary"] == "Accept" for k in kinds)
    assert {Image.open(io.BytesIO(k.content)).size for k in kinds} == {(400, 300)}


def test_equal_transforms_share_one_render_and_the_defaults_apply(finished: dict[str, Any]) -> None:
    base = finished["delivery"]["url"]
    spelled = [fetch(f"{base}/{t}", Accept="*/*") for t in ("h_200,w_300", "w_300,h_200,fit_cover,focus_center,f_auto")]
    assert spelled[0].content == spelled[1].content and spelled[0].headers["ETag"] == spelled[1].headers["ETag"]
    assert Image.open(io.BytesIO(spelled[0].content)).size == (300, 200)  # cover: the box, cropped
    contained = fetch(f"{base}/w_300,h_200,fit_contain,f_png")
    assert Image.open(io.BytesIO(contained.content)).size == (267, 200)
    retina = fetch(f"{base}/w_150,dpr_2.0,f_jpeg")
    assert Image.open(io.BytesIO(retina.content)).size == (300, 225)


def test_sizes_past_the_original_are_clamped_and_past_the_maximum_refused(finished: dict[str, Any]) -> None:
    base = finished["delivery"]["url"]
    clamped = fetch(f"{base}/w_3000,f_webp")
    assert Image.open(io.BytesIO(clamped.content)).size == (1600, 1200)
    for transform in ("w_5000", "w_100,sepia_1", "q_0"):
        refused = fetch(f"{base}/{transform}")
        assert refused.status_code == 400 and error_code(refused) == "INVALID_TRANSFORM", transform


def test_a_tampered_or_expired_url_is_refused(stack: Stack, finished: dict[str, Any]) -> None:
    base = finished["delivery"]["url"]
    prefix, job_id, expires, signature = base.rsplit("/", 3)
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    other_job = job_id[:-1] + ("0" if job_id[-1] != "0" else "1")  # always a different id
    for forged in (
        f"{prefix}/{job_id}/{expires}/{flipped}",
        f"{prefix}/{other_job}/{expires}/{signature}",
        f"{prefix}/{job_id}/{int(expires) + 86400}/{signature}",
    ):
        refused = fetch(f"{forged}/w_100")
        assert refused.status_code == 403 and error_code(refused) == "SIGNATURE_INVALID", forged
    # A genuine signature (the stack's own key) for a window long past.
    secret = stack.client("ssm").get_parameter(Name=stack["delivery_signing_key_parameter"], WithDecryption=True)
    signer = UrlSigner(prefix, keys_from(secret["Parameter"]["Value"]))
    old = signer.sign(job_id, datetime.now(UTC) - timedelta(days=3)).url
    expired = fetch(f"{old}/w_100")
    assert expired.status_code == 403 and error_code(expired) == "URL_EXPIRED"


def test_cors_headers_answer_the_configured_origins(finished: dict[str, Any]) -> None:
    url = f"{finished['delivery']['url']}/w_120,f_jpeg"
    assert fetch(url, Origin=ALLOWED_ORIGIN).headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
    assert "Access-Control-Allow-Origin" not in fetch(url, Origin="https://evil.example").headers


def test_an_answer_over_the_inline_limit_is_a_redirect_to_the_same_bytes(stack: Stack) -> None:
    client = PhotopipeClient.for_user(stack, "delivery-e2e")
    noise = Image.merge("RGB", [Image.effect_noise((1200, 900), 80) for _ in range(3)])
    job = client.wait_for_job(client.submit(encode(noise, "JPEG", quality=95), "image/jpeg"))
    url = f"{job['delivery']['url']}/w_1200,f_png"  # a PNG of noise: far over the local 1 MB limit
    redirect = requests.get(url, allow_redirects=False, timeout=60)
    assert redirect.status_code == 302, redirect.status_code
    assert int(redirect.headers["Cache-Control"].split("max-age=")[1]) <= 300
    followed = fetch(url)
    assert followed.status_code == 200 and Image.open(io.BytesIO(followed.content)).size == (1200, 900)


def test_a_deleted_jobs_urls_are_not_found_and_its_renders_are_gone(stack: Stack) -> None:
    client = PhotopipeClient.for_user(stack, "delivery-e2e-delete")
    job = client.wait_for_job(client.submit(photo(800, 600), "image/jpeg"))
    url = f"{job['delivery']['url']}/w_200,f_jpeg"
    assert fetch(url).status_code == 200
    client.request("DELETE", f"/v1/jobs/{job['jobId']}", expect=204)
    gone = fetch(url)
    assert gone.status_code == 404 and error_code(gone) == "NOT_FOUND"
    renders = stack.client("s3").list_objects_v2(Bucket=stack["results_bucket_name"], Prefix=f"renders/{job['jobId']}/")
    assert renders.get("KeyCount", 0) == 0, renders.get("Contents")


def test_distinct_renders_of_one_job_are_capped(stack: Stack) -> None:
    cap = int(stack["delivery_limits"]["transforms_per_job"])
    client = PhotopipeClient.for_user(stack, "delivery-e2e-quota")
    base = client.wait_for_job(client.submit(photo(320, 240), "image/jpeg"))["delivery"]["url"]
    statuses = [fetch(f"{base}/w_{16 + n},f_jpeg").status_code for n in range(cap)]
    assert statuses == [200] * cap, statuses
    capped = fetch(f"{base}/w_{16 + cap},f_jpeg")
    assert capped.status_code == 429 and error_code(capped) == "QUOTA_EXCEEDED"
    assert int(capped.headers["Retry-After"]) > 0
    assert fetch(f"{base}/w_16,f_jpeg").status_code == 200, "a cached render is still served"


def test_a_flood_of_renders_meets_the_owners_rate_limit(stack: Stack) -> None:
    rate = int(stack["delivery_limits"]["renders_per_user_minute"])
    cap = int(stack["delivery_limits"]["transforms_per_job"])
    client = PhotopipeClient.for_user(stack, "delivery-e2e-rate")
    # Enough jobs that the per-job cap is never what stops the flood, even across a minute boundary.
    jobs = [client.submit(photo(320, 240), "image/jpeg") for _ in range(2 * rate // cap + 1)]
    bases = [client.wait_for_job(job_id)["delivery"]["url"] for job_id in jobs]
    limited = None
    for n in range(2 * rate + 1):
        answer = fetch(f"{bases[n % len(bases)]}/w_{16 + n // len(bases)},f_webp")
        if answer.status_code != 200:
            limited = answer
            break
    assert limited is not None, f"{2 * rate + 1} renders in a row were all served"
    assert limited.status_code == 429 and error_code(limited) == "RATE_LIMITED", limited.text
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert fetch(f"{bases[0]}/w_16,f_webp").status_code == 200, "cache hits do not count"
