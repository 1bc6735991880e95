#!/usr/bin/env python3
"""`make demo`: one photo through the running stack, as a mobile app would send it.

Registers a webhook device served by a local receiver, asks for an upload slot, PUTs a photo
made here, follows the job through its states, prints the outputs and the signed notification.
"""

from __future__ import annotations

import importlib.util
import io
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from PIL import ExifTags, Image, ImageCms, ImageDraw, ImageFont

from devkit.client import PhotopipeClient, wait_until
from devkit.stack import Stack
from devkit.webhook_receiver import WebhookReceiver
from photopipe.images import icc

CONSOLE_URL = f"http://{os.environ.get('PUBLIC_HOST') or '127.0.0.1'}:{os.environ.get('CONSOLE_PORT') or 8780}/"


def sample_photo() -> bytes:
    """A 12 MP Display P3 JPEG with a gradient and shapes, EXIF orientation 6 (a phone held
    upright) and a capture time: the variants come out in sRGB, upright, without the EXIF."""
    width, height = 4000, 3000
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.merge(
        "RGB", (gradient, gradient.rotate(90).resize((width, height)), Image.new("L", (width, height), 96))
    )
    draw = ImageDraw.Draw(image)
    for i in range(12):
        draw.ellipse(
            (200 + i * 300, 400 + (i % 3) * 600, 600 + i * 300, 800 + (i % 3) * 600), fill=(255, 40 * (i % 6), 30)
        )
    # A portrait from scikit-image's sample photographs (installed by `make venv`), for the
    # on-device face detector to find. The photo is stored sideways (EXIF 6): paste it turned.
    portrait = sample_portrait()
    if portrait is not None:
        image.paste(portrait.resize((1100, 1100)).transpose(Image.Transpose.ROTATE_90), (2700, 1700))
    # A sign for the text reader (where the deployment reads text), turned like the portrait.
    sign = Image.new("RGB", (1700, 300), (245, 245, 235))
    ImageDraw.Draw(sign).text((60, 50), "PHOTOPIPE", font=ImageFont.load_default(190), fill=(20, 20, 20))
    image.paste(sign.transpose(Image.Transpose.ROTATE_90), (150, 1100))
    # As an iPhone stores it: Display P3 with its profile, and the capture in EXIF.
    p3 = icc.profile_bytes(icc.DISPLAY_P3)
    image = ImageCms.applyTransform(
        image,
        ImageCms.buildTransform(ImageCms.createProfile("sRGB"), ImageCms.ImageCmsProfile(io.BytesIO(p3)), "RGB", "RGB"),
    )
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make], exif[ExifTags.Base.Model] = "photopipe", "demo camera"
    exif[ExifTags.IFD.Exif] = {
        ExifTags.Base.DateTimeOriginal: "2026:12:01 09:30:00",
        ExifTags.Base.OffsetTimeOriginal: "+00:00",
    }
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif, icc_profile=p3)
    return buffer.getvalue()


def sample_portrait() -> Image.Image | None:
    spec = importlib.util.find_spec("skimage")
    if not (spec and spec.submodule_search_locations):
        return None
    with Image.open(Path(next(iter(spec.submodule_search_locations))) / "data" / "astronaut.png") as portrait:
        return portrait.convert("RGB")


def main() -> int:
    stack = Stack.load()
    client = PhotopipeClient.for_user(stack, "demo-user")
    started = time.monotonic()

    def at() -> str:
        return f"{time.monotonic() - started:6.2f}s"

    with WebhookReceiver() as receiver:
        device = client.request("POST", "/v1/devices", 201, json={"platform": "webhook", "url": receiver.url()}).json()
        print(f"{at()}  webhook device {device['deviceId']} -> {receiver.url()}")
        try:
            return run(client, device, receiver, at, started)
        finally:
            # The receiver's port dies with this run: a device left behind would be retried on
            # every later job, and the user's device limit would fill up run after run.
            client.request("DELETE", f"/v1/devices/{device['deviceId']}", 204)


