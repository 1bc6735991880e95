#!/usr/bin/env python3
"""`make demo`: one photo through the running stack, as a mobile app would send it.

Registers a webhook device served by a local receiver, asks for an upload slot, PUTs a photo
made here, follows the job through its states, prints the outputs and the signed notification.
"""

from __future__ import annotations

import io
import sys
import time

from PIL import Image, ImageDraw

from client import PhotopipeClient, wait_until
from stack import Stack
from webhook_receiver import WebhookReceiver


def sample_photo() -> bytes:
    """A 12 MP JPEG with a gradient and shapes, and EXIF orientation 6 (a phone held upright)."""
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
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def main() -> int:
    stack = Stack.load()
    client = PhotopipeClient.for_user(stack, "demo-user")
    started = time.monotonic()

    def at() -> str:
        return f"{time.monotonic() - started:6.2f}s"

    with WebhookReceiver() as receiver:
        device = client.request("POST", "/v1/devices", 201, json={"platform": "webhook", "url": receiver.url()}).json()
        print(f"{at()}  webhook device {device['deviceId']} -> {receiver.url()}")
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
        analysis = job.get("analysis") or {}
        print(
            f"analysis: {analysis.get('width')}x{analysis.get('height')}, colours {analysis.get('dominantColors')}, "
            f"brightness {analysis.get('brightness')}, dHash {analysis.get('perceptualHash')}"
        )

        hook = wait_until(lambda: receiver.for_path("/hook"), bool, 30, "webhook notification", 0.05)[0]
        valid = hook.signature_valid(device["signingSecret"])
        print(f"\n{at()}  webhook received: {hook.body.decode()}")
        print(f"         signature {hook.headers.get('x-photopipe-signature')} verified: {valid}")
        # The webhook can arrive before the notifier records the delivery as DELIVERED.
        job = wait_until(
            lambda: client.get_job(job_id),
            lambda j: bool(j["notifications"]) and all(n["status"] != "SENDING" for n in j["notifications"]),
            30,
            "the delivery recorded",
        )
        print(f"         job notifications: {job['notifications']}")
        print(f"\nCOMPLETED in {time.monotonic() - started:.2f}s from upload slot to verified notification")
        return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
