"""Analysis and editing providers behind one small interface, chosen per deployment.

IMAGE_PROVIDER selects one: `ondevice` (Terraform's default: models in a worker layer, run
offline), `local` (Pillow only; the default of code run outside a deployment, like the unit
tests), `rekognition` (Amazon Rekognition), `http` (an external AI edit endpoint).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from photopipe.config import Settings
from photopipe.images.provider import Provider
from photopipe.providers.moderation import ModerationPolicy


def build(settings: Settings, aws_client: Callable[[str], Any], secret_string: Callable[[str], str]) -> Provider:
    """The deployment's provider. The composition root passes what the AWS-backed ones call
    (a boto3 client maker, a secret reader), so nothing here imports an adapter."""
    name = settings.image_provider
    policy = ModerationPolicy(settings.moderation_blocked_categories, settings.moderation_min_confidence)
    if name == "local":
        from photopipe.providers.local import LocalProvider

        return LocalProvider()
    if name == "ondevice":
        from photopipe.providers.ocr import TextReader
        from photopipe.providers.ondevice import OnDeviceProvider

        return OnDeviceProvider(policy, text=TextReader() if settings.text_detection else None)
    if name == "rekognition":
        from photopipe.providers.rekognition import RekognitionProvider

        return RekognitionProvider(aws_client("rekognition"), policy, detect_text=settings.text_detection)
    if name == "http":
        from photopipe.providers.http_edits import HttpEditProvider

        secret_id = settings.edit_api_key_secret
        return HttpEditProvider(
            settings.edit_endpoint_url,
            lambda: secret_string(secret_id),
            max_pixels=settings.max_full_decode_pixels,
            allow_loopback_http=not settings.on_aws,
            ops=settings.edit_endpoint_ops,
        )
    raise ValueError(f"IMAGE_PROVIDER={name!r} is not one of ondevice, local, rekognition, http")