def run(
    client: PhotopipeClient,
    device: dict[str, Any],
    receiver: WebhookReceiver,
    at: Callable[[], str],
    started: float,
) -> int:
    photo = sample_photo()
    created = client.create_job("image/jpeg", len(photo))
    job_id = created["jobId"]
    print(f"{at()}  job {job_id}: {created['status']}")
    upload = client.upload(created["upload"], photo)
    if upload.status_code != 200:
        print(f"upload failed: HTTP {upload.status_code} {upload.text[:300]}", file=sys.stderr)
        return 1
    print(f"{at()}  uploaded {len(photo) / 1e6:.1f} MB to S3 with the presigned PUT")
    seen = [created["status"]]

    def observe() -> dict:
        job = client.get_job(job_id)
        if job["status"] != seen[-1]:
            seen.append(job["status"])
            print(f"{at()}  job {job_id}: {job['status']}")
        return job

    job = wait_until(observe, lambda j: j["status"] in ("COMPLETED", "FAILED"), 90, f"job {job_id}", 0.05)
    if job["status"] != "COMPLETED":
        print(f"job failed: {job.get('error')}", file=sys.stderr)
        return 1
    print(f"\nstatus path: {' -> '.join(seen)}   (worker processing {job['processingMs']} ms)")
    print(f"{'output':<10} {'size':>11} {'bytes':>9}  type")
    for output in job["outputs"]:
        size = f"{output['width']}x{output['height']}"
        print(f"{output['name']:<10} {size:>11} {output['bytes']:>9}  {output['contentType']}")
    # Any size on demand: the job's delivery URL and a transform (docs/delivery.md).
    square = f"{job['delivery']['url']}/w_400,h_400,f_auto"
    served = requests.get(square, headers={"Accept": "image/avif,image/webp,*/*"}, timeout=30)
    kind = served.headers.get("Content-Type")
    print(f"delivery: {square}\n          -> {served.status_code} {kind}, {len(served.content)} bytes")
    analysis = job.get("analysis") or {}
    print(
        f"analysis: {analysis.get('width')}x{analysis.get('height')}, colours {analysis.get('dominantColors')}, "
        f"brightness {analysis.get('brightness')}, dHash {analysis.get('perceptualHash')}"
    )
    found = [f"{f['confidence']}% at {f['box']}" for f in analysis.get("faces", [])]
    print(f"faces ({analysis.get('provider')}): {found or 'none'}")
    print(f"moderation: {analysis.get('moderation', 'not run')}")
    if "text" in analysis:
        print(f"text: {[line['text'] for line in analysis['text']] or 'none'}")
    print(
        f"placeholder (ThumbHash): {analysis.get('placeholder', {}).get('thumbhash')}   "
        f"captured {analysis.get('capturedAt', 'unknown')} with {analysis.get('camera', 'an unknown camera')}"
    )

    hook = wait_until(lambda: receiver.for_path("/hook"), bool, 30, "webhook notification", 0.05)[0]
    valid = hook.signature_valid(device["signingSecret"])
    print(f"\n{at()}  webhook received: {hook.body.decode()}")
    print(f"         webhook-id {hook.headers.get('webhook-id')}, signature verified: {valid}")
    # The webhook can arrive before the notifier records the delivery as DELIVERED.
    job = wait_until(
        lambda: client.get_job(job_id),
        lambda j: any(n["deviceId"] == device["deviceId"] and n["status"] != "SENDING" for n in j["notifications"]),
        30,
        "the delivery recorded",
    )
    print(f"         job notifications: {job['notifications']}")
    print(f"\nCOMPLETED in {time.monotonic() - started:.2f}s from upload slot to verified notification")
    print(
        f"\nSee it in a browser: `make console`, open {CONSOLE_URL} and sign in with the token "
        f"`make -s token USER={client.user_id}` prints."
    )
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
